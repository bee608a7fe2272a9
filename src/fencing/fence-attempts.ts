/**
 * stonith-max-attempts as Pacemaker's controller keeps it: how many times
 * fencing a node has failed in a row. Once the limit is reached the DC stops
 * re-attempting at once (every device failing, each retry would run them all
 * again in a tight loop) until the node is seen again (or this node stops
 * being DC: a new DC starts from zero). Pure.
 */
export class FenceAttempts {
  private readonly failures = new Map<string, number>();

  /** The consecutive failures of fencing `node`. */
  failuresOf(node: string): number {
    return this.failures.get(node) ?? 0;
  }

  /** Whether another attempt may run now, with `maxAttempts` (stonith-max-attempts; below 1 counts as 1). */
  mayAttempt(node: string, maxAttempts: number): boolean {
    return this.failuresOf(node) < Math.max(1, maxAttempts);
  }

  /** Records the outcome of one attempt. */
  record(node: string, succeeded: boolean): void {
    if (succeeded) this.failures.delete(node);
    else this.failures.set(node, this.failuresOf(node) + 1);
  }

  /** The node is back (a member again): a later loss starts from zero. */
  reset(node: string): void {
    this.failures.delete(node);
  }
}
