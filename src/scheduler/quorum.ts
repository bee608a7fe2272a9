/**
 * no-quorum-policy without quorum: stop (ban every node), freeze (keep what
 * runs where it runs, start nothing new), ignore, demote.
 */
import type { WorkingSet } from './model.js';
import { INFINITY } from '../cib/score.js';
import { cloneOf } from './unpack-resources.js';

export function applyQuorumPolicy(ws: WorkingSet): void {
  if (ws.options.haveQuorum) return;
  const policy = ws.options.noQuorumPolicy;
  if (policy === 'ignore') return;
  for (const rsc of ws.primitives.values()) {
    const requires = (rsc.meta.get('requires') ?? '').toLowerCase();
    if (requires === 'nothing') continue;
    if (policy === 'demote' && cloneOf(rsc)?.promotable === true) {
      // promotable instances keep running, demoted; nothing new starts
      for (const node of ws.nodeOrder) if (!rsc.runningOn.includes(node)) rsc.allowed.set(node, -INFINITY);
      rsc.noPromotion = true;
      continue;
    }
    if (policy === 'freeze') {
      // frozen: what runs may keep running (even move); nothing new starts
      if (rsc.runningOn.length === 0) rsc.startBlocked = true;
      continue;
    }
    rsc.startBlocked = true;
    if (rsc.runningOn.length > 0) {
      for (const node of ws.nodeOrder) rsc.allowed.set(node, -INFINITY);
    }
  }
}

/** Whether starting resources is impossible: fencing required but no device. */
export function startupBlocked(ws: WorkingSet): boolean {
  return ws.options.stonithEnabled && !ws.haveFenceDevice;
}
