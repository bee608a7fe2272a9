/**
 * Fail counts from the `fail-count-RSC#OP_INTERVAL` (and legacy
 * `fail-count-RSC`) transient node attributes, with failure-timeout expiry
 * against `last-failure-*` and migration-threshold bans.
 */
import type { ClusterNode, Primitive, WorkingSet } from './model.js';
import { parseIntervalMs } from './rules.js';
import { INFINITY, addScores, parseScoreOr } from '../cib/score.js';

function failIdFor(rsc: Primitive): string {
  const clone = rsc.parent?.kind === 'clone' ? rsc.parent : rsc.parent?.parent;
  if (clone?.kind === 'clone' && !clone.uniqueInstances) return rsc.baseId;
  return rsc.id;
}

function attrMatches(name: string, prefix: string, rscId: string): boolean {
  if (!name.startsWith(prefix)) return false;
  let rest = name.slice(prefix.length);
  if (!rest.startsWith(rscId)) return false;
  rest = rest.slice(rscId.length);
  // anonymous clones: older controllers recorded the instance number (fail-count-rsc:0)
  const instance = /^:\d+/.exec(rest);
  if (instance) rest = rest.slice(instance[0].length);
  return rest === '' || rest.startsWith('#');
}

/** Sum of the fail counts of `rsc` on `node`, ignoring expired ones. */
export function failCount(ws: WorkingSet, rsc: Primitive, node: ClusterNode): number {
  const id = failIdFor(rsc);
  let total = 0;
  for (const [name, value] of node.attrs) {
    if (!attrMatches(name, 'fail-count-', id)) continue;
    if (ignoredOperation(rsc, name)) continue;
    total = addScores(total, parseScoreOr(value, 0));
  }
  if (total > 0 && failuresExpired(ws, rsc, node)) return 0;
  return total;
}

/** Whether failure-timeout has passed since the last failure of `rsc` on `node`. */
export function failuresExpired(ws: WorkingSet, rsc: Primitive, node: ClusterNode): boolean {
  const timeoutMs = failureTimeoutMs(rsc);
  if (timeoutMs <= 0) return false;
  const id = failIdFor(rsc);
  let lastFailureS = 0;
  for (const [name, value] of node.attrs) {
    if (attrMatches(name, 'last-failure-', id)) lastFailureS = Math.max(lastFailureS, Number(value));
  }
  if (lastFailureS === 0) return false;
  return ws.now.getTime() > lastFailureS * 1000 + timeoutMs;
}

/** Bans each primitive from nodes where its fail count reached migration-threshold. */
export function applyFailCounts(ws: WorkingSet): void {
  for (const rsc of ws.primitives.values()) {
    const threshold = parseScoreOr(rsc.meta.get('migration-threshold'), INFINITY);
    if (threshold <= 0) continue;
    for (const node of ws.nodes.values()) {
      const count = failCount(ws, rsc, node);
      if (count > 0 && count >= threshold) {
        ws.locations.push({ id: `failcount-${rsc.id}-${node.uname}`, rsc, node: node.uname, score: -INFINITY });
      }
    }
  }
}

/** failure-timeout; Pacemaker ignores it when an operation has on-fail=block (the two conflict). */
export function failureTimeoutMs(rsc: Primitive): number {
  if (rsc.ops.some((op) => op.onFail === 'block')) return 0;
  return parseIntervalMs(rsc.meta.get('failure-timeout'));
}

/** Failures of an operation configured with on-fail=ignore do not count (fail-count-RSC#OP_INTERVAL). */
function ignoredOperation(rsc: Primitive, attributeName: string): boolean {
  const match = /#([^#]+)_(\d+)$/.exec(attributeName);
  // A legacy per-resource count cannot be attributed; when every recurring operation ignores failures, neither does it.
  if (!match) return rsc.ops.some((op) => op.onFail === 'ignore') && rsc.ops.every((op) => op.intervalMs === 0 || op.onFail === 'ignore');
  const opName = match[1];
  const intervalMs = Number(match[2]);
  return rsc.ops.some((op) => op.name === opName && op.intervalMs === intervalMs && op.onFail === 'ignore');
}
