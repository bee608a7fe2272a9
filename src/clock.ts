/**
 * Time as an injected interface, so that the pure core never reads the clock
 * itself and tests can drive time by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch (wall clock). */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring intervals. */
  monotonicMs(): number;
}

/** The real clock, for the edges (daemon, executor, CLI). */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** A clock that moves only when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private wallMs = 0, private monoMs = 0) {}
  nowMs(): number { return this.wallMs; }
  monotonicMs(): number { return this.monoMs; }
  advance(ms: number): void { this.wallMs += ms; this.monoMs += ms; }
}
