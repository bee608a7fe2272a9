/**
 * Utilization and placement-strategy: a node can take a resource only if
 * every capacity it declares still has room for what the resource uses
 * (strategies utilization, minimal, balanced; "default" ignores capacities).
 */
import type { ClusterNode } from './model.js';

/** Whether `node` has room for `needs` (capacities it does not declare count as 0). */
export function fitsCapacity(node: ClusterNode, needs: Map<string, number>): boolean {
  for (const [key, amount] of needs) {
    if (amount <= 0) continue;
    const capacity = node.utilization.get(key) ?? 0;
    if ((node.used.get(key) ?? 0) + amount > capacity) return false;
  }
  return true;
}

/** Books `needs` on `node`. */
export function consumeCapacity(node: ClusterNode, needs: Map<string, number>): void {
  for (const [key, amount] of needs) node.used.set(key, (node.used.get(key) ?? 0) + amount);
}
