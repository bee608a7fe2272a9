/**
 * Initial node scores of each resource: symmetric/asymmetric cluster,
 * location constraints (node and rules), stickiness on the current node,
 * bans from hard failures and fail counts, target-role Stopped.
 */
import type { LocationConstraint, Primitive, Resource, WorkingSet } from './model.js';
import { INFINITY, addScores, parseScoreOr } from '../cib/score.js';

/** Adds `score` for `node` into a score table (absent counts as 0). */
export function addNodeScore(table: Map<string, number>, node: string, score: number): void {
  table.set(node, addScores(table.get(node) ?? 0, score));
}

function initialTable(ws: WorkingSet): Map<string, number> {
  const table = new Map<string, number>();
  if (ws.options.symmetric) for (const name of ws.nodeOrder) table.set(name, 0);
  return table;
}

/** Stickiness of a primitive; clones default to 1, as Pacemaker's clone unpacking sets. */
export function stickinessOf(rsc: Primitive): number {
  const value = rsc.meta.get('resource-stickiness') ?? rsc.meta.get('default-resource-stickiness');
  if (value !== undefined) return parseScoreOr(value, 0);
  const inClone = rsc.parent?.kind === 'clone' || rsc.parent?.parent?.kind === 'clone';
  return inClone ? 1 : 0;
}

function applyLocationsTo(byResource: Map<Resource, LocationConstraint[]>, rsc: Resource, table: Map<string, number>): void {
  for (const location of byResource.get(rsc) ?? []) {
    if (location.role === 'Promoted' || location.role === 'Unpromoted') continue;
    if (location.node !== undefined) addNodeScore(table, location.node, location.score ?? 0);
    for (const [node, score] of location.scoreByNode ?? []) addNodeScore(table, node, score);
  }
}

/** Fills `allowed` of every primitive and clone. */
export function initNodeScores(ws: WorkingSet): void {
  const byResource = new Map<Resource, LocationConstraint[]>();
  for (const location of ws.locations) {
    const list = byResource.get(location.rsc);
    if (list) list.push(location);
    else byResource.set(location.rsc, [location]);
  }
  const visit = (rsc: Resource, inherited: Map<string, number>): void => {
    const table = new Map(inherited);
    applyLocationsTo(byResource, rsc, table);
    if (rsc.kind === 'clone') {
      rsc.allowed = table;
      for (const instance of rsc.instances) visit(instance, table);
      return;
    }
    if (rsc.kind === 'group') {
      for (const member of rsc.children) visit(member, table);
      return;
    }
    rsc.allowed = table;
    const stickiness = stickinessOf(rsc);
    for (const history of rsc.history.values()) {
      if (history.banned) rsc.allowed.set(history.node, -INFINITY);
    }
    if (stickiness !== 0 && rsc.runningOn.length === 1 && rsc.managed) {
      const current = rsc.runningOn[0] as string;
      if (rsc.allowed.has(current)) addNodeScore(rsc.allowed, current, stickiness);
    }
    const targetRole = (rsc.meta.get('target-role') ?? '').toLowerCase();
    if (rsc.lockedTo !== undefined) for (const node of ws.nodeOrder) if (node !== rsc.lockedTo) rsc.allowed.set(node, -INFINITY);
    if (targetRole === 'stopped' || rsc.orphan) for (const node of ws.nodeOrder) rsc.allowed.set(node, -INFINITY);
  };
  for (const rsc of ws.resources) visit(rsc, initialTable(ws));
  // A clone's target-role reaches its instances through meta inheritance (a child's own value wins).
}
