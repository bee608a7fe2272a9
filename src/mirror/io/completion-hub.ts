/**
 * How the main thread hears of finished I/O: every leg's I/O threads bump
 * and notify one shared doorbell word, and the hub waits on it with
 * Atomics.waitAsync while any request is in flight. One wake-up drains every
 * queue's completions, so at queue depth a batch of replies costs one turn
 * of the event loop, not one per request.
 *
 * Threads notify after every completion. Notifying only while the hub
 * waits (one notify per wait, the waiting word cleared by the notifier)
 * lost a wake-up now and then under bench/mirror (V8's waitAsync; not
 * found why): the leg's requests then sat finished but undelivered until
 * the I/O timeout failed the leg. So, besides notifying always, a check
 * every STALL_CHECK_MS delivers completions a wait missed, and logs it.
 */
import { logger } from '../../log.js';

const log = logger('mirror.io');

export interface CompletionSource {
  /** Requests submitted and not yet drained. */
  readonly inFlight: number;
  /** Settles every finished request. */
  drainCompletions(): void;
}

/** Synchronous re-checks before yielding to the event loop, so a stream of completions cannot starve it. */
const MAX_SYNC_ROUNDS = 4;
/** How often the hub looks for completions posted while its wait was not woken. */
const STALL_CHECK_MS = 100;

export class CompletionHub {
  readonly doorbellMemory = new SharedArrayBuffer(4);
  private readonly doorbell = new Int32Array(this.doorbellMemory);
  private readonly sources = new Set<CompletionSource>();
  private waiting = false;
  /** Bumped by every wait; a wake-up of an older wait is stale (the stall check took over). */
  private waitGeneration = 0;
  /** The doorbell value the current wait started from. */
  private waitingFrom = 0;
  private wakeCount = 0;
  private wakeCountAtCheck = 0;
  /** The wait generation the last check found missing a wake-up; -1 for none. */
  private stallSuspect = -1;
  /** Wake-ups the stall check had to make, for tests and logs. */
  stallRecoveries = 0;
  /**
   * The stall check. A pending waitAsync does not keep Node's event loop
   * alive: this timer is referenced while requests are in flight, so that
   * a process awaiting only I/O does not exit under it.
   */
  private keepAlive: NodeJS.Timeout | undefined;

  register(source: CompletionSource): void { this.sources.add(source); }
  unregister(source: CompletionSource): void { this.sources.delete(source); }

  /** Makes sure the hub is waiting for the doorbell; call after submitting a request. */
  arm(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.keepAlive ??= setInterval(() => this.checkStalled(), STALL_CHECK_MS);
    this.keepAlive.ref();
    this.waitFrom(Atomics.load(this.doorbell, 0));
  }

  private waitFrom(seen: number): void {
    const generation = ++this.waitGeneration;
    this.waitingFrom = seen;
    const wakeIfCurrent = (): void => { if (generation === this.waitGeneration) this.wake(); };
    const result = Atomics.waitAsync(this.doorbell, 0, seen);
    if (result.async) void result.value.then(wakeIfCurrent, (error: unknown) => log.error({ err: error }, 'doorbell wait failed'));
    else setImmediate(wakeIfCurrent);
  }

  /**
   * Completions were posted since the wait began, and no wake-up came over
   * two checks: deliver them now (the wait's own wake-up, should it still
   * come, is then ignored).
   */
  private checkStalled(): void {
    if (this.waiting && !this.anyInFlight()) {
      // Every source that had requests closed meanwhile (a leg closed while a request hung in it): stop waiting, let the process exit.
      this.waiting = false;
      this.waitGeneration++;
      this.keepAlive?.unref();
      return;
    }
    const woken = this.wakeCount !== this.wakeCountAtCheck;
    this.wakeCountAtCheck = this.wakeCount;
    const missed = this.waiting && !woken && Atomics.load(this.doorbell, 0) !== this.waitingFrom;
    // Seen at two checks in a row, so a wake-up merely on its way is not taken for a lost one.
    const suspected = this.stallSuspect === this.waitGeneration;
    this.stallSuspect = missed ? this.waitGeneration : -1;
    if (!missed || !suspected) return;
    this.stallSuspect = -1;
    this.stallRecoveries++;
    log.warn({ recoveries: this.stallRecoveries }, 'I/O completions were posted but the wait for them was not woken; delivering them now');
    this.waitGeneration++;
    this.wake();
  }

  private wake(): void {
    this.wakeCount++;
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      // Read the doorbell before draining: a completion posted during the drain then shows as a change.
      const seen = Atomics.load(this.doorbell, 0);
      for (const source of this.sources) {
        try {
          source.drainCompletions();
        } catch (error) {
          log.error({ err: error }, 'draining I/O completions failed');
        }
      }
      if (!this.anyInFlight()) {
        this.waiting = false;
        this.keepAlive?.unref();
        return;
      }
      if (Atomics.load(this.doorbell, 0) === seen) { this.waitFrom(seen); return; }
    }
    setImmediate(() => this.wake());
  }

  private anyInFlight(): boolean {
    for (const source of this.sources) if (source.inFlight > 0) return true;
    return false;
  }
}

/** The process's hub: all legs share one doorbell. */
export const completionHub = new CompletionHub();
