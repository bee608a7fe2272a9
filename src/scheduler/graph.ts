/**
 * The transition graph, as Pacemaker's: every action the transition needs
 * (fencing and unfencing, probes, demote, stop, migrate_to/migrate_from,
 * start, reload, promote, recurring monitors and the cancels of those of a
 * role the resource leaves, notifications) and the pseudo-actions that tie
 * groups and clones together (start/running, stop/stopped, promote/promoted,
 * demote/demoted, notification points), with ordering edges and a
 * dependency order (Kahn's algorithm; ties keep creation order within a
 * phase, so the result is stable).
 */
import type { Primitive, WorkingSet } from './model.js';
import type { PrimitivePlan } from './actions.js';
import type { OrderEdges } from './ordering.js';
import { addResourceActions } from './graph-resources.js';
import { addProbes, type ProbeTarget } from './graph-probes.js';
import { addMonitors } from './graph-monitors.js';
import { addNotifications } from './graph-notify.js';

export type GraphActionKind =
  | 'fence' | 'probe' | 'monitor' | 'cancel' | 'demote' | 'stop' | 'start' | 'promote'
  | 'migrate_to' | 'migrate_from' | 'reload' | 'notify' | 'pseudo';

export interface GraphAction {
  id: number;
  kind: GraphActionKind;
  /** Pacemaker's operation key: `rsc_start_0`, `rsc_monitor_10000`, `grp_running_0`, `stonith-node1-reboot`. */
  key: string;
  /** The primitive (or, for a pseudo-action, the group or clone); absent for fencing. */
  rsc?: string;
  /** Where it runs; '' for a cluster-wide pseudo-action. */
  node: string;
  /**
   * What the agent is asked to do: monitor for a probe, start, notify ...; the task of a pseudo-action;
   * `cancel` for stopping a recurring operation (its key, interval and meta.operation name which one).
   */
  operation: string;
  intervalMs: number;
  /** The rc that counts as success: 7 for a probe, 8 for a monitor in the promoted role. */
  targetRc: number;
  /** Nothing to execute: a synchronisation point, or a stop implied by fencing the node. */
  pseudo: boolean;
  /** Agent meta attributes the action carries (CRM_meta_migrate_target, CRM_meta_notify_*). */
  meta?: Record<string, string>;
}

export interface TransitionGraph {
  /** Actions in an order that respects every edge. */
  actions: GraphAction[];
  /** [before, after] pairs of action ids. */
  edges: [number, number][];
}

/** Phase of an action kind, used to keep ties in a natural order. */
const phaseOf: Record<GraphActionKind, number> = {
  fence: 0, probe: 1, cancel: 1, demote: 3, stop: 4, migrate_to: 5, migrate_from: 5, start: 6, reload: 6, promote: 7, monitor: 8, notify: 2, pseudo: 2,
};

/** Collects actions and edges while the graph is built; looks actions up by key and node. */
export class GraphBuilder {
  readonly actions: GraphAction[] = [];
  readonly edges: [number, number][] = [];
  private readonly byKey = new Map<string, GraphAction>();
  private readonly edgeSet = new Set<number>();
  /** Real resource actions per primitive (demote, stop, migrate, start, promote). */
  readonly ofPrimitive = new Map<Primitive, GraphAction[]>();

  constructor(readonly ws: WorkingSet) {}

  add(action: Omit<GraphAction, 'id'>): GraphAction {
    const existing = this.byKey.get(`${action.key}@${action.node}`);
    if (existing) return existing;
    const created: GraphAction = { ...action, id: this.actions.length };
    this.actions.push(created);
    this.byKey.set(`${action.key}@${action.node}`, created);
    return created;
  }

  /** A pseudo-action of a group or clone (cluster-wide). */
  pseudo(rsc: string, task: string): GraphAction {
    return this.add({ kind: 'pseudo', key: `${rsc}_${task}_0`, rsc, node: '', operation: task, intervalMs: 0, targetRc: 0, pseudo: true });
  }

  find(key: string, node: string): GraphAction | undefined {
    return this.byKey.get(`${key}@${node}`);
  }

  order(before: GraphAction | undefined, after: GraphAction | undefined): void {
    if (before === undefined || after === undefined || before.id === after.id) return;
    // Ids stay below 2^26 for any realistic graph, so one number keys the pair.
    const pairKey = before.id * 67_108_864 + after.id;
    if (this.edgeSet.has(pairKey)) return;
    this.edgeSet.add(pairKey);
    this.edges.push([before.id, after.id]);
  }

  primitiveActions(rsc: Primitive): GraphAction[] {
    return this.ofPrimitive.get(rsc) ?? [];
  }

  /** The (non-pseudo or fence-implied) action of `rsc` with this operation, on `node` if given. */
  actionOf(rsc: Primitive, operation: string, node?: string): GraphAction | undefined {
    return this.primitiveActions(rsc).find((a) => a.operation === operation && (node === undefined || a.node === node));
  }
}

/** Builds the graph from the plans, the primitive-level order edges, the probes needed and the nodes to unfence. */
export function buildGraph(ws: WorkingSet, plans: Map<Primitive, PrimitivePlan>, orderEdges: OrderEdges, probes: ProbeTarget[], unfence: string[]): TransitionGraph {
  const builder = new GraphBuilder(ws);
  addResourceActions(builder, plans, orderEdges, unfence);
  addProbes(builder, probes);
  addMonitors(builder);
  addNotifications(builder);
  return { actions: topologicalOrder(builder.actions, builder.edges), edges: builder.edges };
}

function topologicalOrder(actions: GraphAction[], edges: [number, number][]): GraphAction[] {
  const indegree = new Array<number>(actions.length).fill(0);
  const successors: number[][] = actions.map(() => []);
  for (const [before, after] of edges) {
    indegree[after] = (indegree[after] ?? 0) + 1;
    successors[before]?.push(after);
  }
  // A binary heap keyed by (phase, id) keeps this n log n.
  const heap: number[] = [];
  const rank = actions.map((a) => phaseOf[a.kind]);
  const less = (a: number, b: number): boolean => {
    const ka = rank[a] as number;
    const kb = rank[b] as number;
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
