/**
 * Operation history (`lrm_rsc_op`) → what runs where, in which role, and
 * whether it failed, as Pacemaker's unpack_lrm_resource/unpack_rsc_op do:
 * ops are replayed in call-id order; a success sets the role, a result
 * other than the one the transition expected is a failure handled by the
 * op's on-fail; a digest that differs from the configuration forces a restart.
 */
import type { XmlElement } from '../cib/xml.js';
import { opDigest } from '../cib/op-digest.js';
import type { NodeHistory, Primitive, Role } from './model.js';

interface OpRecord {
  element: XmlElement;
  task: string;
  intervalMs: number;
  callId: number;
  status: number;
  rc: number;
  expectedRc: number;
  lastChange: number;
}

const OCF_OK = 0;
const OCF_NOT_RUNNING = 7;
const OCF_RUNNING_PROMOTED = 8;
const OCF_FAILED_PROMOTED = 9;

function historyIntervalMs(text: string | undefined): number {
  const value = Number(text ?? 0);
  return Number.isFinite(value) ? value : 0;
}

function readOps(lrmResource: XmlElement): OpRecord[] {
  const records: OpRecord[] = [];
  for (const element of lrmResource.children) {
    if (element.name !== 'lrm_rsc_op' || element.attrs['op-status'] === undefined) continue;
    const key = element.attrs['transition-key'] ?? element.attrs['transition-magic']?.split(';')[1];
    const expectedText = key?.split(':')[2];
    records.push({
      element,
      task: element.attrs.operation ?? '',
      // The status section records intervals in milliseconds (the configuration's bare numbers are seconds).
      intervalMs: historyIntervalMs(element.attrs.interval),
      callId: Number(element.attrs['call-id'] ?? -1),
      status: Number(element.attrs['op-status']),
      rc: Number(element.attrs['rc-code'] ?? -1),
      expectedRc: expectedText === undefined ? -1 : Number(expectedText),
      lastChange: Number(element.attrs['last-rc-change'] ?? element.attrs['last-run'] ?? 0),
    });
  }
  records.sort((a, b) => {
    const pendingA = a.callId < 0 || a.status === -1;
    const pendingB = b.callId < 0 || b.status === -1;
    if (pendingA !== pendingB) return pendingA ? 1 : -1;
    return a.callId - b.callId || a.lastChange - b.lastChange;
  });
  return records;
}

function configuredOnFail(rsc: Primitive, task: string, intervalMs: number, stonithEnabled: boolean): string {
  const op = rsc.ops.find((o) => o.name === task && o.intervalMs === intervalMs)
    ?? (task === 'monitor' && intervalMs === 0 ? undefined : rsc.ops.find((o) => o.name === task));
  if (op?.onFail) return op.onFail;
  if (task === 'stop') return stonithEnabled ? 'fence' : 'block';
  return 'restart';
}

/** Failure policies that outlive a later success (Pacemaker keeps them). */
const stickyOnFail = new Set(['stop', 'fence', 'standby']);

export interface HistoryOptions {
  stonithEnabled: boolean;
  /** Fail-count expired (failure-timeout passed): failures are forgotten. */
  failuresExpired: boolean;
  failureTimeoutMs: number;
  nowMs: number;
  /** A fail count is recorded and not expired: failures stay. */
  failCountActive: boolean;
}

/** Replays the history of `rsc` on `node` from one `lrm_resource` element. */
export function unpackNodeHistory(rsc: Primitive, node: string, lrmResource: XmlElement, options: HistoryOptions): NodeHistory {
  const history: NodeHistory = { node, role: 'Stopped', failed: false, banned: false, digestChanged: false, reloadOnly: false, lastCallId: -1 };
  let role: Role = 'Stopped';
  let lastStateOp: OpRecord | undefined;
  let expiredProbe = false;
  let counted = false;
  for (const op of readOps(lrmResource)) {
    history.lastCallId = Math.max(history.lastCallId, op.callId);
    const isProbe = op.task === 'monitor' && op.intervalMs === 0;
    if (op.status === -1) {
      history.pendingOp = op.task;
      counted = true;
      if (op.task === 'start' || op.task === 'migrate_from') role = 'Started';
      else if (op.task === 'promote') role = 'Promoted';
      else if (op.task === 'demote') role = 'Unpromoted';
      continue;
    }
    if (op.status === 1) continue; // cancelled
    // A recurring op counts as running there only while its last result was the expected one (a failed one is scheduled again).
    if (op.intervalMs > 0 && !(op.element.attrs.id ?? '').endsWith('_last_failure_0')) {
      if (op.status === 0 && op.rc === op.expectedRc) (history.recurring ??= new Map()).set(`${op.task}_${op.intervalMs}`, op.element.attrs);
      else history.recurring?.delete(`${op.task}_${op.intervalMs}`);
    }
    // An unexpected result older than failure-timeout is forgotten (probes finding it stopped/running never expire).
    const unexpected = op.rc !== op.expectedRc && !(isProbe && [OCF_OK, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED].includes(op.rc));
    if (unexpected && options.failureTimeoutMs > 0 && op.lastChange > 0 && op.lastChange * 1000 + options.failureTimeoutMs < options.nowMs
      && !options.failCountActive) {
      if (isProbe) expiredProbe = true;
      continue;
    }
    counted = true;
    let success: boolean;
    let resultRole: Role | undefined;
    let hardBan = false;
    if (op.status === 0 || op.status === 4) {
      if (op.rc === op.expectedRc || (isProbe && [OCF_OK, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED].includes(op.rc))) {
        success = true;
        if (op.rc === OCF_NOT_RUNNING) resultRole = 'Stopped';
        else if (op.rc === OCF_RUNNING_PROMOTED) resultRole = 'Promoted';
      } else if (op.rc === OCF_NOT_RUNNING && !rsc.managed) {
        success = true;
        resultRole = 'Stopped';
      } else {
        success = false;
        if (op.rc === OCF_RUNNING_PROMOTED || op.rc === OCF_FAILED_PROMOTED) resultRole = 'Promoted';
        if (op.rc === 5) {
          hardBan = true;
          if (isProbe) { success = true; resultRole = 'Stopped'; }
        }
        if ([2, 4].includes(op.rc) || (op.rc === 3 && op.intervalMs === 0)) hardBan = true;
        if (op.rc === 6) history.fatal = true;
      }
    } else if (op.status === 5 || op.status === 7) {
      success = isProbe;
      hardBan = true;
      if (isProbe) resultRole = 'Stopped';
    } else {
      success = false;
      if (op.status === 3 || op.status === 6) hardBan = true;
    }
    if (hardBan) history.banned = true;
    if (success) {
      if (resultRole === 'Stopped') {
        role = 'Stopped';
        clearFailure(history);
        lastStateOp = undefined;
        continue;
      }
      switch (op.task) {
        case 'start':
          role = 'Started'; clearFailure(history); lastStateOp = op; delete history.migrateTo; history.recurring?.clear(); break;
        case 'migrate_from':
          delete history.migrateTo;
          history.recurring?.clear();
          role = 'Started'; clearFailure(history); lastStateOp = undefined;
          history.migrateFrom = { source: op.element.attrs.migrate_source ?? '', target: node, ok: true };
          break;
        case 'stop':
          role = 'Stopped'; clearFailure(history); lastStateOp = undefined; delete history.migrateTo; history.recurring?.clear(); break;
        case 'promote':
          role = 'Promoted'; clearFailure(history); break;
        case 'demote':
          role = 'Unpromoted'; clearFailure(history); break;
        case 'migrate_to':
          role = 'Started';
          history.migrateTo = { source: op.element.attrs.migrate_source ?? node, target: op.element.attrs.migrate_target ?? '', ok: true };
          lastStateOp = undefined;
          break;
        case 'monitor':
          clearFailure(history);
          if (resultRole === 'Promoted') role = 'Promoted';
          else if (role === 'Stopped') role = 'Started';
          if (isProbe) lastStateOp = op;
          break;
        default:
          break;
      }
      continue;
    }
    // a failure
    const opExpired = options.failureTimeoutMs > 0 && op.lastChange > 0 && op.lastChange * 1000 + options.failureTimeoutMs < options.nowMs;
    if (options.failuresExpired || (opExpired && !options.failCountActive)) {
      continue;
    }
    const onFail = configuredOnFail(rsc, op.task, op.intervalMs, options.stonithEnabled);
    if (onFail === 'ignore') {
      if (op.task === 'start' && role === 'Stopped') role = 'Started';
      continue;
    }
    history.failed = true;
    history.onFail = onFail;
    history.failedOp = op.task;
    history.failedHard = hardBan;
    if (op.task === 'migrate_to') {
      history.migrateTo = { source: op.element.attrs.migrate_source ?? node, target: op.element.attrs.migrate_target ?? '', ok: false };
    }
    if (op.task === 'stop') history.banned = true;
    if (resultRole === 'Promoted') role = 'Promoted';
    else if (op.task === 'promote') role = 'Promoted';
    else if (op.task === 'demote') {
      // Pacemaker: a failed demote counts as unpromoted (it is stopped anyway), unless on-fail=block.
      role = onFail === 'block' ? 'Promoted' : 'Unpromoted';
    }
    else if (role === 'Stopped' && (op.task === 'start' || op.task === 'stop' || op.task === 'monitor' || op.task === 'migrate_from')) role = 'Started';
  }
  history.role = role;
  // Only an expired failed probe: Pacemaker forgets it, so the state there is unknown again (probed).
  if (expiredProbe && !counted) history.unknown = true;
  if (role !== 'Stopped' && lastStateOp && !history.failed) checkDigest(rsc, lastStateOp, history);
  return history;
}

function clearFailure(history: NodeHistory): void {
  if (history.onFail !== undefined && stickyOnFail.has(history.onFail)) return;
  history.failed = false;
  delete history.onFail;
  delete history.failedOp;
}

function checkDigest(rsc: Primitive, op: OpRecord, history: NodeHistory): void {
  const recorded = op.element.attrs['op-digest'];
  const params = Object.fromEntries(rsc.params);
  if (recorded === undefined) return;
  if (recorded === opDigest(params)) return;
  // Like crm_simulate, compare without secret parameters where they were recorded (CIBs are often sanitized).
  const secureParams = op.element.attrs['op-secure-params'];
  const secureDigest = op.element.attrs['op-secure-digest'];
  if (secureParams !== undefined && secureDigest !== undefined) {
    const secret = new Set(secureParams.trim().split(/\s+/));
    const visible: Record<string, string> = {};
    // The secure digest also leaves out the fencer's own pcmk_* parameters.
    for (const [name, value] of rsc.params) if (!secret.has(name) && !name.startsWith('pcmk_')) visible[name] = value;
    if (opDigest(visible) === secureDigest) return;
  }
  const forceRestart = op.element.attrs['op-force-restart'];
  const restartDigest = op.element.attrs['op-restart-digest'];
  if (forceRestart !== undefined && restartDigest !== undefined) {
    const names = forceRestart.trim().split(/\s+/).filter((n) => n !== '');
    const restartParams: Record<string, string> = {};
    for (const name of names) if (rsc.params.has(name)) restartParams[name] = rsc.params.get(name) ?? '';
    if (opDigest(restartParams) === restartDigest) {
      history.reloadOnly = true;
      history.digestChanged = true;
      return;
    }
  }
  history.digestChanged = true;
}
