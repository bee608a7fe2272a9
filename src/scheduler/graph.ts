/**
 * The transition graph: the resource actions (fence, demote, stop, start,
 * promote) the plans need, with ordering edges, and a dependency order
 * (Kahn's algorithm; ties keep resource order, so the result is stable).
 */
import type { Primitive, WorkingSet } from './model.js';
import type { PrimitivePlan } from './actions.js';
import type { OrderEdges } from './ordering.js';

export interface GraphAction {
  id: number;
  kind: 'fence' | 'demote' | 'stop' | 'start' | 'promote';
  rsc?: string;
  node: string;
}

export interface TransitionGraph {
  /** Actions in an order that respects every edge. */
  actions: GraphAction[];
  /** [before, after] pairs of action ids. */
  edges: [number, number][];
}

/** Builds the graph from the plans and the primitive-level order edges. */
export function buildGraph(ws: WorkingSet, plans: Map<Primitive, PrimitivePlan>, orderEdges: OrderEdges): TransitionGraph {
  const actions: GraphAction[] = [];
  const edges: [number, number][] = [];
  const add = (kind: GraphAction['kind'], node: string, rsc?: string): GraphAction => {
    const action: GraphAction = { id: actions.length, kind, node };
    if (rsc !== undefined) action.rsc = rsc;
    actions.push(action);
    return action;
  };
  const fences = [...ws.fencing.keys()].map((node) => add('fence', node));
  const stops = new Map<Primitive, GraphAction[]>();
  const starts = new Map<Primitive, GraphAction>();
  for (const plan of plans.values()) {
    const rsc = plan.rsc;
    if (!rsc.managed) continue;
    const demoteNode = rsc.role === 'Promoted' && rsc.runningOn[0] !== undefined && (rsc.nextRole !== 'Promoted' || plan.stopOn.length > 0) ? rsc.runningOn[0] : undefined;
    const demote = demoteNode !== undefined ? add('demote', demoteNode, rsc.id) : undefined;
    const stopActions = plan.stopBlocked ? [] : plan.stopOn.map((node) => add('stop', node, rsc.id));
    if (demote) for (const stop of stopActions) edges.push([demote.id, stop.id]);
    for (const stop of stopActions) {
      if (ws.fencing.has(stop.node)) for (const fence of fences) if (fence.node === stop.node) edges.push([fence.id, stop.id]);
    }
    stops.set(rsc, stopActions);
    if (plan.startOn !== null && !plan.startBlocked) {
      const start = add('start', plan.startOn, rsc.id);
      for (const stop of stopActions) edges.push([stop.id, start.id]);
      for (const fence of fences) edges.push([fence.id, start.id]);
      starts.set(rsc, start);
      if (rsc.nextRole === 'Promoted') edges.push([start.id, add('promote', plan.startOn, rsc.id).id]);
    } else if (rsc.assignedTo !== null && rsc.role !== 'Promoted' && rsc.nextRole === 'Promoted' && !plan.startBlocked) {
      add('promote', rsc.assignedTo, rsc.id);
    }
  }
  for (const edge of orderEdges.starts) {
    const then = starts.get(edge.then);
    if (!then) continue;
    for (const first of edge.firsts) {
      const start = starts.get(first);
      if (start) edges.push([start.id, then.id]);
    }
  }
  for (const edge of orderEdges.stops) {
    for (const thenStop of stops.get(edge.then) ?? []) {
      for (const firstStop of stops.get(edge.first) ?? []) edges.push([thenStop.id, firstStop.id]);
    }
  }
  return { actions: topologicalOrder(actions, edges), edges };
}

function topologicalOrder(actions: GraphAction[], edges: [number, number][]): GraphAction[] {
  const indegree = new Array<number>(actions.length).fill(0);
  const successors: number[][] = actions.map(() => []);
  for (const [before, after] of edges) {
    indegree[after] = (indegree[after] ?? 0) + 1;
    successors[before]?.push(after);
  }
  const kindRank: Record<GraphAction['kind'], number> = { fence: 0, demote: 1, stop: 2, start: 3, promote: 4 };
  // A binary heap keyed by (kind, id) keeps this n log n.
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => {
    const ka = kindRank[(actions[a] as GraphAction).kind];
    const kb = kindRank[(actions[b] as GraphAction).kind];
    return ka !== kb ? ka < kb : a < b;
  };
  const push = (value: number): void => {
    heap.push(value);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i] as number, heap[parent] as number)) break;
      [heap[i], heap[parent]] = [heap[parent] as number, heap[i] as number];
      i = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && less(heap[left] as number, heap[smallest] as number)) smallest = left;
        if (right < heap.length && less(heap[right] as number, heap[smallest] as number)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as number, heap[i] as number];
        i = smallest;
      }
    }
    return top;
  };
  actions.forEach((_, id) => { if (indegree[id] === 0) push(id); });
  const ordered: GraphAction[] = [];
  while (heap.length > 0) {
    const id = pop();
    ordered.push(actions[id] as GraphAction);
    for (const next of successors[id] ?? []) {
      indegree[next] = (indegree[next] ?? 0) - 1;
      if (indegree[next] === 0) push(next);
    }
  }
  // A cycle (conflicting constraints) leaves actions out; append them so nothing is lost.
  if (ordered.length < actions.length) {
    const seen = new Set(ordered.map((a) => a.id));
    for (const action of actions) if (!seen.has(action.id)) ordered.push(action);
  }
  return ordered;
}
