/**
 * Recurring monitors, as Pacemaker's recurring_op_for_active: wherever a
 * managed resource runs after the transition, each enabled recurring
 * monitor for its next role (one without a role in every role but the
 * promoted one) is
 * scheduled after the start, promote or demote there, or on its own when it
 * is not recorded as running there already (after a cleanup or a new op)
 * or its parameters changed since (op digest).
 * In the promoted role a monitor expects rc 8.
 * A recorded monitor of a role the resource leaves there (the unpromoted
 * one on a promote, the promoted one on a demote) is cancelled before the
 * promote or demote: left running, it would judge the new role by the old
 * one's rc (8 where it expects 0) and count a failure. Likewise a monitor of
 * role Stopped is cancelled before the resource starts where it ran.
 */
import type { OpDefinition, Primitive, Role } from './model.js';
import { opDigest } from '../cib/op-digest.js';
import type { GraphAction, GraphBuilder } from './graph.js';

/** Pacemaker: a monitor with a role runs only in that role (Started is not Unpromoted); one without, in any role but Promoted. */
function runsInRole(opRole: Role | undefined, nextRole: Role): boolean {
  return opRole === undefined ? nextRole !== 'Promoted' : opRole === nextRole;
}

/** Pacemaker's default operation timeout, part of a recurring op's digest. */
const defaultTimeoutMs = 20_000;

/** A recorded recurring op whose parameters (the resource's, its own, its timeout) changed is scheduled again. */
function digestChanged(rsc: Primitive, op: OpDefinition, recorded: Record<string, string> | undefined): boolean {
  const digest = recorded?.['op-digest'];
  if (recorded === undefined || digest === undefined) return false;
  const params: Record<string, string> = Object.fromEntries(rsc.params);
  for (const [name, value] of op.params ?? []) params[name] = value;
  const withTimeout = { ...params, CRM_meta_timeout: String(op.timeoutMs ?? defaultTimeoutMs) };
  if (opDigest(withTimeout) === digest) return false;
  const secureParams = recorded['op-secure-params'];
  const secureDigest = recorded['op-secure-digest'];
  if (secureParams === undefined || secureDigest === undefined) return true;
  // Sanitized CIBs: compare without the secret parameters (and the fencer's pcmk_* ones), as crm_simulate does.
  const secret = new Set(secureParams.trim().split(/\s+/));
  const visible: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (!secret.has(name) && !name.startsWith('pcmk_')) visible[name] = value;
  return opDigest(visible) !== secureDigest;
}

/** Pacemaker's cancel action: `RSC_monitor_INTERVAL` on `node`, with the operation it stops in its meta. */
function cancelAction(builder: GraphBuilder, rsc: Primitive, op: OpDefinition, node: string): GraphAction | undefined {
  const cancel = builder.add({
    kind: 'cancel', key: `${rsc.id}_${op.name}_${op.intervalMs}`, rsc: rsc.id, node, operation: 'cancel', intervalMs: op.intervalMs,
    targetRc: 0, pseudo: false, meta: { operation: op.name, interval: String(op.intervalMs) },
  });
  // The key is shared with a monitor of that interval: never turn one into the other.
  return cancel.kind === 'cancel' ? cancel : undefined;
}

/**
 * Cancels `op`, recorded as running on `node`, whose role the resource leaves
 * without being restarted there: before the promote when it goes from
 * unpromoted to promoted, before the demote when it leaves the promoted role
 * (Pacemaker orders it the same way, runnable-left).
 */
function cancelOldRole(builder: GraphBuilder, rsc: Primitive, op: OpDefinition, node: string): void {
  const cancel = cancelAction(builder, rsc, op, node);
  if (rsc.role === 'Promoted') builder.order(cancel, builder.actionOf(rsc, 'demote', node));
  else if (rsc.nextRole === 'Promoted') builder.order(cancel, builder.actionOf(rsc, 'promote', node));
}

function monitorsFor(builder: GraphBuilder, rsc: Primitive): void {
  const node = rsc.assignedTo;
  if (node === null || !rsc.managed || rsc.nextRole === 'Stopped') return;
  const mine = builder.primitiveActions(rsc).filter((a) => a.node === node);
  const before: GraphAction[] = mine.filter((a) => ['start', 'promote', 'demote', 'migrate_from'].includes(a.operation));
  const reload = mine.find((a) => a.kind === 'reload');
  const stoppingHere = mine.some((a) => a.operation === 'stop') && !mine.some((a) => a.operation === 'start');
  if (stoppingHere) return;
  if (before.length === 0 && !rsc.runningOn.includes(node)) return;
  const recorded = rsc.history.get(node)?.recurring;
  const startingHere = mine.some((a) => a.operation === 'start');
  for (const op of rsc.ops) {
    if (op.name !== 'monitor' || op.intervalMs <= 0 || !op.enabled) continue;
    if (!runsInRole(op.role, rsc.nextRole)) {
      // A (re)start begins with no recurring ops (the stop cancels them); role Stopped is stoppedMonitorsFor's.
      if (op.role !== 'Stopped' && !startingHere && recorded?.has(`monitor_${op.intervalMs}`) === true) cancelOldRole(builder, rsc, op, node);
      continue;
    }
    if (before.length === 0 && recorded?.has(`monitor_${op.intervalMs}`) === true && !digestChanged(rsc, op, recorded.get(`monitor_${op.intervalMs}`))) continue;
    const monitor = builder.add({
      kind: 'monitor', key: `${rsc.id}_monitor_${op.intervalMs}`, rsc: rsc.id, node, operation: 'monitor', intervalMs: op.intervalMs,
      targetRc: rsc.nextRole === 'Promoted' ? 8 : 0, pseudo: false,
    });
    for (const action of before) builder.order(action, monitor);
    builder.order(reload, monitor);
  }
}

/**
 * Monitors with role Stopped (Pacemaker's recurring_op_for_inactive): on
 * every online node where the resource will not run, expecting "not
 * running", after its stop there; not again where recorded already.
 */
function stoppedMonitorsFor(builder: GraphBuilder, rsc: Primitive): void {
  if (!rsc.managed) return;
  const ws = builder.ws;
  for (const op of rsc.ops) {
    if (op.name !== 'monitor' || op.intervalMs <= 0 || !op.enabled || op.role !== 'Stopped') continue;
    for (const name of ws.nodeOrder) {
      const node = ws.nodes.get(name);
      if (!node || !node.online || node.unclean || node.pending || ws.fencing.has(name)) continue;
      const stop = builder.primitiveActions(rsc).find((a) => a.operation === 'stop' && a.node === name);
      const willRun = rsc.assignedTo === name && rsc.nextRole !== 'Stopped' && (builder.primitiveActions(rsc).some((a) => a.operation === 'start' && a.node === name) || (rsc.runningOn.includes(name) && !stop));
      if (willRun) {
        // Pacemaker's cancel_if_running: it would find the resource running and count that as a failure.
        if (rsc.history.get(name)?.recurring?.has(`monitor_${op.intervalMs}`) === true) {
          const cancel = cancelAction(builder, rsc, op, name);
          if (rsc.nextRole === 'Started' || rsc.nextRole === 'Unpromoted') builder.order(cancel, builder.actionOf(rsc, 'start', name));
        }
        continue;
      }
      if (stop === undefined && rsc.history.get(name)?.recurring?.has(`monitor_${op.intervalMs}`) === true) continue;
      const monitor = builder.add({ kind: 'monitor', key: `${rsc.id}_monitor_${op.intervalMs}`, rsc: rsc.id, node: name, operation: 'monitor', intervalMs: op.intervalMs, targetRc: 7, pseudo: false });
      builder.order(stop, monitor);
    }
  }
}

/** Adds the recurring monitors the transition needs. */
export function addMonitors(builder: GraphBuilder): void {
  for (const rsc of builder.ws.primitives.values()) {
    monitorsFor(builder, rsc);
    stoppedMonitorsFor(builder, rsc);
  }
}
