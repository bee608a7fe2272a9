/**
 * Liveness of one link to one peer: up (heard within warntime), warn (silent
 * for warntime), down (silent for deadtime). A link that keeps going down is
 * damped: while flapping, it must carry heartbeats without a warn-length gap
 * for `holdMs` before it counts as up again.
 */
export type LinkState = 'up' | 'warn' | 'down';

export interface LinkTimings {
  warntimeMs: number;
  deadtimeMs: number;
  flapCount: number;
  flapWindowMs: number;
  /** How long a flapping link must stay good before it is up again. */
  holdMs: number;
}

export type LinkTransition = 'up' | 'down' | 'flapping' | 'stable' | undefined;

/** Pure state of one (peer, link) pair; times are monotonic ms. */
export class LinkLiveness {
  state: LinkState = 'down';
  lastHeardMs: number | undefined;
  flapping = false;
  private goodSinceMs: number | undefined;
  private downTimesMs: number[] = [];

  constructor(private readonly timings: LinkTimings) {}

  /** Records a heartbeat. Returns 'up' when this brings the link up. */
  heard(nowMs: number): LinkTransition {
    if (this.lastHeardMs === undefined || nowMs - this.lastHeardMs > this.timings.warntimeMs) this.goodSinceMs = nowMs;
    this.lastHeardMs = nowMs;
    if (this.state !== 'down') { this.state = 'up'; return undefined; }
    if (this.flapping && nowMs - (this.goodSinceMs ?? nowMs) < this.timings.holdMs) return undefined;
    this.state = 'up';
    return 'up';
  }

  /**
   * Re-evaluates the state at `nowMs`. A link is not taken down when
   * `mayDeclareDown` is false (our own loop lagged: Lifeguard's self-check).
   * Returns the transition, if any.
   */
  evaluate(nowMs: number, mayDeclareDown: boolean): LinkTransition {
    this.downTimesMs = this.downTimesMs.filter((at) => nowMs - at <= this.timings.flapWindowMs);
    if (this.flapping && this.downTimesMs.length < this.timings.flapCount) { this.flapping = false; return 'stable'; }
    if (this.lastHeardMs === undefined) return undefined;
    const silentMs = nowMs - this.lastHeardMs;
    if (this.state === 'down') {
      // a damped link comes up once it has been good for holdMs
      if (this.flapping && silentMs <= this.timings.warntimeMs && nowMs - (this.goodSinceMs ?? nowMs) >= this.timings.holdMs) { this.state = 'up'; return 'up'; }
      return undefined;
    }
    if (silentMs > this.timings.deadtimeMs) {
      if (!mayDeclareDown) { this.state = 'warn'; return undefined; }
      this.state = 'down';
      this.downTimesMs.push(nowMs);
      if (!this.flapping && this.downTimesMs.length >= this.timings.flapCount) { this.flapping = true; return 'flapping'; }
      return 'down';
    }
    this.state = silentMs > this.timings.warntimeMs ? 'warn' : 'up';
    return undefined;
  }

  /** Forgets everything (the peer restarted). */
  reset(): void {
    this.state = 'down';
    this.lastHeardMs = undefined;
    this.goodSinceMs = undefined;
  }
}
