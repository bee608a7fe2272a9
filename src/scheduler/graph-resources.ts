/**
 * The resource actions of the graph: per primitive demote, stop,
 * migrate_to/migrate_from, start and promote as the plans say; stops and
 * demotes on a node being fenced are pseudo-actions (the fencing does them);
 * groups and clones get Pacemaker's pseudo-actions around their members'
 * actions (X before the members' X, members' X before Xed), and the
 * ordering constraints become edges between the members' actions.
 */
import type { Primitive, Resource } from './model.js';
import type { PrimitivePlan } from './actions.js';
import { canMigrate } from './actions.js';
import type { OrderEdges } from './ordering.js';
import type { GraphAction, GraphBuilder } from './graph.js';

/** A collective's task and the pseudo-action that says it is done. */
const doneTask: Record<string, string> = { start: 'running', stop: 'stopped', promote: 'promoted', demote: 'demoted' };

function fenceAction(builder: GraphBuilder, node: string): GraphAction {
  const action = builder.ws.options.stonithAction === 'off' || builder.ws.options.stonithAction === 'poweroff' ? 'off' : 'reboot';
  return builder.add({ kind: 'fence', key: `stonith-${node}-${action}`, node, operation: action, intervalMs: 0, targetRc: 0, pseudo: false });
}

function resourceAction(builder: GraphBuilder, rsc: Primitive, kind: 'demote' | 'stop' | 'start' | 'promote' | 'migrate_to' | 'migrate_from' | 'reload', node: string, pseudo = false): GraphAction {
  // Pacemaker 2.1 reloads through the agent's reload-agent action.
  const operation = kind === 'reload' ? 'reload-agent' : kind;
  const action = builder.add({ kind, key: `${rsc.id}_${operation}_0`, rsc: rsc.id, node, operation, intervalMs: 0, targetRc: 0, pseudo });
  const list = builder.ofPrimitive.get(rsc);
  if (list) list.push(action);
  else builder.ofPrimitive.set(rsc, [action]);
  return action;
}

function addPrimitive(builder: GraphBuilder, plan: PrimitivePlan, fences: Map<string, GraphAction>): void {
  const { ws } = builder;
  const rsc = plan.rsc;
  if (!rsc.managed) return;
  const current = rsc.runningOn[0];
  const demoteNode = rsc.role === 'Promoted' && current !== undefined && (rsc.nextRole !== 'Promoted' || plan.stopOn.length > 0) ? current : undefined;
  const demote = demoteNode !== undefined && !plan.stopBlocked ? resourceAction(builder, rsc, 'demote', demoteNode, ws.fencing.has(demoteNode)) : undefined;
  builder.order(demoteNode !== undefined ? fences.get(demoteNode) : undefined, demote);
  const starting = plan.startOn !== null && !plan.startBlocked ? plan.startOn : null;
  const migrating = starting !== null && current !== undefined && plan.stopOn.length === 1 && plan.stopOn[0] === current && current !== starting
    && !plan.restart && !plan.stopBlocked && canMigrate(ws, rsc, current, plan);
  let migrateFrom: GraphAction | undefined;
  if (migrating && starting !== null && current !== undefined) {
    const migrateTo = resourceAction(builder, rsc, 'migrate_to', current);
    migrateTo.meta = { migrate_source: current, migrate_target: starting };
    migrateFrom = resourceAction(builder, rsc, 'migrate_from', starting);
    migrateFrom.meta = { migrate_source: current, migrate_target: starting };
    builder.order(migrateTo, migrateFrom);
  }
  const stops = plan.stopBlocked ? [] : plan.stopOn.map((node) => resourceAction(builder, rsc, 'stop', node, ws.fencing.has(node)));
  for (const stop of stops) {
    builder.order(demote, stop);
    builder.order(migrateFrom, stop);
    builder.order(fences.get(stop.node), stop);
  }
  if (starting !== null) {
    // A migrated resource is started by migrate_from; its start is only the point where it counts as started.
    const start = resourceAction(builder, rsc, 'start', starting, migrating);
    for (const stop of stops) builder.order(stop, start);
    for (const fence of fences.values()) builder.order(fence, start);
    if (rsc.nextRole === 'Promoted') builder.order(start, resourceAction(builder, rsc, 'promote', starting));
  } else if (rsc.assignedTo !== null && rsc.role !== 'Promoted' && rsc.nextRole === 'Promoted' && !plan.startBlocked) {
    resourceAction(builder, rsc, 'promote', rsc.assignedTo);
  }
  if (starting === null && rsc.assignedTo !== null && !plan.startBlocked && rsc.runningOn.includes(rsc.assignedTo) && rsc.history.get(rsc.assignedTo)?.reloadOnly === true) {
    // Only reloadable parameters changed: the agent reloads them in place.
    resourceAction(builder, rsc, 'reload', rsc.assignedTo);
  }
}

/**
 * The actions that begin and end `task` for a resource: for a primitive its
 * own actions, for a group or clone its pseudo-actions (created when a
 * member has such an action).
 */
function collective(builder: GraphBuilder, rsc: Resource, task: string): { begin: GraphAction[]; end: GraphAction[] } {
  if (rsc.kind === 'primitive') {
    const own = builder.primitiveActions(rsc).filter((a) => a.operation === task);
    return { begin: own, end: own };
  }
  const members: Resource[] = rsc.kind === 'group' ? rsc.children : rsc.instances;
  const parts = members.map((member) => collective(builder, member, task));
  if (parts.every((p) => p.begin.length === 0)) return { begin: [], end: [] };
  const begin = builder.pseudo(rsc.id, task);
  const end = builder.pseudo(rsc.id, doneTask[task] ?? task);
  for (const part of parts) {
    for (const action of part.begin) builder.order(begin, action);
    for (const action of part.end) builder.order(action, end);
  }
  return { begin: [begin], end: [end] };
}

function addCollectivePseudoActions(builder: GraphBuilder, rsc: Resource): void {
  if (rsc.kind === 'primitive') return;
  const demote = collective(builder, rsc, 'demote');
  const stop = collective(builder, rsc, 'stop');
  const start = collective(builder, rsc, 'start');
  const promote = collective(builder, rsc, 'promote');
  // Within a group or clone: demoted before stop, stopped before start, running before promote.
  for (const a of demote.end) for (const b of stop.begin) builder.order(a, b);
  for (const a of stop.end) for (const b of start.begin) builder.order(a, b);
  for (const a of start.end) for (const b of promote.begin) builder.order(a, b);
}

/** Adds fencing and unfencing, the resource actions, the collectives' pseudo-actions and the constraint edges. */
export function addResourceActions(builder: GraphBuilder, plans: Map<Primitive, PrimitivePlan>, orderEdges: OrderEdges, unfence: string[]): void {
  const fences = new Map<string, GraphAction>();
  for (const node of builder.ws.fencing.keys()) fences.set(node, fenceAction(builder, node));
  for (const node of unfence) builder.add({ kind: 'fence', key: `stonith-${node}-on`, node, operation: 'on', intervalMs: 0, targetRc: 0, pseudo: false });
  for (const plan of plans.values()) addPrimitive(builder, plan, fences);
  for (const node of unfence) {
    const on = builder.find(`stonith-${node}-on`, node);
    for (const action of builder.actions) if (action.operation === 'start' && action.node === node) builder.order(on, action);
  }
  for (const rsc of builder.ws.resources) addCollectivePseudoActions(builder, rsc);
  for (const edge of orderEdges.starts) {
    const then = builder.actionOf(edge.then, 'start');
    if (!then) continue;
    for (const first of edge.firsts) builder.order(builder.actionOf(first, 'start'), then);
  }
  for (const edge of orderEdges.stops) {
    const thenStops = builder.primitiveActions(edge.then).filter((a) => a.operation === 'stop');
    const firstStops = builder.primitiveActions(edge.first).filter((a) => a.operation === 'stop');
    for (const thenStop of thenStops) for (const firstStop of firstStops) builder.order(thenStop, firstStop);
  }
}
