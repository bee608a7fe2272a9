/**
 * Ordering constraints expanded to primitive-level edges: explicit
 * rsc_order (first-action/then-action, Mandatory/Optional/Serialize,
 * symmetrical), group-internal orders, and clone interleaving. A start
 * edge holds a set of "first" primitives, of which at least `minRunning`
 * must run for the "then" primitive to start (a clone's "running" needs
 * one instance, or clone-min).
 */
import type { Primitive, Resource, WorkingSet } from './model.js';
import { cloneOf, primitivesOf } from './unpack-resources.js';
import { parseScoreOr } from '../cib/score.js';

export interface StartEdge {
  firsts: Primitive[];
  minRunning: number;
  then: Primitive;
  /** Interleaved clones: only first instances on the then-instance's node count. */
  sameNode: boolean;
  /** A start of a first restarts the then-primitive where it runs. */
  impliesRestart: boolean;
  /** The first is a clone (its "running" pseudo-action gates the start). */
  fromClone: boolean;
  /** An Optional order: only a first that restarts forces the then-resource to restart. */
  optional?: boolean;
  /** first-action=promote: only promoted firsts count, and only a promotion restarts the then-resource. */
  firstPromote?: boolean;
  /** The first is a group or clone: its "running" pseudo-action makes even optional orders restart the then-resource. */
  firstCollective?: boolean;
}

export interface StopEdge {
  first: Primitive;
  then: Primitive;
  sameNode: boolean;
}

export interface OrderEdges { starts: StartEdge[]; stops: StopEdge[] }

function lastMembers(rsc: Resource): Primitive[] {
  if (rsc.kind === 'group') return rsc.children.slice(-1);
  if (rsc.kind === 'clone') return rsc.instances.flatMap(lastMembers);
  return [rsc];
}

function firstMembers(rsc: Resource): Primitive[] {
  if (rsc.kind === 'group') return rsc.children.slice(0, 1);
  if (rsc.kind === 'clone') return rsc.instances.flatMap(firstMembers);
  return [rsc];
}

/** Builds primitive-level order edges from the working set. */
export function buildOrderEdges(ws: WorkingSet): OrderEdges {
  const edges: OrderEdges = { starts: [], stops: [] };
  const addGroupOrders = (rsc: Resource): void => {
    if (rsc.kind === 'group') {
      for (let i = 1; i < rsc.children.length; i++) {
        const first = rsc.children[i - 1] as Primitive;
        const then = rsc.children[i] as Primitive;
        edges.starts.push({ firsts: [first], minRunning: 1, then, sameNode: false, impliesRestart: true, fromClone: false });
        edges.stops.push({ first, then, sameNode: false });
      }
    }
    if (rsc.kind === 'clone') rsc.instances.forEach(addGroupOrders);
  };
  ws.resources.forEach(addGroupOrders);
  const startLike = (action: string): boolean => action === 'start' || action === 'promote';
  for (const order of ws.orders) {
    if (order.kind === 'Serialize') continue;
    const optional = order.kind === 'Optional';
    // Only start→start orders gate starts here; an order on "promote" only orders the promotion.
    if (!startLike(order.firstAction) || order.thenAction !== 'start') continue;
    const firstClone = order.first.kind === 'clone' ? order.first : undefined;
    const interleave = firstClone !== undefined && order.then.kind === 'clone' && (cloneOf(order.then)?.interleave ?? false);
    const firsts = order.anyOf ? order.anyOf.flatMap(lastMembers) : lastMembers(order.first);
    const minRunning = firstClone && order.requireAll ? Math.max(1, parseScoreOr(firstClone.meta.get('clone-min'), 1)) : 1;
    const sameNode = interleave && order.requireAll;
    for (const then of firstMembers(order.then)) {
      const cloneToClone = firstClone !== undefined && order.then.kind === 'clone';
      // An optional order never blocks a start, but a start of the first still restarts the then-resource.
      // Legacy restart-type=restart: the then-resource restarts whenever the first (re)starts.
      const restartType = (then.meta.get('restart-type') ?? '').toLowerCase() === 'restart';
      edges.starts.push({
        firsts, minRunning: optional ? 0 : sameNode ? 1 : minRunning, then, sameNode, impliesRestart: !cloneToClone || sameNode || restartType,
        fromClone: firstClone !== undefined, optional, firstPromote: order.firstAction === 'promote',
        firstCollective: order.first.kind !== 'primitive' || restartType,
      });
    }
    // A clone instance stopping only forces what follows the clone to stop on that instance's node.
    if (order.symmetrical && !optional) {
      for (const first of primitivesOf(order.first)) {
        for (const then of primitivesOf(order.then)) edges.stops.push({ first, then, sameNode: firstClone !== undefined });
      }
    }
  }
  return edges;
}
