/**
 * Recurring monitors, as Pacemaker's recurring_op_for_active: wherever a
 * managed resource runs after the transition, each enabled recurring
 * monitor for its next role (one without a role runs in every role) is
 * scheduled after the start, promote or demote there, or on its own when it
 * is not recorded as running there already (after a cleanup or a new op).
 * In the promoted role a monitor expects rc 8.
 */
import type { Primitive, Role } from './model.js';
import type { GraphAction, GraphBuilder } from './graph.js';

function sameRole(a: Role, b: Role): boolean {
  const norm = (r: Role): Role => (r === 'Unpromoted' ? 'Started' : r);
  return norm(a) === norm(b);
}

function monitorsFor(builder: GraphBuilder, rsc: Primitive): void {
  const node = rsc.assignedTo;
  if (node === null || !rsc.managed || rsc.nextRole === 'Stopped') return;
  const mine = builder.primitiveActions(rsc).filter((a) => a.node === node);
  const before: GraphAction[] = mine.filter((a) => ['start', 'promote', 'demote', 'migrate_from'].includes(a.operation));
  const stoppingHere = mine.some((a) => a.operation === 'stop') && !mine.some((a) => a.operation === 'start');
  if (stoppingHere) return;
  if (before.length === 0 && !rsc.runningOn.includes(node)) return;
  const recorded = rsc.history.get(node)?.recurring;
  for (const op of rsc.ops) {
    if (op.name !== 'monitor' || op.intervalMs <= 0 || !op.enabled) continue;
    if (op.role !== undefined && (op.role === 'Stopped' || !sameRole(op.role, rsc.nextRole))) continue;
    if (before.length === 0 && recorded?.has(`monitor_${op.intervalMs}`) === true) continue;
    const monitor = builder.add({
      kind: 'monitor', key: `${rsc.id}_monitor_${op.intervalMs}`, rsc: rsc.id, node, operation: 'monitor', intervalMs: op.intervalMs,
      targetRc: rsc.nextRole === 'Promoted' ? 8 : 0, pseudo: false,
    });
    for (const action of before) builder.order(action, monitor);
  }
}

/** Adds the recurring monitors the transition needs. */
export function addMonitors(builder: GraphBuilder): void {
  for (const rsc of builder.ws.primitives.values()) monitorsFor(builder, rsc);
}
