/**
 * The engine's I/O buffers, in shared memory. A leg's I/O threads (see
 * leg-io-queue.ts) can only read and write memory the main thread shares
 * with them, so a read reply or a write payload lives in a block of a
 * SharedArrayBuffer from request to reply: the socket writes a reply
 * straight from the block an I/O thread read into, and both legs' threads
 * write one payload from the same block (no copy per leg).
 *
 * Blocks come in a few size classes, each class one SharedArrayBuffer
 * reserved once (Linux commits its pages only when touched). A block goes
 * back to its class only from the one place that knows nobody holds it any
 * more (the NBD server once a reply left, the volume once every leg's write
 * of a payload completed), and a free block is reused last-in first-out so
 * the pages in use stay few.
 */

export interface ArenaClassSpec {
  blockBytes: number;
  blockCount: number;
}

/** Where a block lies, as an I/O thread names it: class index and byte offset in that class's buffer. */
export interface ArenaLocation {
  classIndex: number;
  byteOffset: number;
}

/**
 * 64 KiB blocks for the small requests (4k random I/O, metadata), 1 MiB for
 * sequential I/O, 4 MiB for the largest a client sends in one piece
 * (larger requests are cut into 4 MiB pieces by the device).
 */
export const DEFAULT_ARENA_CLASSES: readonly ArenaClassSpec[] = [
  { blockBytes: 64 * 1024, blockCount: 1024 },
  { blockBytes: 1024 * 1024, blockCount: 128 },
  { blockBytes: 4 * 1024 * 1024, blockCount: 32 },
];

interface ArenaClass {
  readonly blockBytes: number;
  readonly memory: SharedArrayBuffer;
  /** Free block indexes; the top is the most recently freed. */
  readonly free: number[];
  readonly inUse: Uint8Array;
}

export class SharedArena {
  private readonly classes: ArenaClass[];
  private waiters: { lengthBytes: number; resolve: (buffer: Buffer) => void }[] = [];

  constructor(specs: readonly ArenaClassSpec[] = DEFAULT_ARENA_CLASSES) {
    const sorted = [...specs].sort((a, b) => a.blockBytes - b.blockBytes);
    this.classes = sorted.map((spec) => ({
      blockBytes: spec.blockBytes,
      memory: new SharedArrayBuffer(spec.blockBytes * spec.blockCount),
      free: Array.from({ length: spec.blockCount }, (_unused, index) => spec.blockCount - 1 - index),
      inUse: new Uint8Array(spec.blockCount),
    }));
  }

  /** The largest request one block holds. */
  get maxBlockBytes(): number { return this.classes.at(-1)?.blockBytes ?? 0; }

  /** The shared buffers, in class order, for the I/O threads. */
  get memories(): SharedArrayBuffer[] { return this.classes.map((each) => each.memory); }

  /**
   * A block of at least `lengthBytes`, viewed as a Buffer of exactly that
   * length (contents undefined); undefined when the size is larger than any
   * class or every fitting block is in use.
   */
  tryTake(lengthBytes: number): Buffer | undefined {
    for (const arenaClass of this.classes) {
      if (arenaClass.blockBytes < lengthBytes) continue;
      const index = arenaClass.free.pop();
      if (index === undefined) continue;
      arenaClass.inUse[index] = 1;
      return Buffer.from(arenaClass.memory, index * arenaClass.blockBytes, lengthBytes);
    }
    return undefined;
  }

  /** Like tryTake, but waits for a block when all are in use. @throws RangeError beyond maxBlockBytes. */
  take(lengthBytes: number): Promise<Buffer> {
    if (lengthBytes > this.maxBlockBytes) return Promise.reject(new RangeError(`no arena block holds ${lengthBytes} bytes`));
    const block = this.tryTake(lengthBytes);
    if (block) return Promise.resolve(block);
    return new Promise((resolve) => this.waiters.push({ lengthBytes, resolve }));
  }

  /** Where a buffer of this arena lies; undefined for any other buffer. */
  locate(buffer: Uint8Array): ArenaLocation | undefined {
    for (const [classIndex, arenaClass] of this.classes.entries()) {
      if (buffer.buffer === arenaClass.memory) return { classIndex, byteOffset: buffer.byteOffset };
    }
    return undefined;
  }

  /**
   * Hands a block back; the caller must hold no reference to it. Returns
   * false (and does nothing) for a buffer this arena did not make or a block
   * already free, so a double give can never let two requests share a block.
   */
  give(buffer: Uint8Array): boolean {
    const location = this.locate(buffer);
    if (!location) return false;
    const arenaClass = this.classes[location.classIndex]!;
    const index = Math.floor(location.byteOffset / arenaClass.blockBytes);
    if (arenaClass.inUse[index] !== 1) return false;
    arenaClass.inUse[index] = 0;
    arenaClass.free.push(index);
    this.wakeWaiters();
    return true;
  }

  /** Blocks in use, over all classes. */
  get blocksInUse(): number {
    let count = 0;
    for (const arenaClass of this.classes) count += arenaClass.inUse.length - arenaClass.free.length;
    return count;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      const block = this.tryTake(waiter.lengthBytes);
      if (block) waiter.resolve(block);
      else this.waiters.push(waiter);
    }
  }
}
