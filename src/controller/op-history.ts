/**
 * Recording operation results in the CIB status section as Pacemaker's
 * controller does: `node_state > lrm > lrm_resources > lrm_resource >
 * lrm_rsc_op`, one entry per kind of result (`RSC_last_0` for the last
 * one-shot operation, `RSC_last_failure_0` for the last failure,
 * `RSC_monitor_INTERVAL` for a recurring monitor), and the fail-count /
 * last-failure transient attributes on a failure. Pure: edits the given tree.
 */
import type { XmlElement } from '../cib/xml.js';
import { DEFAULT_CRM_FEATURE_SET } from '../cib/empty.js';
import { INFINITY, addScores, formatScore, parseScoreOr } from '../cib/score.js';
import { ensureChild, nodeStateOf, removeChildren, setTransientAttribute, transientAttributes } from './cib-edit.js';

/** Pacemaker's op-status values (PCMK_EXEC_*). */
export const OpStatus = { pending: -1, done: 0, cancelled: 1, timeout: 2, notSupported: 3, error: 4, errorHard: 5, errorFatal: 6, notInstalled: 7 } as const;

/** The numeric op-status of an executor status word. */
export function opStatusOf(status: 'done' | 'timeout' | 'cancelled' | 'not-installed' | 'error'): number {
  switch (status) {
    case 'done': return OpStatus.done;
    case 'timeout': return OpStatus.timeout;
    case 'cancelled': return OpStatus.cancelled;
    case 'not-installed': return OpStatus.notInstalled;
    default: return OpStatus.error;
  }
}

export interface NodeRef { id: string; uname: string }

export interface ResourceRef { id: string; cls: string; provider?: string; type: string }

/** Which transition asked for an operation, and what result it expected. */
export interface TransitionKey { actionId: number; transitionId: number; targetRc: number; uuid: string }

export function formatTransitionKey(key: TransitionKey): string {
  return `${key.actionId}:${key.transitionId}:${key.targetRc}:${key.uuid}`;
}

/** One operation result as the controller records it. */
export interface OperationRecord {
  operation: string;
  intervalMs: number;
  rc: number;
  /** PCMK_EXEC_* value (OpStatus). */
  opStatus: number;
  callId: number;
  exitReason?: string;
  opDigest: string;
  /** Wall clock when the operation started, ms since the epoch. */
  startedAtMs: number;
  execTimeMs: number;
  queueTimeMs: number;
  key: TransitionKey;
  /** A live migration's two ends (migrate_to, migrate_from), recorded as Pacemaker does. */
  migrateSource?: string;
  migrateTarget?: string;
}

/** `RSC_OP_INTERVAL`, Pacemaker's operation key. */
export function operationKey(rsc: string, operation: string, intervalMs: number): string {
  return `${rsc}_${operation}_${intervalMs}`;
}

/**
 * Whether the result is a failure: not the expected rc, or not executed.
 * A probe's "running" or "not running" answer is never a failure: it is
 * what the probe is for.
 */
export function isFailure(record: Pick<OperationRecord, 'operation' | 'intervalMs' | 'rc' | 'opStatus' | 'key'>): boolean {
  const probe = record.operation === 'monitor' && record.intervalMs === 0;
  if (record.opStatus !== OpStatus.done) return !(probe && record.opStatus === OpStatus.notInstalled);
  if (record.rc === record.key.targetRc) return false;
  return !(probe && [0, 7, 8].includes(record.rc));
}

function lrmResourceOf(cib: XmlElement, node: NodeRef, rsc: ResourceRef): XmlElement {
  const state = nodeStateOf(cib, node);
  const lrm = ensureChild(state, 'lrm', { id: node.id });
  const resources = ensureChild(lrm, 'lrm_resources');
  const entry = ensureChild(resources, 'lrm_resource', { id: rsc.id });
  entry.attrs.class = rsc.cls;
  if (rsc.provider !== undefined) entry.attrs.provider = rsc.provider;
  entry.attrs.type = rsc.type;
  return entry;
}

function opElement(id: string, node: NodeRef, rsc: ResourceRef, record: OperationRecord): XmlElement {
  const key = formatTransitionKey(record.key);
  return {
    name: 'lrm_rsc_op',
    attrs: {
      id,
      operation_key: operationKey(rsc.id, record.operation, record.intervalMs),
      operation: record.operation,
      'crm-debug-origin': 'do_update_resource',
      crm_feature_set: DEFAULT_CRM_FEATURE_SET,
      'transition-key': key,
      'transition-magic': `${record.opStatus}:${record.rc};${key}`,
      'exit-reason': record.exitReason ?? '',
      on_node: node.uname,
      'call-id': String(record.callId),
      'rc-code': String(record.rc),
      'op-status': String(record.opStatus),
      interval: String(record.intervalMs),
      'last-rc-change': String(Math.floor(record.startedAtMs / 1000)),
      'exec-time': String(record.execTimeMs),
      'queue-time': String(record.queueTimeMs),
      'op-digest': record.opDigest,
      ...(record.migrateSource !== undefined ? { migrate_source: record.migrateSource } : {}),
      ...(record.migrateTarget !== undefined ? { migrate_target: record.migrateTarget } : {}),
    },
    children: [],
  };
}

export interface RecordOptions {
  /** start-failure-is-fatal (default true): a failed start sets the fail count to INFINITY. */
  startFailureIsFatal?: boolean;
}

/**
 * Records one result of `rsc` on `node` in `cib` (edited in place).
 * Returns whether it was a failure (and so counted in the fail count).
 */
export function recordOperation(cib: XmlElement, node: NodeRef, rsc: ResourceRef, record: OperationRecord, options: RecordOptions = {}): boolean {
  const entry = lrmResourceOf(cib, node, rsc);
  const recurring = record.intervalMs > 0;
  const failed = isFailure(record);
  const id = recurring ? operationKey(rsc.id, record.operation, record.intervalMs) : `${rsc.id}_last_0`;
  removeChildren(entry, (c) => c.name === 'lrm_rsc_op' && c.attrs.id === id);
  entry.children.push(opElement(id, node, rsc, record));
  if (!recurring && (record.operation === 'stop' || (record.operation === 'monitor' && record.rc === 7 && !failed))) {
    // Stopped: its recurring monitors were cancelled, and Pacemaker drops their entries.
    removeChildren(entry, (c) => c.name === 'lrm_rsc_op' && c.attrs.interval !== undefined && c.attrs.interval !== '0' && c.attrs.id !== `${rsc.id}_last_failure_0`);
  }
  if (failed) {
    const failureId = `${rsc.id}_last_failure_0`;
    removeChildren(entry, (c) => c.name === 'lrm_rsc_op' && c.attrs.id === failureId);
    entry.children.push(opElement(failureId, node, rsc, record));
    const suffix = `${rsc.id}#${record.operation}_${record.intervalMs}`;
    const attrs = transientAttributes(cib, node.uname);
    // Score arithmetic, as attrd's "value++": a count already at INFINITY stays there.
    const current = parseScoreOr(attrs.get(`fail-count-${suffix}`), 0);
    const fatal = record.operation === 'start' && (options.startFailureIsFatal ?? true);
    const next = formatScore(fatal ? INFINITY : addScores(current, 1));
    setTransientAttribute(cib, node, `fail-count-${suffix}`, next);
    setTransientAttribute(cib, node, `last-failure-${suffix}`, String(Math.floor(record.startedAtMs / 1000)));
  }
  return failed;
}

/**
 * Forgets a cancelled recurring operation of `rscId` on `uname`: its entry
 * goes, as Pacemaker's controller deletes it, so the scheduler no longer
 * counts it as running there. A clone instance's (`rsc:0`) is also looked
 * for under the clone's primitive id, where Pacemaker records anonymous
 * instances. Returns how many entries went.
 */
export function forgetRecurring(cib: XmlElement, uname: string, rscId: string, operation: string, intervalMs: number): number {
  const state = cib.children.find((c) => c.name === 'status')?.children.find((c) => c.name === 'node_state' && c.attrs.uname === uname);
  const resources = state?.children.find((c) => c.name === 'lrm')?.children.find((c) => c.name === 'lrm_resources');
  const ids = new Set([rscId, rscId.replace(/:\d+$/, '')]);
  let removed = 0;
  for (const entry of resources?.children ?? []) {
    if (entry.name !== 'lrm_resource' || !ids.has(entry.attrs.id ?? '')) continue;
    removed += removeChildren(entry, (c) => c.name === 'lrm_rsc_op' && c.attrs.operation === operation && c.attrs.interval === String(intervalMs)
      && !(c.attrs.id ?? '').endsWith('_last_failure_0'));
  }
  return removed;
}

/** The transition key recorded for the recurring operation `RSC_OP_INTERVAL` on `uname`, if it is recorded. */
export function recordedRecurringKey(cib: XmlElement, uname: string, rscId: string, operation: string, intervalMs: number): string | undefined {
  const id = operationKey(rscId, operation, intervalMs);
  return lrmOps(cib, uname, rscId)?.find((c) => c.attrs.id === id)?.attrs['transition-key'];
}

/**
 * Forgets a resource's history and fail counts (`tandem resource cleanup`):
 * on one node, or on every node when `uname` is undefined. The scheduler then
 * probes it again. Returns how many history entries went.
 */
export function cleanupResource(cib: XmlElement, rscId: string, uname?: string): number {
  let removed = 0;
  const status = cib.children.find((c) => c.name === 'status');
  for (const state of status?.children ?? []) {
    if (state.name !== 'node_state' || (uname !== undefined && state.attrs.uname !== uname)) continue;
    for (const lrm of state.children.filter((c) => c.name === 'lrm')) {
      for (const resources of lrm.children.filter((c) => c.name === 'lrm_resources')) {
        removed += removeChildren(resources, (c) => c.name === 'lrm_resource' && c.attrs.id === rscId);
      }
    }
    for (const transient of state.children.filter((c) => c.name === 'transient_attributes')) {
      for (const set of transient.children) {
        removeChildren(set, (c) => c.name === 'nvpair' && /^(fail-count|last-failure)-/.test(c.attrs.name ?? '') && ((c.attrs.name ?? '').endsWith(`-${rscId}`) || (c.attrs.name ?? '').includes(`-${rscId}#`)));
      }
    }
  }
  return removed;
}

/** Forgets everything a node's executor ran (the node restarted or was fenced: its executor forgot too). */
export function eraseNodeHistory(cib: XmlElement, uname: string): void {
  const status = cib.children.find((c) => c.name === 'status');
  for (const state of status?.children ?? []) {
    if (state.name === 'node_state' && state.attrs.uname === uname) removeChildren(state, (c) => c.name === 'lrm');
  }
}

/** Whether the status section holds any operation history of `rscId` on `uname`. */
export function hasHistory(cib: XmlElement, uname: string, rscId: string): boolean {
  return lrmOps(cib, uname, rscId) !== undefined;
}

/** The recorded `lrm_rsc_op` entries of `rscId` on `uname` (undefined when it has no `lrm_resource`). */
export function lrmOps(cib: XmlElement, uname: string, rscId: string): XmlElement[] | undefined {
  const state = cib.children.find((c) => c.name === 'status')?.children.find((c) => c.name === 'node_state' && c.attrs.uname === uname);
  const resources = state?.children.find((c) => c.name === 'lrm')?.children.find((c) => c.name === 'lrm_resources');
  const entry = resources?.children.find((c) => c.name === 'lrm_resource' && c.attrs.id === rscId);
  return entry?.children.filter((c) => c.name === 'lrm_rsc_op');
}
