/**
 * Timers as an injected interface, beside the Clock: the scheduler's
 * recurring monitors run on real timers in the daemon and on ManualTimers in
 * unit tests, where time moves only when the test says so.
 */
import type { ManualClock } from '../clock.js';

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Calls `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

export const systemTimers: Timers = {
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

interface PendingTimer {
  dueMs: number;
  sequence: number;
  callback: () => void;
  cancelled: boolean;
}

/** Timers driven by a ManualClock: `advance(ms)` fires what falls due, in order. */
export class ManualTimers implements Timers {
  private pending: PendingTimer[] = [];
  private sequence = 0;

  constructor(private readonly clock: ManualClock) {}

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: PendingTimer = { dueMs: this.clock.monotonicMs() + Math.max(0, delayMs), sequence: this.sequence++, callback, cancelled: false };
    this.pending.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Number of timers not yet fired nor cancelled. */
  get count(): number {
    return this.pending.filter((timer) => !timer.cancelled).length;
  }

  /** Moves the clock forward by `ms`, firing each timer at its due time. */
  advance(ms: number): void {
    const endMs = this.clock.monotonicMs() + ms;
    for (;;) {
      this.pending = this.pending.filter((timer) => !timer.cancelled);
      const next = [...this.pending].sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence)[0];
      if (next === undefined || next.dueMs > endMs) break;
      this.clock.advance(next.dueMs - this.clock.monotonicMs());
      next.cancelled = true;
      next.callback();
    }
    this.clock.advance(endMs - this.clock.monotonicMs());
  }
}
