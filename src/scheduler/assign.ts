/**
 * Placement: assigns every resource to a node (or none), in priority order,
 * placing the primaries a resource is colocated with first and letting the
 * resources colocated with it weigh in, as Pacemaker's assign methods do.
 * Groups place as a unit (members follow the first while they can); clones
 * distribute instances (see clone-assign.ts).
 */
import type { Clone, ClusterNode, ColocationConstraint, Group, Primitive, Resource, WorkingSet } from './model.js';
import { applyColocation, addScaledScores, canRunAny } from './colocation.js';
import { INFINITY, addScores } from '../cib/score.js';
import { nodeCanRunResources } from './unpack-nodes.js';
import { assignClone } from './clone-assign.js';
import { fitsCapacity, consumeCapacity } from './utilization.js';
import { primitivesOf } from './unpack-resources.js';

export interface AssignContext {
  ws: WorkingSet;
  placed: Set<Resource>;
  assigning: Set<Resource>;
  /** Colocations indexed by dependent and by primary. */
  byDependent: Map<Resource, ColocationConstraint[]>;
  byPrimary: Map<Resource, ColocationConstraint[]>;
}

export function createAssignContext(ws: WorkingSet): AssignContext {
  const byDependent = new Map<Resource, ColocationConstraint[]>();
  const byPrimary = new Map<Resource, ColocationConstraint[]>();
  for (const constraint of ws.colocations) {
    const dependent = constraint.dependent;
    const primary = constraint.primary;
    if (!byDependent.has(dependent)) byDependent.set(dependent, []);
    byDependent.get(dependent)?.push(constraint);
    if (!byPrimary.has(primary)) byPrimary.set(primary, []);
    byPrimary.get(primary)?.push(constraint);
  }
  return { ws, placed: new Set(), assigning: new Set(), byDependent, byPrimary };
}

/** A node that may host resources now. */
export function eligible(ws: WorkingSet, node: string): boolean {
  const clusterNode = ws.nodes.get(node);
  return clusterNode !== undefined && nodeCanRunResources(clusterNode);
}

function addUtilization(total: Map<string, number>, rsc: Resource): void {
  for (const p of primitivesOf(rsc)) for (const [key, value] of p.utilization) total.set(key, (total.get(key) ?? 0) + value);
}

function resourceUtilization(rsc: Resource): Map<string, number> {
  const total = new Map<string, number>();
  addUtilization(total, rsc);
  return total;
}

/**
 * The resources that must run with `rsc` (mandatory colocations either way,
 * transitively), as Pacemaker's colocated_resources: a clone does not pull
 * in non-clone dependents (where they go is not known).
 */
function colocatedSet(ctx: AssignContext, rsc: Resource): Set<Resource> {
  const seen = new Set<Resource>();
  const visit = (current: Resource): void => {
    if (seen.has(current)) return;
    seen.add(current);
    // A clone instance also carries its clone's colocations.
    const owners = current.parent?.kind === 'clone' ? [current, current.parent] : [current];
    for (const owner of owners) {
      for (const constraint of ctx.byDependent.get(owner) ?? []) {
        if (constraint.score >= INFINITY && constraint.primary !== rsc) visit(constraint.primary);
      }
      for (const constraint of ctx.byPrimary.get(owner) ?? []) {
        if (constraint.dependent === rsc || constraint.score < INFINITY) continue;
        if (owner.kind === 'clone' && constraint.dependent.kind !== 'clone') continue;
        visit(constraint.dependent);
      }
    }
  };
  visit(rsc);
  return seen;
}

/** What the not yet placed members of `set` need together (a clone counts one instance). */
function unplacedUtilization(ctx: AssignContext, set: Set<Resource>): Map<string, number> {
  const total = new Map<string, number>();
  const add = (rsc: Resource): void => {
    if (ctx.placed.has(rsc)) return;
    if (rsc.kind === 'clone') {
      const first = rsc.instances[0];
      if (first && !rsc.instances.some((i) => set.has(i))) add(first);
      return;
    }
    for (const p of primitivesOf(rsc)) {
      if (p.assignedTo !== null || ctx.placed.has(p)) continue;
      for (const [key, value] of p.utilization) total.set(key, (total.get(key) ?? 0) + value);
    }
  };
  for (const rsc of set) add(rsc);
  return total;
}

/** Nodes sorted best first: score, capacity (balanced), fewest assigned, current node, name. */
export function sortNodes(ws: WorkingSet, table: Map<string, number>, preferred: string | undefined): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const name of table.keys()) {
    const node = ws.nodes.get(name);
    if (node) nodes.push(node);
  }
  const scoreOf = (node: ClusterNode): number => (nodeCanRunResources(node) ? (table.get(node.uname) ?? -INFINITY) : -INFINITY);
  const strategy = ws.options.placementStrategy;
  nodes.sort((a, b) => {
    const delta = scoreOf(b) - scoreOf(a);
    if (delta !== 0) return delta;
    if (strategy !== 'minimal') {
      if (strategy === 'balanced') {
        const capacity = compareCapacity(a, b);
        if (capacity !== 0) return capacity;
      }
      if (a.assignedCount !== b.assignedCount) return a.assignedCount - b.assignedCount;
      if (preferred !== undefined) {
        if (a.uname === preferred) return -1;
        if (b.uname === preferred) return 1;
      }
    }
    return a.uname < b.uname ? -1 : a.uname > b.uname ? 1 : 0;
  });
  return nodes;
}

function compareCapacity(a: ClusterNode, b: ClusterNode): number {
  let result = 0;
  for (const [key, capacity] of a.utilization) {
    const freeA = capacity - (a.used.get(key) ?? 0);
    const freeB = (b.utilization.get(key) ?? 0) - (b.used.get(key) ?? 0);
    if (freeA > freeB) result--;
    else if (freeA < freeB) result++;
  }
  for (const [key, capacity] of b.utilization) {
    if (a.utilization.has(key)) continue;
    if (capacity - (b.used.get(key) ?? 0) > 0) result++;
  }
  return result;
}

/** Picks the best node from a score table, or undefined when none may run it. */
export function chooseNode(ctx: AssignContext, rsc: Resource, table: Map<string, number>, current: string | undefined): string | undefined {
  const { ws } = ctx;
  const filtered = new Map<string, number>();
  let prefer: string | undefined;
  if (ws.options.placementStrategy === 'default') {
    for (const [node, score] of table) if (ws.nodes.has(node)) filtered.set(node, score);
  } else {
    // Pacemaker's process_utilization: keep only nodes with room for everything that must run together;
    // when none has, prefer the node with the most room and require room for this resource alone.
    const together = unplacedUtilization(ctx, colocatedSet(ctx, rsc));
    let anyCapable = false;
    let mostCapable: ClusterNode | undefined;
    for (const [node, score] of table) {
      const clusterNode = ws.nodes.get(node);
      if (!clusterNode || !nodeCanRunResources(clusterNode) || score < 0) continue;
      if (fitsCapacity(clusterNode, together)) anyCapable = true;
      if (mostCapable === undefined || compareCapacity(clusterNode, mostCapable) < 0) mostCapable = clusterNode;
    }
    const needs = anyCapable ? together : resourceUtilization(rsc);
    if (!anyCapable) prefer = mostCapable?.uname;
    for (const [node, score] of table) {
      const clusterNode = ws.nodes.get(node);
      if (!clusterNode) continue;
      if (score >= 0 && nodeCanRunResources(clusterNode) && !fitsCapacity(clusterNode, needs)) continue;
      filtered.set(node, score);
    }
  }
  const sorted = sortNodes(ws, filtered, current);
  const best = sorted[0];
  if (!best || !nodeCanRunResources(best) || (filtered.get(best.uname) ?? -INFINITY) < 0) return undefined;
  // The most capable node, when nothing fits everything, wins unless another scores higher.
  if (prefer !== undefined && filtered.has(prefer) && (filtered.get(prefer) ?? -INFINITY) >= (filtered.get(best.uname) ?? -INFINITY)) return prefer;
  const uniqueInstance = rsc.parent?.kind === 'clone' && rsc.parent.uniqueInstances;
  if (current !== undefined && current !== best.uname && !uniqueInstance) {
    const currentScore = filtered.get(current);
    const currentNode = ws.nodes.get(current);
    if (currentScore !== undefined && currentNode && nodeCanRunResources(currentNode) && currentScore === filtered.get(best.uname) && currentScore > 0) {
      return current;
    }
  }
  return best.uname;
}

/** Records the assignment of a primitive (or nothing). */
export function assignPrimitiveTo(ws: WorkingSet, rsc: Primitive, node: string | undefined): void {
  rsc.assignedTo = node ?? null;
  rsc.nextRole = node === undefined ? 'Stopped' : rsc.nextRole === 'Stopped' ? 'Started' : rsc.nextRole;
  if (node !== undefined) {
    const clusterNode = ws.nodes.get(node);
    if (clusterNode) {
      clusterNode.assignedCount++;
      consumeCapacity(clusterNode, rsc.utilization);
    }
  }
}

/** Places the primaries this resource is colocated with, then applies those colocations to `table`. */
function applyPrimaries(ctx: AssignContext, rsc: Resource, table: Map<string, number>): void {
  for (const constraint of ctx.byDependent.get(rsc) ?? []) {
    assign(ctx, constraint.primary);
    // A colocation of the dependent's promoted role only weighs in when choosing what to promote.
    if ((constraint.dependentRole === 'Promoted' || constraint.dependentRole === 'Unpromoted') && constraint.score > -INFINITY) continue;
    if (!ctx.placed.has(constraint.primary)) continue;
    applyColocation(ctx.ws, constraint, table);
  }
}

function bestInstanceScores(clone: Clone): Map<string, number> {
  const best = new Map<string, number>();
  for (const instance of clone.instances) {
    const first = instance.kind === 'group' ? instance.children[0] : instance;
    if (!first) continue;
    for (const [node, score] of first.allowed) best.set(node, Math.max(best.get(node) ?? -INFINITY, score));
  }
  return best;
}

/** The node scores of a resource with its dependents' preferences merged in. */
function mergedScores(ctx: AssignContext, rsc: Resource, base: Map<string, number>, factor: number, visited: Set<Resource>, onlyPositive: boolean): Map<string, number> {
  visited.add(rsc);
  const constraints = ctx.byPrimary.get(rsc);
  // Nothing to merge: hand back the table itself (callers only read it), saving a copy per resource.
  if (constraints === undefined || constraints.length === 0) return base;
  const work = new Map(base);
  for (const constraint of constraints) {
    const dependent = constraint.dependent;
    if (visited.has(dependent) || ctx.placed.has(dependent)) continue;
    if (!constraint.influence && primitivesOf(dependent).some((p) => p.runningOn.length > 0)) continue;
    if (constraint.dependentRole === 'Promoted' || constraint.primaryRole === 'Promoted') continue;
    const dependentFactor = (factor * constraint.score) / INFINITY;
    const dependentBase = ownScores(dependent);
    if (!dependentBase) continue;
    const dependentMerged = mergedScores(ctx, dependent, dependentBase, 1, new Set(visited), true);
    const attempt = new Map(work);
    addScaledScores(ctx.ws, attempt, dependentMerged, constraint.nodeAttribute, dependentFactor, onlyPositive);
    if (canRunAny(attempt, (node) => eligible(ctx.ws, node))) {
      for (const [node, score] of attempt) work.set(node, score);
    }
  }
  return work;
}

function ownScores(rsc: Resource): Map<string, number> | undefined {
  if (rsc.kind === 'primitive') return rsc.allowed;
  if (rsc.kind === 'group') return groupScores(rsc);
  return rsc.allowed;
}

/** A group's scores: its first member's, with each later member's merged while some node still runs it all. */
export function groupScores(group: Group): Map<string, number> {
  const first = group.children[0];
  if (!first) return new Map();
  return mergeLaterMembers(group, new Map(first.allowed));
}

/** Merges the later members' scores into `work`, each only while some node can still run the group. */
function mergeLaterMembers(group: Group, work: Map<string, number>): Map<string, number> {
  for (const member of group.children.slice(1)) {
    const attempt = new Map(work);
    for (const [node, score] of attempt) {
      const memberScore = member.allowed.get(node);
      if (memberScore === undefined) continue;
      attempt.set(node, memberScore <= -INFINITY || score <= -INFINITY ? -INFINITY : Math.max(-INFINITY, Math.min(INFINITY, score + memberScore)));
    }
    if (![...attempt.values()].some((score) => score >= 0)) break;
    for (const [node, score] of attempt) work.set(node, score);
  }
  return work;
}

function currentNodeOf(rsc: Resource): string | undefined {
  const prims = rsc.kind === 'group' ? rsc.children : primitivesOf(rsc);
  for (const p of prims) if (p.runningOn.length > 0) return p.runningOn[0];
  return undefined;
}

function assignPrimitive(ctx: AssignContext, rsc: Primitive): void {
  const { ws } = ctx;
  if (!rsc.managed) {
    const current = rsc.runningOn.length === 1 ? rsc.runningOn[0] : undefined;
    rsc.nextRole = rsc.role;
    assignPrimitiveTo(ws, rsc, current);
    if (current !== undefined) rsc.nextRole = rsc.role;
    return;
  }
  const table = new Map(rsc.allowed);
  applyPrimaries(ctx, rsc, table);
  const merged = mergedScores(ctx, rsc, table, 1, new Set(), false);
  const node = chooseNode(ctx, rsc, merged, rsc.runningOn[0]);
  assignPrimitiveTo(ws, rsc, node);
}

function assignGroup(ctx: AssignContext, group: Group): void {
  const { ws } = ctx;
  const first = group.children[0];
  if (!first) return;
  if (group.children.every((m) => !m.managed)) {
    for (const member of group.children) assignPrimitive(ctx, member);
    return;
  }
  // As Pacemaker: the group's own colocations first, then its later members' wishes (rolled back if fatal).
  const table = new Map(first.allowed);
  applyPrimaries(ctx, group, table);
  for (const member of group.children) {
    for (const constraint of ctx.byDependent.get(member) ?? []) {
      assign(ctx, constraint.primary);
      applyColocation(ws, constraint, table);
    }
  }
  mergeLaterMembers(group, table);
  const merged = mergedScores(ctx, group, table, 1, new Set(), false);
  const node = chooseNode(ctx, group, merged, currentNodeOf(group));
  let previousPlaced = node !== undefined;
  for (const member of group.children) {
    if (!member.managed) {
      assignPrimitive(ctx, member);
      previousPlaced = previousPlaced && member.assignedTo === node;
      continue;
    }
    const own = new Map(member.allowed);
    const ok = previousPlaced && node !== undefined && (own.get(node) ?? -INFINITY) > -INFINITY && (own.get(node) ?? -1) >= 0 && (merged.get(node) ?? -1) >= 0;
    assignPrimitiveTo(ws, member, ok ? node : undefined);
    previousPlaced = ok;
  }
}

/** Places a resource (once); primaries first. */
export function assign(ctx: AssignContext, rsc: Resource): void {
  if (ctx.placed.has(rsc) || ctx.assigning.has(rsc)) return;
  ctx.assigning.add(rsc);
  if (rsc.kind === 'primitive') assignPrimitive(ctx, rsc);
  else if (rsc.kind === 'group') assignGroup(ctx, rsc);
  else assignClone(ctx, rsc, applyPrimaries, mergedScores);
  ctx.assigning.delete(rsc);
  ctx.placed.add(rsc);
}

/** Places every resource: highest priority first, then configuration order. */
export function assignAll(ws: WorkingSet): AssignContext {
  const ctx = createAssignContext(ws);
  const ordered = [...ws.resources].sort((a, b) => b.priority - a.priority || a.order - b.order);
  const sorted = ws.options.placementStrategy === 'default' ? ordered : sortForUtilization(ws, ordered, ctx.byDependent);
  for (const rsc of sorted) assign(ctx, rsc);
  return ctx;
}

/**
 * With a placement strategy, Pacemaker assigns resources by priority, then
 * by the score on their current node, then by their best scores node by node.
 */
function sortForUtilization(ws: WorkingSet, resources: Resource[], byDependent: Map<Resource, ColocationConstraint[]>): Resource[] {
  const nodeNames = sortNodes(ws, new Map(ws.nodeOrder.map((node) => [node, 0])), undefined).map((node) => node.uname);
  const scoresOf = (rsc: Resource): Map<string, number> => {
    const scores = new Map(ownScores(rsc) ?? new Map<string, number>());
    // Mandatory primaries count too (Pacemaker adds the "this with" colocations' scores).
    for (const constraint of byDependent.get(rsc) ?? []) {
      if (constraint.score < INFINITY) continue;
      const primary = constraint.primary;
      const primaryScores = primary.kind === 'clone' ? bestInstanceScores(primary) : ownScores(primary);
      for (const [node, score] of scores) {
        const other = primaryScores?.get(node);
        if (other === undefined || other <= -INFINITY) scores.set(node, -INFINITY);
        else scores.set(node, addScores(score, other));
      }
    }
    return scores;
  };
  const keyed = resources.map((rsc) => {
    const scores = scoresOf(rsc);
    const current = currentNodeOf(rsc);
    return { rsc, scores, currentScore: current === undefined ? -INFINITY : (scores.get(current) ?? -INFINITY) };
  });
  keyed.sort((a, b) => {
    if (a.rsc.priority !== b.rsc.priority) return b.rsc.priority - a.rsc.priority;
    if (a.currentScore !== b.currentScore) return b.currentScore - a.currentScore;
    for (const node of nodeNames) {
      const sa = a.scores.get(node) ?? -INFINITY;
      const sb = b.scores.get(node) ?? -INFINITY;
      if (sa !== sb) return sb - sa;
    }
    return 0;
  });
  return keyed.map((k) => k.rsc);
}
