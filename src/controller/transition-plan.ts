/**
 * From the scheduler's graph to the actions the controller runs. The
 * scheduler's graph holds fence/demote/stop/start/promote; the controller
 * adds what Pacemaker's graph also holds and ours does not (yet):
 * - probes: a resource with no history on an online node is probed there
 *   (monitor, interval 0, expecting "not running"), and a transition that
 *   needs probes holds only probes, so nothing starts before every node has
 *   said what it runs (nothing runs twice after a join);
 * - recurring monitors: after a start, and wherever a resource runs without
 *   its recorded monitor (after a DC change, a cleanup).
 * Pure.
 */
import type { ScheduleResult, Primitive } from '../scheduler/index.js';
import type { XmlElement } from '../cib/xml.js';
import type { ResourceRef } from './op-history.js';
import { lrmOps } from './op-history.js';

export type PlannedKind = 'probe' | 'start' | 'stop' | 'monitor' | 'promote' | 'demote' | 'fence';

export interface PlannedAction {
  /** Index in the transition. */
  id: number;
  kind: PlannedKind;
  node: string;
  /** The resource (absent for a fence). */
  rsc?: ResourceRef;
  /** The agent action: monitor for a probe, start, stop ... */
  operation: string;
  intervalMs: number;
  timeoutMs: number;
  params: Record<string, string>;
  /** The rc that counts as success. */
  targetRc: number;
  /** Ids of the actions that must complete first. */
  after: number[];
  /**
   * Nothing to run: a stop on a node this transition fences is implied by
   * the fencing (Pacemaker's pseudo-action), done once the fence is.
   */
  pseudo?: boolean;
}

export interface PlannedTransition {
  id: number;
  actions: PlannedAction[];
}

/** Pacemaker's default operation timeout. */
export const defaultOpTimeoutMs = 20_000;

function resourceRef(rsc: Primitive): ResourceRef {
  return { id: rsc.id, cls: rsc.cls, type: rsc.type, ...(rsc.provider !== undefined ? { provider: rsc.provider } : {}) };
}

function timeoutFor(rsc: Primitive, operation: string, intervalMs: number): number {
  const op = rsc.ops.find((o) => o.name === operation && o.intervalMs === intervalMs) ?? rsc.ops.find((o) => o.name === operation);
  return op?.timeoutMs ?? defaultOpTimeoutMs;
}

/** Nodes where resources may be probed or run: online and clean. */
function usableNodes(result: ScheduleResult): string[] {
  return result.workingSet.nodeOrder.filter((name) => {
    const node = result.workingSet.nodes.get(name);
    return node !== undefined && node.online && !node.unclean;
  });
}

/**
 * The actions of one transition for `cib` as scheduled in `result`. Empty
 * when the cluster is where it should be.
 */
export function planTransition(cib: XmlElement, result: ScheduleResult, transitionId: number): PlannedTransition {
  const ws = result.workingSet;
  const actions: PlannedAction[] = [];
  const add = (action: Omit<PlannedAction, 'id'>): PlannedAction => {
    const planned = { ...action, id: actions.length };
    actions.push(planned);
    return planned;
  };
  const nodes = usableNodes(result);
  for (const rsc of ws.primitives.values()) {
    if (rsc.orphan) continue;
    for (const node of nodes) {
      if (rsc.history.has(node) || lrmOps(cib, node, rsc.id) !== undefined) continue;
      add({ kind: 'probe', node, rsc: resourceRef(rsc), operation: 'monitor', intervalMs: 0, timeoutMs: timeoutFor(rsc, 'monitor', 0), params: Object.fromEntries(rsc.params), targetRc: 7, after: [] });
    }
  }
  if (actions.length > 0) return { id: transitionId, actions };

  const byGraphId = new Map<number, PlannedAction>();
  for (const graphAction of result.graph.actions) {
    if (graphAction.kind === 'fence') {
      byGraphId.set(graphAction.id, add({ kind: 'fence', node: graphAction.node, operation: ws.options.stonithAction === 'off' || ws.options.stonithAction === 'poweroff' ? 'off' : 'reboot', intervalMs: 0, timeoutMs: 60_000, params: {}, targetRc: 0, after: [] }));
      continue;
    }
    const rsc = graphAction.rsc === undefined ? undefined : ws.primitives.get(graphAction.rsc);
    if (rsc === undefined) continue;
    byGraphId.set(graphAction.id, add({
      kind: graphAction.kind, node: graphAction.node, rsc: resourceRef(rsc), operation: graphAction.kind, intervalMs: 0,
      timeoutMs: timeoutFor(rsc, graphAction.kind, 0), params: Object.fromEntries(rsc.params), targetRc: 0, after: [],
    }));
  }
  const fenced = new Set(actions.filter((a) => a.kind === 'fence').map((a) => a.node));
  for (const action of actions) if (action.kind === 'stop' && fenced.has(action.node)) action.pseudo = true;
  for (const [before, after] of result.graph.edges) {
    const first = byGraphId.get(before);
    const then = byGraphId.get(after);
    if (first && then && !then.after.includes(first.id)) then.after.push(first.id);
  }
  addMonitors(cib, result, actions, add);
  return { id: transitionId, actions };
}

function addMonitors(cib: XmlElement, result: ScheduleResult, actions: PlannedAction[], add: (action: Omit<PlannedAction, 'id'>) => PlannedAction): void {
  for (const rsc of result.workingSet.primitives.values()) {
    const node = rsc.assignedTo;
    if (node === null || rsc.nextRole === 'Stopped' || !rsc.managed) continue;
    const mine = actions.filter((a) => a.rsc?.id === rsc.id && a.node === node);
    const start = mine.find((a) => a.kind === 'start' || a.kind === 'promote');
    const stopping = mine.some((a) => a.kind === 'stop') && start === undefined;
    if (stopping || (start === undefined && !rsc.runningOn.includes(node))) continue;
    const recorded = lrmOps(cib, node, rsc.id) ?? [];
    for (const op of rsc.ops) {
      if (op.name !== 'monitor' || op.intervalMs <= 0 || !op.enabled) continue;
      const role = op.role === 'Promoted' ? 'Promoted' : undefined;
      if ((role === 'Promoted') !== (rsc.nextRole === 'Promoted')) continue;
      const targetRc = role === 'Promoted' ? 8 : 0;
      const existing = recorded.find((o) => o.attrs.id === `${rsc.id}_monitor_${op.intervalMs}`);
      // Recorded already: it runs on the node's executor (a failure there is a recovery's business, not a new monitor's).
      if (start === undefined && existing !== undefined) continue;
      const after = mine.filter((a) => a.kind === 'start' || a.kind === 'promote').map((a) => a.id);
      add({ kind: 'monitor', node, rsc: resourceRef(rsc), operation: 'monitor', intervalMs: op.intervalMs, timeoutMs: op.timeoutMs ?? defaultOpTimeoutMs, params: Object.fromEntries(rsc.params), targetRc, after });
    }
  }
}
