/**
 * Serializes overlapping byte ranges: writes in flight that overlap, and a
 * resync or scrub copy of a chunk against writes to it, take turns, so the
 * legs cannot end up with different orders of the same writes.
 */
interface Held { start: number; end: number }

export class RangeLock {
  private readonly held = new Set<Held>();
  private waiters: (() => void)[] = [];

  /** Takes [start, end) at once if it overlaps no held range; else returns undefined. */
  tryAcquire(start: number, end: number): (() => void) | undefined {
    return this.overlaps(start, end) ? undefined : this.take(start, end);
  }

  /** Resolves with a release function once [start, end) overlaps no held range. */
  async acquire(start: number, end: number): Promise<() => void> {
    while (this.overlaps(start, end)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.take(start, end);
  }

  private take(start: number, end: number): () => void {
    const entry: Held = { start, end };
    this.held.add(entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(entry);
      if (this.waiters.length === 0) return;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    };
  }

  get heldCount(): number { return this.held.size; }

  private overlaps(start: number, end: number): boolean {
    for (const entry of this.held) if (entry.start < end && start < entry.end) return true;
    return false;
  }
}
