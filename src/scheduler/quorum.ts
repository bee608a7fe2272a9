/**
 * no-quorum-policy without quorum: stop (ban every node), freeze (keep what
 * runs where it runs, start nothing new), ignore, demote.
 */
import type { WorkingSet } from './model.js';
import { INFINITY } from './scores.js';

export function applyQuorumPolicy(ws: WorkingSet): void {
  if (ws.options.haveQuorum) return;
  const policy = ws.options.noQuorumPolicy;
  if (policy === 'ignore') return;
  for (const rsc of ws.primitives.values()) {
    if (rsc.cls === 'stonith' && policy !== 'suicide') continue;
    for (const node of ws.nodeOrder) {
      if (policy === 'freeze' || policy === 'demote') {
        if (!rsc.runningOn.includes(node)) rsc.allowed.set(node, -INFINITY);
      } else {
        rsc.allowed.set(node, -INFINITY);
      }
    }
  }
}

/** Whether starting resources is impossible: fencing required but no device. */
export function startupBlocked(ws: WorkingSet): boolean {
  return ws.options.stonithEnabled && !ws.haveFenceDevice;
}
