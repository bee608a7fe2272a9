/**
 * How the main thread hears of finished I/O: every leg's I/O threads bump
 * one shared doorbell word, and the hub waits on it with Atomics.waitAsync
 * while any request is in flight. One wake-up drains every queue's
 * completions, so at queue depth a batch of replies costs one turn of the
 * event loop, not one per request.
 *
 * A thread notifies only when the hub is waiting, and only the first one to
 * see it so (it clears the waiting word): a notify that finds a waiter makes
 * V8 post a task to the main thread, which costs a lock shared with the
 * main thread and an eventfd write. Notifying per completion made those a
 * system call or three per request at queue depth (strace, issue 6).
 */
import { logger } from '../../log.js';
import { DoorbellWord } from './ring-layout.js';

const log = logger('mirror.io');

export interface CompletionSource {
  /** Requests submitted and not yet drained. */
  readonly inFlight: number;
  /** Settles every finished request. */
  drainCompletions(): void;
}

/** Synchronous re-checks before yielding to the event loop, so a stream of completions cannot starve it. */
const MAX_SYNC_ROUNDS = 4;

export class CompletionHub {
  /** Word 0: completions posted (the doorbell); word 1: 1 while the hub waits for it. */
  readonly doorbellMemory = new SharedArrayBuffer(8);
  private readonly doorbell = new Int32Array(this.doorbellMemory);
  private readonly sources = new Set<CompletionSource>();
  private waiting = false;
  /**
   * A pending waitAsync does not keep Node's event loop alive: this idle
   * timer is referenced while requests are in flight, so that a process
   * awaiting only I/O does not exit under it.
   */
  private keepAlive: NodeJS.Timeout | undefined;

  register(source: CompletionSource): void { this.sources.add(source); }
  unregister(source: CompletionSource): void { this.sources.delete(source); }

  /** Makes sure the hub is waiting for the doorbell; call after submitting a request. */
  arm(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.keepAlive ??= setInterval(() => undefined, 1 << 30);
    this.keepAlive.ref();
    Atomics.store(this.doorbell, DoorbellWord.waiting, 1);
    this.waitFrom(Atomics.load(this.doorbell, DoorbellWord.posted));
  }

  /** Call with the waiting word set, and `seen` read after setting it. */
  private waitFrom(seen: number): void {
    const result = Atomics.waitAsync(this.doorbell, DoorbellWord.posted, seen);
    if (result.async) void result.value.then(() => this.wake(), (error: unknown) => log.error({ err: error }, 'doorbell wait failed'));
    else setImmediate(() => this.wake());
  }

  private wake(): void {
    // Awake: threads need not notify until the hub waits again.
    Atomics.store(this.doorbell, DoorbellWord.waiting, 0);
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      // Read the doorbell before draining: a completion posted during the drain then shows as a change.
      const seen = Atomics.load(this.doorbell, DoorbellWord.posted);
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
      // Waiting word first, then the check: a completion posted after the check sees the word and notifies.
      Atomics.store(this.doorbell, DoorbellWord.waiting, 1);
      if (Atomics.load(this.doorbell, DoorbellWord.posted) === seen) { this.waitFrom(seen); return; }
      Atomics.store(this.doorbell, DoorbellWord.waiting, 0);
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
