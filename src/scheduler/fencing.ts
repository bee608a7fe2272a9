/**
 * Fencing decisions: an unclean node is fenced (when fencing is enabled, a
 * device exists and quorum allows) before its resources are recovered;
 * resources on a node that will be fenced count as stopped there.
 */
import type { WorkingSet } from './model.js';

/** Whether the cluster may fence `node` (Pacemaker's pe_can_fence). */
export function canFence(ws: WorkingSet, node: string): boolean {
  if (!ws.options.stonithEnabled || !ws.haveFenceDevice) return false;
  if (ws.options.haveQuorum || ws.options.noQuorumPolicy === 'ignore') return true;
  if (ws.options.noQuorumPolicy === 'suicide' && ws.options.noQuorumPanic) return true;
  return ws.nodes.get(node)?.online ?? false;
}

/** Decides which unclean nodes are fenced; their resources stop there implicitly. */
export function decideFencing(ws: WorkingSet): void {
  if (ws.options.noQuorumPanic && !ws.options.haveQuorum && ws.options.noQuorumPolicy === 'suicide' && ws.options.stonithEnabled) {
    // Lost quorum it once had, with no-quorum-policy=suicide: the partition fences itself.
    for (const name of ws.nodeOrder) {
      const node = ws.nodes.get(name);
      if (node?.online && !node.unclean) {
        node.unclean = true;
        node.fenceReason = 'cluster does not have quorum';
      }
    }
  }
  for (const name of ws.nodeOrder) {
    const node = ws.nodes.get(name);
    if (!node?.unclean) continue;
    if (!canFence(ws, name)) continue;
    ws.fencing.set(name, node.fenceReason ?? 'node is unclean');
  }
}

/** Nodes that stay unclean without being fenced: their resources cannot be stopped. */
export function unfenceableUnclean(ws: WorkingSet): Set<string> {
  const result = new Set<string>();
  for (const name of ws.nodeOrder) {
    const node = ws.nodes.get(name);
    if (node?.unclean && !ws.fencing.has(name)) result.add(name);
  }
  return result;
}

/**
 * Unfencing: when a fence device provides unfencing (meta provides=unfencing),
 * every online node not yet unfenced (no #node-unfenced attribute) is
 * unfenced ("Fence (on)") before resources run there.
 */
export function decideUnfencing(ws: WorkingSet): string[] {
  if (!ws.options.stonithEnabled) return [];
  const provides = [...ws.primitives.values()].some((rsc) => rsc.cls === 'stonith' && (rsc.meta.get('provides') ?? '').toLowerCase() === 'unfencing');
  if (!provides) return [];
  return ws.nodeOrder.filter((name) => {
    const node = ws.nodes.get(name);
    return node !== undefined && node.online && !node.unclean && !node.attrs.has('#node-unfenced');
  });
}
