/**
 * Promotable clones: which placed instances to promote. Each instance's
 * promotion score comes from the `master-RSC` node attribute (the agent's
 * crm_master), role-specific location constraints and colocations with the
 * promoted role; the best promoted-max instances with a non-negative score win.
 */
import type { Clone, Primitive } from './model.js';
import type { AssignContext } from './assign.js';
import { placedNodes } from './colocation.js';
import { INFINITY, addScores, parseScoreOr } from '../cib/score.js';
import { primitivesOf } from './unpack-resources.js';

function promotionAttribute(ctx: AssignContext, clone: Clone, p: Primitive, node: string): number | undefined {
  const attrs = ctx.ws.nodes.get(node)?.attrs;
  if (!attrs) return undefined;
  const historyId = p.history.get(node)?.lrmId;
  const names = clone.uniqueInstances ? [`master-${p.id}`, `promotion-${p.id}`]
    : historyId !== undefined ? [`master-${historyId}`, `master-${p.baseId}`] : [`master-${p.baseId}`];
  for (const name of names) {
    const value = attrs.get(name);
    if (value !== undefined) return parseScoreOr(value, 0);
  }
  if (!clone.uniqueInstances && historyId === undefined) {
    // Old agents set master-RSC:N; on one node only that node's instance matters.
    const pattern = new RegExp(`^(master|promotion)-${p.baseId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+$`);
    for (const [name, value] of attrs) if (pattern.test(name)) return parseScoreOr(value, 0);
  }
  return undefined;
}

export function setPromotableRoles(ctx: AssignContext, clone: Clone): void {
  const { ws } = ctx;
  const candidates: { instance: Primitive; score: number }[] = [];
  const targetRole = (clone.meta.get('target-role') ?? '').toLowerCase();
  for (const instance of clone.instances) {
    const prims = primitivesOf(instance);
    const p = prims[0];
    if (!p || p.assignedTo === null) continue;
    for (const member of prims) if (member.assignedTo !== null) member.nextRole = 'Unpromoted';
    const node = p.assignedTo;
    if (!p.managed) { for (const member of prims) member.nextRole = member.role === 'Started' ? 'Unpromoted' : member.role; continue; }
    const attribute = promotionAttribute(ctx, clone, p, node);
    let score = attribute ?? -1;
    for (const location of ws.locations) {
      if (location.role !== 'Promoted' || (location.rsc !== clone && location.rsc !== instance)) continue;
      if (location.node === node) score = addScores(score, location.score ?? 0);
      const ruleScore = location.scoreByNode?.get(node);
      if (ruleScore !== undefined) score = addScores(score, ruleScore);
    }
    for (const constraint of ctx.byDependent.get(clone) ?? []) {
      if (constraint.dependentRole !== 'Promoted') continue;
      // Where the primary runs in the wanted role the colocation adds its score; elsewhere a mandatory one forbids.
      const primaryNodes = placedNodes(constraint.primary, constraint.primaryRole);
      const value = ws.nodes.get(node)?.attrs.get(constraint.nodeAttribute);
      const matches = primaryNodes.some((other) => ws.nodes.get(other)?.attrs.get(constraint.nodeAttribute) === value);
      if (matches && (constraint.primaryRole !== undefined || constraint.primary.kind !== 'clone')) score = addScores(score, constraint.score);
      else if (constraint.score >= INFINITY) score = -INFINITY;
    }
    for (const constraint of ctx.byPrimary.get(clone) ?? []) {
      if (!constraint.influence) continue;
      if (constraint.primaryRole === undefined || constraint.primaryRole === 'Started') {
        // Colocated with the clone in any role: the dependent's preferences were merged into the clone's node
        // scores at allocation (positive ones only), and promotion adds each instance's priority to those.
        const dependentScore = primitivesOf(constraint.dependent)[0]?.allowed.get(node) ?? 0;
        if (dependentScore > 0 && dependentScore < INFINITY) score = addScores(score, Math.trunc((dependentScore * constraint.score) / INFINITY));
        continue;
      }
      if (constraint.primaryRole !== 'Promoted') continue;
      const dependent = constraint.dependent;
      const dependentPrims = primitivesOf(dependent);
      const dependentScore = dependentPrims[0]?.allowed.get(node);
      if (dependentScore === undefined) continue;
      // A dependent that cannot run anywhere (disabled, banned) has no say in where to promote.
      if (![...(dependentPrims[0]?.allowed.values() ?? [])].some((value) => value > -INFINITY)) continue;
      if (constraint.score >= INFINITY && dependentScore <= -INFINITY) score = -INFINITY;
      else if (dependentScore > -INFINITY) score = addScores(score, dependentScore >= INFINITY ? (constraint.score > 0 ? INFINITY : -INFINITY) : Math.trunc((dependentScore * constraint.score) / INFINITY));
    }
    if (prims.some((m) => m.failed && m.role === 'Promoted')) score = -INFINITY;
    if (prims.some((m) => m.demoteOnly === node || m.noPromotion === true)) score = -INFINITY;
    // A cloned group is promoted as a whole: not while one of its members cannot run.
    if (prims.some((m) => m.assignedTo === null)) score = -INFINITY;
    candidates.push({ instance: p, score });
  }
  if (targetRole === 'unpromoted' || targetRole === 'slave') return;
  // Equal scores: Pacemaker's instance numbers follow the status section's node order.
  const rankByNode = new Map(ws.statusOrder.map((node, index) => [node, index]));
  const statusRank = (node: string | null): number => (node === null ? undefined : rankByNode.get(node)) ?? ws.statusOrder.length;
  candidates.sort((a, b) => b.score - a.score
    || Number(b.instance.role === 'Promoted') - Number(a.instance.role === 'Promoted')
    || statusRank(a.instance.assignedTo) - statusRank(b.instance.assignedTo)
    || (a.instance.assignedTo ?? '').localeCompare(b.instance.assignedTo ?? ''));
  let promoted = 0;
  const perNode = new Map<string, number>();
  // Unmanaged (blocked) promoted instances stay promoted and use up promotion slots.
  for (const instance of clone.instances) {
    const first = primitivesOf(instance)[0];
    if (first && !first.managed && first.role === 'Promoted' && first.assignedTo !== null) {
      promoted++;
      perNode.set(first.assignedTo, (perNode.get(first.assignedTo) ?? 0) + 1);
    }
  }
  for (const { instance, score } of candidates) {
    if (promoted >= clone.promotedMax || score < 0) break;
    const node = instance.assignedTo as string;
    if ((perNode.get(node) ?? 0) >= clone.promotedNodeMax) continue;
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
    promoted++;
    const group = instance.parent?.kind === 'group' ? instance.parent : undefined;
    for (const member of group ? group.children : [instance]) if (member.assignedTo !== null) member.nextRole = 'Promoted';
  }
}
