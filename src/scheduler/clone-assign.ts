/**
 * Clone placement: instances keep their current node first (at most
 * clone-max / nodes each, at least 1), then the rest go to the best nodes
 * up to clone-node-max per node, as Pacemaker's distribute_children does.
 * Promotable clones then choose which instances to promote.
 */
import type { Clone, Group, Primitive, Resource } from './model.js';
import type { AssignContext } from './assign.js';
import { assignPrimitiveTo, chooseNode, eligible } from './assign.js';
import { INFINITY, addScores } from '../cib/score.js';
import { primitivesOf } from './unpack-resources.js';
import { setPromotableRoles } from './promotable.js';
import { fitsCapacity } from './utilization.js';

type ApplyPrimaries = (ctx: AssignContext, rsc: Resource, table: Map<string, number>) => void;
type MergeScores = (ctx: AssignContext, rsc: Resource, base: Map<string, number>, factor: number, visited: Set<Resource>, onlyPositive: boolean) => Map<string, number>;

function firstPrimitive(instance: Primitive | Group): Primitive | undefined {
  return instance.kind === 'group' ? instance.children[0] : instance;
}

function currentNode(instance: Primitive | Group): string | undefined {
  for (const p of primitivesOf(instance)) if (p.runningOn.length > 0) return p.runningOn[0];
  return undefined;
}

/** Instance score on a node: the clone's merged score plus the instance's own extras (stickiness, bans). */
function instanceScores(clone: Clone, instance: Primitive | Group, merged: Map<string, number>): Map<string, number> {
  const table = new Map<string, number>();
  const members = primitivesOf(instance);
  for (const [node, cloneScore] of merged) {
    let score = cloneScore;
    for (const member of members) {
      const own = member.allowed.get(node);
      const base = clone.allowed.get(node) ?? 0;
      if (own === undefined) { score = -INFINITY; break; }
      if (own <= -INFINITY) { if (member === members[0]) score = -INFINITY; continue; }
      if (base > -INFINITY && base < INFINITY) score = addScores(score, own - base);
    }
    table.set(node, score);
  }
  return table;
}

function assignInstance(ctx: AssignContext, instance: Primitive | Group, node: string | undefined): void {
  if (instance.kind === 'primitive') { assignPrimitiveTo(ctx.ws, instance, node); return; }
  let ok = node !== undefined;
  for (const member of instance.children) {
    const score = node === undefined ? -INFINITY : (member.allowed.get(node) ?? -INFINITY);
    ok = ok && score >= 0;
    assignPrimitiveTo(ctx.ws, member, ok ? node : undefined);
  }
}

export function assignClone(ctx: AssignContext, clone: Clone, applyPrimaries: ApplyPrimaries, mergedScores: MergeScores): void {
  const { ws } = ctx;
  const table = new Map(clone.allowed);
  applyPrimaries(ctx, clone, table);
  // Clones take only their dependents' positive preferences (Pacemaker merges with pe_weights_positive).
  const merged = mergedScores(ctx, clone, table, 1, new Set(), true);
  const counts = new Map<string, number>();
  const available = [...merged].filter(([node, score]) => score >= 0 && eligible(ws, node)).length;
  const initialMax = Math.min(clone.cloneNodeMax, Math.max(1, Math.floor(clone.cloneMax / Math.max(1, available))));
  let allocated = 0;
  const done = new Set<Primitive | Group>();
  const instances = [...clone.instances];
  const unmanagedInstances = instances.filter((i) => primitivesOf(i).every((p) => !p.managed));
  for (const instance of unmanagedInstances) {
    const node = currentNode(instance);
    for (const p of primitivesOf(instance)) { p.nextRole = p.role; assignPrimitiveTo(ws, p, p.runningOn.length === 1 ? p.runningOn[0] : undefined); p.nextRole = p.role; }
    if (node !== undefined) { counts.set(node, (counts.get(node) ?? 0) + 1); allocated++; }
    done.add(instance);
  }
  for (const instance of instances) {
    if (done.has(instance)) continue;
    const node = currentNode(instance);
    const first = firstPrimitive(instance);
    if (node === undefined || !first || first.orphan) continue;
    const scores = instanceScores(clone, instance, merged);
    const here = scores.get(node) ?? -INFINITY;
    if (!eligible(ws, node) || here < 0) continue;
    // The current node is kept only while it is as good as the best node (Pacemaker drops a worse preferred node).
    let best = -INFINITY;
    for (const [candidate, score] of scores) if (eligible(ws, candidate) && score > best) best = score;
    if (here < best && !clone.uniqueInstances) continue;
    if (ws.options.placementStrategy !== 'default') {
      const needs = new Map<string, number>();
      for (const p of primitivesOf(instance)) for (const [key, value] of p.utilization) needs.set(key, (needs.get(key) ?? 0) + value);
      const clusterNode = ws.nodes.get(node);
      if (!clusterNode || !fitsCapacity(clusterNode, needs)) continue;
    }
    if ((counts.get(node) ?? 0) >= initialMax || allocated >= clone.cloneMax) continue;
    assignInstance(ctx, instance, node);
    counts.set(node, (counts.get(node) ?? 0) + 1);
    allocated++;
    done.add(instance);
  }
  // Instances that were active somewhere are placed before fresh ones (they move rather than start anew).
  const remaining = instances.filter((i) => !done.has(i));
  const ordered = [...remaining.filter((i) => currentNode(i) !== undefined), ...remaining.filter((i) => currentNode(i) === undefined)];
  for (const instance of ordered) {
    if (done.has(instance)) continue;
    done.add(instance);
    const first = firstPrimitive(instance);
    if (allocated >= clone.cloneMax || !first || first.orphan) { assignInstance(ctx, instance, undefined); continue; }
    const scores = instanceScores(clone, instance, merged);
    for (const [node, count] of counts) if (count >= clone.cloneNodeMax) scores.set(node, -INFINITY);
    const node = chooseNode(ctx, instance, scores, currentNode(instance));
    assignInstance(ctx, instance, node);
    if (node !== undefined) { counts.set(node, (counts.get(node) ?? 0) + 1); allocated++; }
  }
  if (clone.promotable) setPromotableRoles(ctx, clone);
}
