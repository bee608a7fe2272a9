/**
 * From the scheduler's transition graph to the actions the controller runs.
 * The graph is the one source of truth: probes, stops, starts, migrations,
 * promotions, recurring monitors and their cancels at a role change,
 * notifications, fencing and the
 * pseudo-actions that tie groups and clones together all come from it; this
 * only adds what running an action needs (the agent, its parameters and
 * timeout, the rc that counts as success). Pure.
 */
import type { ScheduleResult, Primitive, GraphAction } from '../scheduler/index.js';
import type { ResourceRef } from './op-history.js';

export type PlannedKind = GraphAction['kind'];

export interface PlannedAction {
  /** Index in the transition. */
  id: number;
  kind: PlannedKind;
  node: string;
  /** The resource (absent for a fence and a pseudo-action). */
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
   * Nothing to run: a synchronisation point of a group or clone, or a stop
   * on a node this transition fences (implied by the fencing).
   */
  pseudo?: boolean;
  /** Pacemaker's operation key (`rsc_start_0`, `grp_running_0`), for logs. */
  key: string;
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

/** The agent parameters of an action: the resource's, plus the meta attributes the graph gives it (CRM_meta_*). */
function paramsFor(rsc: Primitive, action: GraphAction): Record<string, string> {
  const params = Object.fromEntries(rsc.params);
  for (const [name, value] of Object.entries(action.meta ?? {})) params[`CRM_meta_${name}`] = value;
  return params;
}

/**
 * The actions of one transition as scheduled in `result`, in the graph's
 * dependency order. Empty when the cluster is where it should be.
 */
export function planTransition(result: ScheduleResult, transitionId: number): PlannedTransition {
  const ws = result.workingSet;
  const actions: PlannedAction[] = [];
  const byGraphId = new Map<number, PlannedAction>();
  for (const graphAction of result.graph.actions) {
    const base = { id: actions.length, kind: graphAction.kind, node: graphAction.node, key: graphAction.key, intervalMs: graphAction.intervalMs, targetRc: graphAction.targetRc, after: [] };
    let planned: PlannedAction;
    const rsc = graphAction.rsc === undefined ? undefined : ws.primitives.get(graphAction.rsc);
    if (graphAction.kind === 'fence') {
      planned = { ...base, operation: graphAction.operation, timeoutMs: 60_000, params: {} };
    } else if (graphAction.kind === 'pseudo' || rsc === undefined) {
      planned = { ...base, operation: graphAction.operation, timeoutMs: 0, params: {}, pseudo: true };
    } else {
      planned = {
        ...base, rsc: resourceRef(rsc), operation: graphAction.operation, timeoutMs: timeoutFor(rsc, graphAction.operation, graphAction.intervalMs),
        params: paramsFor(rsc, graphAction), ...(graphAction.pseudo ? { pseudo: true } : {}),
      };
    }
    actions.push(planned);
    byGraphId.set(graphAction.id, planned);
  }
  for (const [before, after] of result.graph.edges) {
    const first = byGraphId.get(before);
    const then = byGraphId.get(after);
    if (first && then && !then.after.includes(first.id)) then.after.push(first.id);
  }
  return { id: transitionId, actions };
}
