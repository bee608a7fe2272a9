/**
 * The memory a leg's I/O queue shares with its I/O threads, laid out once
 * here so that both sides read it alike. One SharedArrayBuffer holds:
 * - control words (submit head and tail, sleeping threads, stop, completion tail);
 * - the submit ring: slot numbers the main thread queued, taken by the threads;
 * - the completion ring: slot number + 1 of each finished request (0 = empty);
 * - the slots: one request each (operation, arena block, length, result);
 * - each slot's file offset, as a double (exact to 2^53 bytes);
 * - each slot's submit time, in ms since the epoch with sub-ms precision
 *   (performance.timeOrigin + performance.now(): the same clock in every thread).
 * Pure: no threads or I/O here.
 */

export const IoOp = { read: 1, write: 2, writeDurable: 3, flush: 4 } as const;
export type IoOpCode = (typeof IoOp)[keyof typeof IoOp];
/** How an operation is named in errors and logs. */
export const IO_OP_NAMES: Readonly<Record<IoOpCode, string>> = { [IoOp.read]: 'read', [IoOp.write]: 'write', [IoOp.writeDurable]: 'write', [IoOp.flush]: 'flush' };

/** Indexes of the control words. */
export const Control = { submitHead: 0, submitTail: 1, sleepers: 2, stop: 3, completedTail: 4 } as const;
const CONTROL_WORDS = 8;

/** Words of one slot, and what each holds. */
export const SLOT_WORDS = 5;
export const SlotField = { op: 0, arenaClass: 1, arenaOffset: 2, lengthBytes: 3, result: 4 } as const;

export interface RingViews {
  readonly slotCount: number;
  readonly control: Int32Array;
  readonly submitted: Int32Array;
  readonly completed: Int32Array;
  readonly slots: Int32Array;
  readonly fileOffsets: Float64Array;
  readonly submittedAtMs: Float64Array;
}

function intWords(slotCount: number): number {
  return CONTROL_WORDS + 2 * slotCount + SLOT_WORDS * slotCount;
}

/** Bytes of shared memory a ring of `slotCount` slots needs. */
export function ringBytes(slotCount: number): number {
  const intBytes = Math.ceil((intWords(slotCount) * 4) / 8) * 8;
  return intBytes + 2 * slotCount * 8;
}

/** Views of a ring's shared memory (made by ringBytes(slotCount)). */
export function ringViews(memory: SharedArrayBuffer, slotCount: number): RingViews {
  const intBytes = Math.ceil((intWords(slotCount) * 4) / 8) * 8;
  return {
    slotCount,
    control: new Int32Array(memory, 0, CONTROL_WORDS),
    submitted: new Int32Array(memory, CONTROL_WORDS * 4, slotCount),
    completed: new Int32Array(memory, (CONTROL_WORDS + slotCount) * 4, slotCount),
    slots: new Int32Array(memory, (CONTROL_WORDS + 2 * slotCount) * 4, SLOT_WORDS * slotCount),
    fileOffsets: new Float64Array(memory, intBytes, slotCount),
    submittedAtMs: new Float64Array(memory, intBytes + slotCount * 8, slotCount),
  };
}

/** What an I/O thread is started with (its workerData). */
export interface LegIoThreadData {
  ring: SharedArrayBuffer;
  slotCount: number;
  /** The arena's shared buffers, by class index. */
  arenas: SharedArrayBuffer[];
  /** One word the threads bump (and notify) after each completion. */
  doorbell: SharedArrayBuffer;
  fd: number;
  /** The same file opened O_DSYNC, for FUA writes. */
  durableFd: number;
}
