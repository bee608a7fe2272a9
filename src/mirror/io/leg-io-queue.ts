/**
 * The main thread's side of a leg's I/O threads: requests go into a shared
 * ring (no system call while a thread is awake to take them), the threads
 * run them with blocking calls, and the results come back through the
 * completion hub. Many requests are in flight at once, one per thread at
 * the device and the rest queued in the ring.
 */
import { getSystemErrorName } from 'node:util';
import { Worker } from 'node:worker_threads';
import { logger } from '../../log.js';
import { LegIoError } from '../errors.js';
import { completionHub, type CompletionSource } from './completion-hub.js';
import { Control, IO_OP_NAMES, ringBytes, ringViews, SLOT_WORDS, SlotField, type IoOpCode, type LegIoThreadData, type RingViews } from './ring-layout.js';
import type { SharedArena } from './shared-arena.js';

const log = logger('mirror.io');
/** How long close() waits for the threads to end before leaving a stuck one behind. */
const THREAD_EXIT_WAIT_MS = 1000;

export interface LegIoQueueOptions {
  description: string;
  fd: number;
  /** The same file opened O_DSYNC, for FUA writes. */
  durableFd: number;
  arena: SharedArena;
  /** I/O threads, i.e. requests at the device at once. Default 2 (the device passes its own). */
  threads?: number;
  /** Requests in flight (at the device and queued). Default 256. */
  slotCount?: number;
}

/**
 * Every queue a thread of which may be running a request: the open ones,
 * and closed ones that left a thread behind in a device that never answered.
 */
const queuesWithThreads = new Set<LegIoQueue>();

/**
 * Requests the leg I/O threads of this process are running now; one that
 * blocks in a dead array counts until the array answers. See
 * io/exit-past-stuck-threads.ts for why the process's exit cares.
 */
export function legIoRequestsRunning(): number {
  let running = 0;
  for (const queue of queuesWithThreads) running += queue.requestsRunning;
  return running;
}

interface Settle { resolve: (bytes: number) => void; reject: (error: Error) => void; op: IoOpCode; offsetBytes: number }

export class LegIoQueue implements CompletionSource {
  private readonly ring: RingViews;
  private readonly workers: Worker[] = [];
  private readonly freeSlots: number[];
  private readonly settles: (Settle | undefined)[];
  private slotWaiters: (() => void)[] = [];
  private completedHead = 0;
  /** Queued requests close() took back from the ring: they were never run, so never completed. */
  private takenBackAtClose = 0;
  private closed = false;
  inFlight = 0;
  private kickQueued = false;
  private readonly kick = (): void => {
    this.kickQueued = false;
    const { control } = this.ring;
    if (Atomics.load(control, Control.sleepers) > 0) Atomics.notify(control, Control.submitTail, 1);
  };

  /** Starts the threads. The descriptors stay the caller's to close, after close(). */
  constructor(private readonly options: LegIoQueueOptions) {
    const slotCount = options.slotCount ?? 256;
    const memory = new SharedArrayBuffer(ringBytes(slotCount));
    this.ring = ringViews(memory, slotCount);
    this.freeSlots = Array.from({ length: slotCount }, (_unused, index) => slotCount - 1 - index);
    this.settles = new Array<Settle | undefined>(slotCount);
    const workerData: LegIoThreadData = {
      ring: memory, slotCount, arenas: options.arena.memories, doorbell: completionHub.doorbellMemory,
      fd: options.fd, durableFd: options.durableFd,
    };
    for (let index = 0; index < (options.threads ?? 2); index++) {
      const worker = new Worker(new URL('./leg-io-thread.js', import.meta.url), { workerData, name: `leg-io ${options.description}` });
      worker.on('error', (error) => log.error({ err: error, device: options.description }, 'leg I/O thread failed'));
      // A thread stuck in a dead device must not keep the process from exiting.
      worker.unref();
      this.workers.push(worker);
    }
    completionHub.register(this);
    queuesWithThreads.add(this);
  }

  /** Requests a thread took from the ring and has not completed: running, or blocked in the device. */
  get requestsRunning(): number {
    const { control } = this.ring;
    return Atomics.load(control, Control.submitHead) - this.takenBackAtClose - Atomics.load(control, Control.completedTail);
  }

  /**
   * Queues one request on `block` (an arena block; none for flush) and
   * resolves with the bytes moved. @throws LegIoError with the errno's name
   * when the call failed, or when the queue is closed.
   */
  submit(op: IoOpCode, block: Uint8Array | undefined, offsetBytes: number): Promise<number> {
    // Not async: the common case (a free slot) queues the request in this very call, with one promise.
    const slot = this.freeSlots.pop();
    if (slot === undefined) return this.submitWhenSlotFree(op, block, offsetBytes);
    if (this.closed) { this.freeSlots.push(slot); return Promise.reject(new LegIoError(`${this.options.description}: the leg's I/O queue is closed`)); }
    const location = block ? this.options.arena.locate(block) : undefined;
    if (block && !location) { this.freeSlots.push(slot); return Promise.reject(new RangeError('LegIoQueue.submit: the block is not in the arena')); }
    const base = slot * SLOT_WORDS;
    const { slots, control, submitted, fileOffsets, submittedAtMs, slotCount } = this.ring;
    slots[base + SlotField.op] = op;
    slots[base + SlotField.arenaClass] = location?.classIndex ?? 0;
    slots[base + SlotField.arenaOffset] = location?.byteOffset ?? 0;
    slots[base + SlotField.lengthBytes] = block?.length ?? 0;
    fileOffsets[slot] = offsetBytes;
    submittedAtMs[slot] = performance.timeOrigin + performance.now();
    const done = new Promise<number>((resolve, reject) => { this.settles[slot] = { resolve, reject, op, offsetBytes }; });
    this.inFlight++;
    const tail = Atomics.load(control, Control.submitTail);
    Atomics.store(submitted, tail % slotCount, slot);
    Atomics.store(control, Control.submitTail, tail + 1);
    // One wake-up for all requests queued in this turn: a client's batch then costs one hand-over, not one per request.
    if (!this.kickQueued) {
      this.kickQueued = true;
      queueMicrotask(this.kick);
    }
    completionHub.arm();
    return done;
  }

  private async submitWhenSlotFree(op: IoOpCode, block: Uint8Array | undefined, offsetBytes: number): Promise<number> {
    while (this.freeSlots.length === 0 && !this.closed) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    return this.submit(op, block, offsetBytes);
  }

  drainCompletions(): void {
    const { completed, slots, slotCount } = this.ring;
    for (;;) {
      const position = this.completedHead % slotCount;
      const entry = Atomics.load(completed, position);
      if (entry === 0) break;
      Atomics.store(completed, position, 0);
      this.completedHead++;
      const slot = entry - 1;
      const result = slots[slot * SLOT_WORDS + SlotField.result]!;
      const settle = this.settles[slot];
      this.settles[slot] = undefined;
      this.freeSlots.push(slot);
      this.inFlight--;
      if (!settle) continue;
      if (result >= 0) settle.resolve(result);
      else settle.reject(new LegIoError(`${this.options.description}: ${IO_OP_NAMES[settle.op]} at ${settle.offsetBytes} failed: ${getSystemErrorName(result)}`, { errno: result }));
    }
    if (this.slotWaiters.length > 0) {
      const waiters = this.slotWaiters;
      this.slotWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Stops the threads: requests still queued fail at once; a request a
   * thread is running finishes (or, on a hung device, never does: its thread
   * is left behind, unreferenced).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { control, submitted, slotCount } = this.ring;
    Atomics.store(control, Control.stop, 1);
    // Claim whatever no thread took yet, and fail it.
    for (;;) {
      const head = Atomics.load(control, Control.submitHead);
      const tail = Atomics.load(control, Control.submitTail);
      if (head === tail) break;
      const slot = Atomics.load(submitted, head % slotCount);
      if (Atomics.compareExchange(control, Control.submitHead, head, head + 1) !== head) continue;
      this.takenBackAtClose++;
      const settle = this.settles[slot];
      this.settles[slot] = undefined;
      this.freeSlots.push(slot);
      this.inFlight--;
      settle?.reject(new LegIoError(`${this.options.description}: the leg's I/O queue closed before the ${IO_OP_NAMES[settle.op]} ran`));
    }
    Atomics.notify(control, Control.submitTail);
    for (const wake of this.slotWaiters.splice(0)) wake();
    // Idle threads see the stop word and end; a busy one ends after its request. One stuck in a dead device is not waited for.
    const ended = this.workers.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())));
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), THREAD_EXIT_WAIT_MS); });
    if (await Promise.race([Promise.all(ended), gaveUp]) === 'timeout') log.warn({ device: this.options.description }, 'a leg I/O thread is still blocked in the device; leaving it behind');
    else queuesWithThreads.delete(this);
    clearTimeout(timer);
    this.drainCompletions();
    // A request a stuck thread still holds is dropped, not failed: failing it would hand its
    // arena block back while the thread may yet write into it. Its caller was already told
    // (the leg's I/O timeout). The hub must not keep the process alive waiting for it.
    this.settles.fill(undefined);
    this.inFlight = 0;
    completionHub.unregister(this);
  }
}
