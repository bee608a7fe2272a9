/**
 * Colocation: applying a placed primary's location to a dependent's node
 * scores, and merging dependents' preferences into a primary's scores
 * before it is placed (Pacemaker's pcmk__add_colocated_node_scores, with
 * rollback when the merge would leave no node able to run it).
 */
import type { ColocationConstraint, Resource, Role, WorkingSet } from './model.js';
import { INFINITY, addScores } from '../cib/score.js';
import { primitivesOf } from './unpack-resources.js';

/** The nodes where a placed resource will run (in `role`, when given). */
export function placedNodes(rsc: Resource, role: Role | undefined): string[] {
  const prims = rsc.kind === 'group' ? rsc.children.slice(0, 1) : primitivesOf(rsc);
  const result: string[] = [];
  for (const p of prims) {
    if (p.assignedTo === null) continue;
    // A failed instance left in place (blocked) does not count as the clone running there.
    if (rsc.kind === 'clone' && p.failed && !p.managed) continue;
    if (role === 'Promoted' && p.nextRole !== 'Promoted') continue;
    if (role === 'Unpromoted' && p.nextRole === 'Promoted') continue;
    result.push(p.assignedTo);
  }
  return result;
}

function attrValue(ws: WorkingSet, node: string, attribute: string): string | undefined {
  return ws.nodes.get(node)?.attrs.get(attribute);
}

/** Applies a colocation whose primary is already placed to the dependent's score table. */
export function applyColocation(ws: WorkingSet, constraint: ColocationConstraint, table: Map<string, number>, primaryNodes?: string[]): void {
  const nodes = primaryNodes ?? placedNodes(constraint.primary, constraint.primaryRole);
  const values = new Set<string>();
  for (const node of nodes) {
    const value = attrValue(ws, node, constraint.nodeAttribute);
    if (value !== undefined) values.add(value);
  }
  for (const node of ws.nodeOrder) {
    const value = attrValue(ws, node, constraint.nodeAttribute);
    const matches = value !== undefined && values.has(value);
    if (constraint.score >= INFINITY) {
      if (!matches) table.set(node, -INFINITY);
    } else if (constraint.score <= -INFINITY) {
      if (matches) table.set(node, -INFINITY);
    } else if (matches && table.has(node)) {
      table.set(node, addScores(table.get(node) ?? 0, constraint.score));
    }
  }
}

/** Whether any node in the table may run a resource (score ≥ 0 on an eligible node). */
export function canRunAny(table: Map<string, number>, eligible: (node: string) => boolean): boolean {
  for (const [node, score] of table) if (score >= 0 && eligible(node)) return true;
  return false;
}

/**
 * Adds `factor` × the dependent's scores to `work`, node by node through the
 * colocation's node attribute. With `onlyPositive`, a dependent's dislike
 * never turns a liked node into a disliked one.
 */
export function addScaledScores(ws: WorkingSet, work: Map<string, number>, dependentScores: Map<string, number>, attribute: string, factor: number, onlyPositive: boolean): void {
  for (const [node, current] of work) {
    const value = attrValue(ws, node, attribute);
    let other: number | undefined;
    if (attribute === '#uname') other = dependentScores.get(node);
    else {
      for (const [otherNode, score] of dependentScores) {
        if (attrValue(ws, otherNode, attribute) === value) { other = other === undefined ? score : Math.max(other, score); }
      }
    }
    if (other === undefined) continue;
    let scaled = other;
    if (factor !== 1) {
      if (other >= INFINITY) scaled = factor > 0 ? INFINITY : -INFINITY;
      else if (other <= -INFINITY) scaled = factor > 0 ? -INFINITY : INFINITY;
      else scaled = Math.trunc(other * factor);
      if (Math.abs(factor) >= 1 && scaled >= INFINITY) scaled = INFINITY;
    }
    if (factor < 0 && other < 0) continue;
    const next = addScores(current, scaled);
    if (onlyPositive && next < 0) {
      if (current > 0) work.set(node, 1);
      continue;
    }
    work.set(node, next);
  }
}
