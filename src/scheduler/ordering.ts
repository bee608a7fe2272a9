/**
 * Ordering constraints expanded to primitive-level edges: explicit
 * rsc_order (first-action/then-action, Mandatory/Optional/Serialize,
 * symmetrical), group-internal orders, and clone interleaving.
 */
import type { Primitive, Resource, WorkingSet } from './model.js';
import { cloneOf, primitivesOf } from './unpack-resources.js';

export interface OrderEdge {
  first: Primitive;
  then: Primitive;
  /** then cannot start unless first runs (Mandatory start→start). */
  blocksStart: boolean;
  /** A stop of first forces then to stop (symmetrical Mandatory). */
  stopImplies: boolean;
  /** Interleaved clones: only instances on the same node are tied. */
  sameNodeOnly: boolean;
}

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
export function buildOrderEdges(ws: WorkingSet): OrderEdge[] {
  const edges: OrderEdge[] = [];
  const addGroupOrders = (rsc: Resource): void => {
    if (rsc.kind === 'group') {
      for (let i = 1; i < rsc.children.length; i++) {
        edges.push({ first: rsc.children[i - 1] as Primitive, then: rsc.children[i] as Primitive, blocksStart: true, stopImplies: true, sameNodeOnly: false });
      }
    }
    if (rsc.kind === 'clone') rsc.instances.forEach(addGroupOrders);
  };
  ws.resources.forEach(addGroupOrders);
  for (const order of ws.orders) {
    if (order.kind !== 'Mandatory') continue;
    const interleave = order.first.kind === 'clone' && order.then.kind === 'clone' && (cloneOf(order.then)?.interleave ?? false);
    const firstAction = order.firstAction;
    const thenAction = order.thenAction;
    const startLike = (action: string): boolean => action === 'start' || action === 'promote';
    if (startLike(firstAction) && startLike(thenAction)) {
      // stop of any member of first implies stop of all of then; start of then needs first's start
      const firstPrims = primitivesOf(order.first);
      const thenPrims = primitivesOf(order.then);
      for (const first of order.first.kind === 'group' ? lastMembers(order.first) : firstPrims) {
        for (const then of firstMembers(order.then)) {
          if (interleave) continue;
          if (order.first.kind === 'clone') continue;
          edges.push({ first, then, blocksStart: true, stopImplies: false, sameNodeOnly: false });
        }
      }
      if (order.symmetrical) {
        for (const first of firstPrims) {
          for (const then of thenPrims) {
            edges.push({ first, then, blocksStart: false, stopImplies: true, sameNodeOnly: interleave });
          }
        }
      }
    }
  }
  return edges;
}
