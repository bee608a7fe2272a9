/**
 * The engine's I/O buffers: blocks of the process's shared arena (see
 * io/shared-arena.ts), so that a leg's I/O threads can fill and drain them.
 * Reusing blocks also keeps the garbage collector out of the data path: a
 * fresh 1 MiB buffer per request once cost a quarter of the engine's busy
 * time (issue 6).
 */
import { SharedArena } from './io/shared-arena.js';

let arena: SharedArena | undefined;

/**
 * Copies all of `source` into `target` at `targetStart` as one plain
 * memcpy, and returns the bytes copied. For the arena's shared memory:
 * Buffer#copy is TypedArray#set, which V8 runs as a relaxed-atomic copy
 * when either side is shared (about 1.6x the time of a memcpy for 1 MiB
 * here); Buffer#fill with a buffer of the range's length is a memcpy in
 * Node's C++. @throws RangeError when `source` does not fit.
 */
export function copyBytes(source: Uint8Array, target: Buffer, targetStart = 0): number {
  if (source.length === 0) return 0;
  if (targetStart < 0 || targetStart + source.length > target.length) throw new RangeError(`copyBytes: ${source.length} bytes do not fit at ${targetStart} in ${target.length}`);
  target.fill(source, targetStart, targetStart + source.length);
  return source.length;
}

/** The process's arena, made on first use (a CLI command that does no I/O reserves nothing). */
export function ioArena(): SharedArena {
  arena ??= new SharedArena();
  return arena;
}

export const ioBuffers = {
  /**
   * A buffer of exactly `lengthBytes`, contents undefined: an arena block,
   * or plain heap memory when the arena has none free for that size (the
   * leg device then copies it into a block of its own).
   */
  take(lengthBytes: number): Buffer {
    return ioArena().tryTake(lengthBytes) ?? Buffer.allocUnsafe(lengthBytes);
  },
  /** Hands a buffer back; the caller must hold no reference. Buffers the arena did not make are ignored. */
  give(buffer: Uint8Array): void {
    arena?.give(buffer);
  },
};
