/**
 * From placement to actions: compares where each primitive runs now (and in
 * which role) with where it was placed, and derives the start, stop, move,
 * restart, recover, reload, promote and demote decisions. Mandatory
 * orderings then propagate: a start that cannot run blocks the starts
 * ordered after it, and a stop forces the resources ordered after it to
 * stop first (so they restart).
 */
import type { Primitive, Resource, Role, WorkingSet } from './model.js';
import { cloneOf, primitivesOf, topOf } from './unpack-resources.js';
import { INFINITY } from '../cib/score.js';
import { isTrue } from '../cib/values.js';
import { buildOrderEdges, type OrderEdges, type StopEdge } from './ordering.js';

export type Verb = 'start' | 'stop' | 'restart' | 'recover' | 'reload' | 'migrate' | 'move' | 'promote' | 'demote' | 're-promote';

export interface SummaryAction {
  verb: Verb;
  rsc: string;
  /** Node, or source and target for move and migrate. */
  node: string;
  target?: string;
  roles?: string;
  blocked: boolean;
}

/** Per-primitive decision before printing. */
export interface PrimitivePlan {
  rsc: Primitive;
  stopOn: string[];
  startOn: string | null;
  startBlocked: boolean;
  /** Stop and start on the same node. */
  restart: boolean;
  /** A stop that cannot run: something ordered after it is blocked there. */
  stopBlocked: boolean;
  /** The start is blocked because a clone ordered before it cannot run. */
  blockedByClone?: boolean;
}

function isPromotable(rsc: Primitive): boolean {
  return cloneOf(rsc)?.promotable ?? false;
}

function planFor(ws: WorkingSet, rsc: Primitive): PrimitivePlan {
  const plan: PrimitivePlan = { rsc, stopOn: [], startOn: null, startBlocked: false, restart: false, stopBlocked: false };
  if (!rsc.managed) return plan;
  const next = rsc.assignedTo;
  for (const node of rsc.runningOn) {
    if (node !== next) plan.stopOn.push(node);
  }
  if (next !== null) {
    const history = rsc.history.get(next);
    const runningHere = rsc.runningOn.includes(next);
    if (!runningHere) plan.startOn = next;
    else if (rsc.failed || rsc.runningOn.length > 1 || (history?.digestChanged === true && !history.reloadOnly) || rsc.restart) {
      plan.stopOn.push(next);
      plan.startOn = next;
      plan.restart = true;
    }
  }
  if (plan.startOn !== null && rsc.startBlocked) plan.startBlocked = true;
  // A stop on an unclean node that will not be fenced cannot run (and nothing can replace it).
  if (plan.stopOn.some((node) => stopBlocked(ws, node))) plan.stopBlocked = true;
  return plan;
}

/** Computes the per-primitive plans, with order propagation applied; resources in `unprobed` cannot start. */
export function planActions(ws: WorkingSet, unprobed: Set<Resource> = new Set()): { plans: Map<Primitive, PrimitivePlan>; edges: OrderEdges } {
  const plans = new Map<Primitive, PrimitivePlan>();
  for (const rsc of ws.primitives.values()) {
    const plan = planFor(ws, rsc);
    // A probe that cannot run (pending node) keeps its resource from starting anywhere.
    if (plan.startOn !== null && unprobed.size > 0 && unprobed.has(topOf(rsc))) plan.startBlocked = true;
    plans.set(rsc, plan);
  }
  const edges = buildOrderEdges(ws);
  propagate(ws, plans, edges);
  return { plans, edges };
}

function willRun(plans: Map<Primitive, PrimitivePlan>, rsc: Primitive): boolean {
  const plan = plans.get(rsc);
  // An unmanaged resource has no runnable start: it counts only where it runs healthy.
  if (!rsc.managed) return rsc.runningOn.length > 0 && !rsc.failed;
  return rsc.assignedTo !== null && plan !== undefined && !plan.startBlocked;
}

function propagate(ws: WorkingSet, plans: Map<Primitive, PrimitivePlan>, edges: OrderEdges): void {
  let changed = true;
  // Every rule only adds blocks, stops or restarts, so this terminates; rounds ≈ the longest chain built against edge order.
  while (changed) {
    changed = false;
    for (const edge of edges.starts) {
      const thenPlan = plans.get(edge.then);
      if (!thenPlan || !thenPlan.rsc.managed || thenPlan.startBlocked || thenPlan.rsc.assignedTo === null) continue;
      const target = thenPlan.rsc.assignedTo;
      const firsts = edge.sameNode ? edge.firsts.filter((f) => f.assignedTo === target) : edge.firsts;
      let running = 0;
      for (const first of firsts) if (willRun(plans, first) && (!edge.firstPromote || first.nextRole === 'Promoted')) running++;
      if (running >= edge.minRunning) {
        // A start of the first forces the running then-resource to restart after it.
        const starting = firsts.some((f) => {
          const plan = plans.get(f);
          if (edge.firstPromote) {
            return plan !== undefined && f.nextRole === 'Promoted' && !plan.startBlocked
              && (edge.optional ? plan.restart : f.role !== 'Promoted' || plan.stopOn.length > 0);
          }
          // Optional orders: only a group's or clone's start (its "running") forces the restart.
          return plan !== undefined && plan.startOn !== null && !plan.startBlocked && f.managed && (!edge.optional || edge.firstCollective === true);
        });
        if (starting && edge.impliesRestart && thenPlan.rsc.runningOn.includes(target) && !thenPlan.stopOn.includes(target)) {
          thenPlan.stopOn.push(target);
          thenPlan.startOn = target;
          thenPlan.restart = true;
          changed = true;
        }
        continue;
      }
      // A start that cannot happen blocks the start ordered after it; where it runs, it stops.
      thenPlan.startBlocked = true;
      if (edge.fromClone) thenPlan.blockedByClone = true;
      for (const node of thenPlan.rsc.runningOn) if (!thenPlan.stopOn.includes(node)) thenPlan.stopOn.push(node);
      thenPlan.restart = false;
      changed = true;
    }
    // What must run with a resource that cannot start cannot start either (Pacemaker blocks colocation dependents).
    for (const constraint of ws.colocations) {
      if (constraint.score < INFINITY || constraint.primary.kind === 'clone' || constraint.primaryRole || constraint.dependentRole) continue;
      const primary = constraint.primary.kind === 'group' ? constraint.primary.children[0] : constraint.primary;
      const primaryPlan = primary ? plans.get(primary) : undefined;
      if (!primaryPlan || !primaryPlan.startBlocked) continue;
      for (const dependent of primitivesOf(constraint.dependent)) {
        const plan = plans.get(dependent);
        if (!plan || plan.startBlocked || !dependent.managed || dependent.assignedTo === null) continue;
        plan.startBlocked = true;
        for (const node of dependent.runningOn) if (!plan.stopOn.includes(node)) plan.stopOn.push(node);
        plan.restart = false;
        changed = true;
      }
    }
    for (const edge of edges.stops) {
      const firstPlan = plans.get(edge.first);
      const thenPlan = plans.get(edge.then);
      if (!firstPlan || !thenPlan || !thenPlan.rsc.managed || firstPlan.stopOn.length === 0) continue;
      // A stop of the first forces the then-resource to stop first (restarting it where it stays).
      for (const node of thenPlan.rsc.runningOn) {
        if (thenPlan.stopOn.includes(node)) continue;
        if (edge.sameNode && !firstPlan.stopOn.includes(node)) continue;
        thenPlan.stopOn.push(node);
        if (thenPlan.rsc.assignedTo === node && !thenPlan.startBlocked) { thenPlan.startOn = node; thenPlan.restart = true; }
        changed = true;
      }
    }
  }
  // A stop waits for the stops ordered after it; one that cannot happen blocks it.
  // A worklist walks the edges backwards once, so long chains stay linear.
  const edgesByThen = new Map<Primitive, StopEdge[]>();
  for (const edge of edges.stops) {
    const list = edgesByThen.get(edge.then);
    if (list) list.push(edge);
    else edgesByThen.set(edge.then, [edge]);
  }
  const queue: Primitive[] = [];
  for (const plan of plans.values()) if (!plan.rsc.managed || plan.stopBlocked) queue.push(plan.rsc);
  while (queue.length > 0) {
    const then = queue.pop() as Primitive;
    const thenPlan = plans.get(then);
    if (!thenPlan) continue;
    for (const edge of edgesByThen.get(then) ?? []) {
      const firstPlan = plans.get(edge.first);
      if (!firstPlan || firstPlan.stopBlocked || firstPlan.stopOn.length === 0) continue;
      if (firstPlan.stopOn.some((node) => then.runningOn.includes(node))) {
        firstPlan.stopBlocked = true;
        queue.push(edge.first);
      }
    }
  }
  void ws;
}

function rolesFor(rsc: Primitive, from: Role, to: Role | undefined): string | undefined {
  if (!isPromotable(rsc)) return undefined;
  const show = (role: Role): string => (role === 'Started' ? 'Unpromoted' : role);
  if (to === undefined || show(from) === show(to)) return show(from);
  return `${show(from)}->${show(to)}`;
}

/** Live migration instead of stop+start: allow-migrate, a plain primitive, both ends usable. */
export function canMigrate(ws: WorkingSet, rsc: Primitive, current: string, plan: PrimitivePlan): boolean {
  if (!isTrue(rsc.meta.get('allow-migrate'))) return false;
  if (cloneOf(rsc) !== undefined || rsc.failed || plan.startBlocked) return false;
  const source = ws.nodes.get(current);
  if (!source || !source.online || source.unclean || ws.fencing.has(current)) return false;
  return rsc.role === 'Started';
}

function stopBlocked(ws: WorkingSet, node: string): boolean {
  const clusterNode = ws.nodes.get(node);
  if (!clusterNode) return false;
  return clusterNode.unclean && !ws.fencing.has(node);
}

/** Turns the plans into crm_simulate's transition summary entries. */
export function summarize(ws: WorkingSet, plans: Map<Primitive, PrimitivePlan>): SummaryAction[] {
  const out: SummaryAction[] = [];
  for (const plan of plans.values()) {
    const rsc = plan.rsc;
    if (!rsc.managed) continue;
    const next = plan.startBlocked ? null : rsc.assignedTo;
    const nextRole: Role = next === null ? 'Stopped' : rsc.nextRole;
    const current = rsc.runningOn[0];
    const promotable = isPromotable(rsc);
    if (plan.stopBlocked && current !== undefined) {
      for (const node of plan.stopOn) {
        const action: SummaryAction = { verb: 'stop', rsc: rsc.id, node, blocked: true };
        const roles = rolesFor(rsc, rsc.history.get(node)?.role ?? rsc.role, undefined);
        if (roles) action.roles = roles;
        out.push(action);
      }
      continue;
    }
    if (current === undefined) {
      if (plan.startOn === null) continue;
      // Pacemaker does not list clone instances whose start waits on a clone that cannot run.
      if (plan.startBlocked && plan.blockedByClone === true && cloneOf(rsc) !== undefined && !rsc.startBlocked) continue;
      if (promotable && rsc.nextRole === 'Promoted') {
        out.push({ verb: 'promote', rsc: rsc.id, node: plan.startOn, roles: 'Stopped->Promoted', blocked: plan.startBlocked });
      } else {
        out.push({ verb: 'start', rsc: rsc.id, node: plan.startOn, blocked: plan.startBlocked });
      }
      continue;
    }
    if (next === null) {
      for (const node of rsc.runningOn) {
        if (!plan.stopOn.includes(node) && !plan.startBlocked) continue;
        const action: SummaryAction = { verb: 'stop', rsc: rsc.id, node, blocked: stopBlocked(ws, node) };
        const roles = rolesFor(rsc, rsc.history.get(node)?.role ?? rsc.role, undefined);
        if (roles) action.roles = roles;
        out.push(action);
      }
      continue;
    }
    if (rsc.runningOn.length > 1) {
      // Multiple active: Pacemaker stops it everywhere and prints one restart (or move) where it goes.
      const stays = rsc.runningOn.includes(next);
      out.push(stays ? { verb: rsc.failed ? 'recover' : 'restart', rsc: rsc.id, node: next, blocked: false }
        : { verb: 'move', rsc: rsc.id, node: current, target: next, blocked: false });
      continue;
    }
    if (current !== next) {
      // A failure on a node fenced for another reason is moot: the fencing stops it cleanly.
      const fenceReason = ws.fencing.get(current);
      const failed = rsc.failed && (fenceReason === undefined || fenceReason === `${rsc.id} failed there`);
      const verb: Verb = failed ? 'recover' : canMigrate(ws, rsc, current, plan) ? 'migrate' : 'move';
      const action: SummaryAction = { verb, rsc: rsc.id, node: current, target: next, blocked: false };
      const roles = rolesFor(rsc, rsc.role, nextRole);
      if (roles) action.roles = roles;
      if (failed) delete action.roles;
      out.push(action);
      continue;
    }
    const roleChange = rsc.role !== nextRole && !(rsc.role === 'Started' && nextRole === 'Unpromoted') && !(rsc.role === 'Unpromoted' && nextRole === 'Started');
    if (plan.restart) {
      const verb: Verb = rsc.failed ? 'recover' : 'restart';
      const action: SummaryAction = { verb, rsc: rsc.id, node: next, blocked: plan.startBlocked };
      if (roleChange) action.roles = rolesFor(rsc, rsc.role, nextRole) as string;
      else if (promotable) action.roles = rolesFor(rsc, rsc.role, undefined) as string;
      out.push(action);
      continue;
    }
    const history = rsc.history.get(next);
    if (history?.reloadOnly) out.push({ verb: 'reload', rsc: rsc.id, node: next, blocked: false });
    if (roleChange) {
      const promote = nextRole === 'Promoted';
      out.push({ verb: promote ? 'promote' : 'demote', rsc: rsc.id, node: next, roles: rolesFor(rsc, rsc.role, nextRole) as string, blocked: false });
    }
  }
  return out;
}
