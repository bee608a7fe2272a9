/**
 * The body of a leg's I/O thread: takes requests from the leg's submit
 * ring, runs each as a blocking positional read, write or fdatasync on the
 * leg's descriptor, and posts the result to the completion ring. Blocking is
 * the point: a request costs one system call and no hand-over through
 * libuv's shared pool, and an array that stops answering blocks only its
 * own leg's threads, never the main thread nor the other leg.
 */
import { fdatasyncSync, readSync, writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { Control, IoOp, ringViews, SLOT_WORDS, SlotField, type LegIoThreadData } from './ring-layout.js';

const data = workerData as LegIoThreadData;
const ring = ringViews(data.ring, data.slotCount);
const { control, submitted, completed, slots, fileOffsets, submittedAtMs, slotCount } = ring;
const arenas = data.arenas.map((memory) => new Uint8Array(memory));
const doorbell = new Int32Array(data.doorbell);
/**
 * How long the oldest queued request may wait before a sleeping sibling is
 * woken to take it. A device that answers from its cache keeps one thread
 * busy and the queue short-lived (a sibling would only contend for the
 * cores); a slow array leaves requests waiting, and then the threads serve
 * in parallel, up to --io-threads at the device.
 */
const SIBLING_AFTER_MS = 0.2;

function siblingNeeded(): boolean {
  const head = Atomics.load(control, Control.submitHead);
  if (head === Atomics.load(control, Control.submitTail) || Atomics.load(control, Control.sleepers) === 0) return false;
  const oldest = Atomics.load(submitted, head % slotCount);
  return performance.timeOrigin + performance.now() - submittedAtMs[oldest]! > SIBLING_AFTER_MS;
}
/** EIO, for a failure that carries no errno. */
const EIO = -5;

/** Claims the oldest queued request; -1 when the ring is empty. */
function take(): number {
  for (;;) {
    const head = Atomics.load(control, Control.submitHead);
    if (head === Atomics.load(control, Control.submitTail)) return -1;
    // Read before claiming: once the head moves on, the main thread may reuse this ring entry.
    const slot = Atomics.load(submitted, head % slotCount);
    if (Atomics.compareExchange(control, Control.submitHead, head, head + 1) === head) return slot;
  }
}

/** Runs one request; returns the bytes moved, or a negative errno. */
function execute(slot: number): number {
  const base = slot * SLOT_WORDS;
  const op = slots[base + SlotField.op];
  const lengthBytes = slots[base + SlotField.lengthBytes]!;
  const position = fileOffsets[slot]!;
  try {
    if (op === IoOp.flush) {
      fdatasyncSync(data.fd);
      return 0;
    }
    const start = slots[base + SlotField.arenaOffset]!;
    const view = arenas[slots[base + SlotField.arenaClass]!]!.subarray(start, start + lengthBytes);
    let done = 0;
    if (op === IoOp.read) {
      while (done < lengthBytes) {
        const bytes = readSync(data.fd, view, done, lengthBytes - done, position + done);
        // Past the end of a file reads as zeroes, as on a block device of that size.
        if (bytes === 0) { view.fill(0, done); break; }
        done += bytes;
      }
      return lengthBytes;
    }
    const fd = op === IoOp.writeDurable ? data.durableFd : data.fd;
    while (done < lengthBytes) done += writeSync(fd, view, done, lengthBytes - done, position + done);
    return lengthBytes;
  } catch (error) {
    const errno = (error as { errno?: unknown }).errno;
    return typeof errno === 'number' && errno < 0 ? errno : EIO;
  }
}

function complete(slot: number, result: number): void {
  slots[slot * SLOT_WORDS + SlotField.result] = result;
  const at = Atomics.add(control, Control.completedTail, 1);
  Atomics.store(completed, at % slotCount, slot + 1);
  Atomics.add(doorbell, 0, 1);
  Atomics.notify(doorbell, 0);
}

for (;;) {
  if (Atomics.load(control, Control.stop) !== 0) break;
  const slot = take();
  if (slot >= 0) {
    if (siblingNeeded()) Atomics.notify(control, Control.submitTail, 1);
    complete(slot, execute(slot));
    continue;
  }
  // Sleep until the tail moves; the main thread notifies only when it sees a sleeper. No
  // spinning first: on a small machine a polling thread takes the core the client and the
  // main thread need (measured on 2 cores: every spin length tried made 4k I/O slower).
  const tail = Atomics.load(control, Control.submitTail);
  Atomics.add(control, Control.sleepers, 1);
  if (Atomics.load(control, Control.submitHead) === tail && Atomics.load(control, Control.stop) === 0) Atomics.wait(control, Control.submitTail, tail);
  Atomics.sub(control, Control.sleepers, 1);
}
