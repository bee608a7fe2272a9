/**
 * Decides when a leg's small request may run as a synchronous syscall on the
 * main thread instead of a libuv thread-pool job. A 4 KiB buffered read or
 * write served by the page cache costs a few microseconds; the pool's round
 * trip (queue, wake a worker, wake the loop again) costs several times that,
 * and with two legs and few cores it was the engine's limit (issue 6).
 *
 * The risk of inline I/O is a call that blocks: a read that misses the cache,
 * a write throttled by writeback. Every inline call is timed; when
 * `slowCallsToBackOff` of a window of `windowCalls` calls took longer than
 * `slowCallMs`, the leg goes back to the pool for `backoffMs`. Counting
 * several slow calls, not one, keeps a mere preemption of the engine on a
 * busy machine from counting as a slow device; a cold or slow device costs
 * the loop a few blocking calls per backoff period.
 *
 * Inline pays at low queue depth (latency: no hops); at depth the pool's
 * threads win, as they work in parallel and get CPU time beside the loop on
 * a busy machine (measured: 4k randread qd32 went from 29-44k to 22-26k
 * IOPS with everything inline). So only `callsPerTurn` calls per turn of
 * the event loop run inline; a burst of requests read in one turn sends the
 * rest to the pool.
 */
import { systemClock, type Clock } from '../clock.js';
import { logger } from '../log.js';

const log = logger('mirror');

export interface InlineGateOptions {
  /** Largest request run inline. Default 64 KiB. */
  maxBytes?: number;
  /** An inline call slower than this probably waited for the device. Default 0.2 ms. */
  slowCallMs?: number;
  /** Calls per counting window. Default 16. */
  windowCalls?: number;
  /** Slow calls in one window that send the leg to the pool. Default 3. */
  slowCallsToBackOff?: number;
  /** How long the leg stays on the thread pool after that. Default 5 s. */
  backoffMs?: number;
  /** Inline calls per turn of the event loop. Default 1. */
  callsPerTurn?: number;
  /** Times the calls (monotonic). Default the system clock. */
  clock?: Clock;
}

export class InlineGate {
  private readonly maxBytes: number;
  private readonly slowCallMs: number;
  private readonly windowCalls: number;
  private readonly slowCallsToBackOff: number;
  private readonly backoffMs: number;
  private readonly clock: Clock;
  private readonly callsPerTurn: number;
  private callsThisTurn = 0;
  private poolUntilMs = 0;
  private callsInWindow = 0;
  private slowInWindow = 0;

  constructor(options: InlineGateOptions = {}) {
    this.maxBytes = options.maxBytes ?? 64 * 1024;
    this.slowCallMs = options.slowCallMs ?? 0.2;
    this.windowCalls = options.windowCalls ?? 16;
    this.slowCallsToBackOff = options.slowCallsToBackOff ?? 3;
    this.backoffMs = options.backoffMs ?? 5000;
    this.clock = options.clock ?? systemClock;
    this.callsPerTurn = options.callsPerTurn ?? 1;
  }

  /** True when a request of this size should run inline now. */
  allows(lengthBytes: number): boolean {
    if (lengthBytes > this.maxBytes || this.callsThisTurn >= this.callsPerTurn) return false;
    if (this.poolUntilMs === 0) return true;
    if (this.clock.monotonicMs() < this.poolUntilMs) return false;
    this.poolUntilMs = 0;
    return true;
  }

  /** Runs `call` synchronously and times it; a throw becomes a rejected promise, like the pool's errors. */
  run<T>(call: () => T): Promise<T> {
    if (this.callsThisTurn++ === 0) setImmediate(() => { this.callsThisTurn = 0; });
    const startedMs = this.clock.monotonicMs();
    try {
      return Promise.resolve(call());
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.count(startedMs, this.clock.monotonicMs() - startedMs);
    }
  }

  private count(startedMs: number, tookMs: number): void {
    if (tookMs > this.slowCallMs) this.slowInWindow++;
    if (this.slowInWindow >= this.slowCallsToBackOff) {
      log.debug({ slowCalls: this.slowInWindow, lastCallMs: tookMs }, 'inline leg I/O is slow; using the thread pool for a while');
      this.poolUntilMs = startedMs + tookMs + this.backoffMs;
    } else if (++this.callsInWindow < this.windowCalls) {
      return;
    }
    this.callsInWindow = 0;
    this.slowInWindow = 0;
  }
}
