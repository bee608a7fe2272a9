/**
 * A leg on a local file or block device. Its I/O runs on threads of its
 * own (see io/leg-io-queue.ts), with blocking positional calls: never on
 * the main thread, where an array that stops answering (a dead path, a LUN
 * in D state) would freeze the whole engine, control socket and other leg
 * included, and never on libuv's pool, which both legs would share. A hung
 * leg thus blocks only its own threads, and the per-leg I/O timeout fails it.
 */
import { constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { BlockDevice } from './block-device.js';
import { LegIoError } from './errors.js';
import { copyBytes, ioArena } from './buffer-pool.js';
import { IoOp, type IoOpCode } from './io/ring-layout.js';
import { LegIoQueue } from './io/leg-io-queue.js';
import type { SharedArena } from './io/shared-arena.js';

async function blockDeviceSizeBytes(rdev: number): Promise<number> {
  // Linux encodes major/minor in rdev; sysfs reports the size in 512-byte sectors.
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
  return sectors * 512;
}

/**
 * Half a thread per core per leg, 1 to 4: on a server, a second request
 * reaches the array while one waits on it (more pay on an array with many
 * spindles or paths: `--io-threads`). On 2 cores every extra thread contends
 * with the client and the main thread: bench/mirror measured 1 thread ahead
 * of 2 on every row (4k randread qd32 0.80 vs 0.65-0.77, randwrite qd32 0.55
 * vs 0.40-0.73 of nbdkit). Threads beyond the first are woken only when
 * requests wait (see leg-io-thread.ts), so a fast leg keeps one busy.
 */
export const DEFAULT_IO_THREADS = Math.min(4, Math.max(1, Math.floor(availableParallelism() / 2)));

export interface FileDeviceOptions {
  /** I/O threads of this leg, i.e. requests at the device at once. Default DEFAULT_IO_THREADS. */
  ioThreads?: number;
}

export class FileBlockDevice implements BlockDevice {
  private readonly arena: SharedArena = ioArena();

  private constructor(
    readonly description: string,
    private readonly handle: FileHandle,
    /** The same file opened O_DSYNC: a write through it is durable for its own range only, not the whole file's dirty pages. */
    private readonly durableHandle: FileHandle,
    readonly sizeBytes: number,
    private readonly queue: LegIoQueue,
  ) {}

  /** Opens a file or block device read-write and starts its I/O threads. @throws LegIoError if it cannot be opened. */
  static async open(path: string, options: FileDeviceOptions = {}): Promise<FileBlockDevice> {
    let handle: FileHandle | undefined;
    let durableHandle: FileHandle | undefined;
    try {
      handle = await open(path, 'r+');
      durableHandle = await open(path, constants.O_RDWR | constants.O_DSYNC);
      const stat = await handle.stat();
      const sizeBytes = stat.isBlockDevice() ? await blockDeviceSizeBytes(stat.rdev) : stat.size;
      const queue = new LegIoQueue({ description: path, fd: handle.fd, durableFd: durableHandle.fd, arena: ioArena(), threads: options.ioThreads ?? DEFAULT_IO_THREADS });
      return new FileBlockDevice(path, handle, durableHandle, sizeBytes, queue);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await durableHandle?.close().catch(() => undefined);
      throw new LegIoError(`cannot open leg ${path}: ${(error as Error).message}`, { leg: path }, error);
    }
  }

  /** The data, in an arena block up to the arena's largest block (the caller gives it back), else in heap memory. */
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    if (lengthBytes > this.arena.maxBlockBytes) return this.readLarge(offsetBytes, lengthBytes);
    const block = this.arena.tryTake(lengthBytes);
    if (!block) return this.arena.take(lengthBytes).then((taken) => this.readInto(taken, offsetBytes));
    return this.readInto(block, offsetBytes);
  }

  private readInto(block: Buffer, offsetBytes: number): Promise<Buffer> {
    return this.run(IoOp.read, block, offsetBytes).then(() => block, (error: unknown) => {
      this.arena.give(block);
      throw error;
    });
  }

  private async readLarge(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(lengthBytes);
    await this.inPieces(lengthBytes, async (block, pieceOffset) => {
      await this.run(IoOp.read, block, offsetBytes + pieceOffset);
      copyBytes(block, out, pieceOffset);
    });
    return out;
  }

  /** With `fua`, the write goes through the O_DSYNC descriptor: durable on return, for this range only. */
  write(offsetBytes: number, data: Buffer, fua = false): Promise<void> {
    const op = fua ? IoOp.writeDurable : IoOp.write;
    if (this.arena.locate(data)) return this.run(op, data, offsetBytes).then(() => undefined);
    return this.inPieces(data.length, async (block, pieceOffset) => {
      copyBytes(data.subarray(pieceOffset, pieceOffset + block.length), block);
      await this.run(op, block, offsetBytes + pieceOffset);
    });
  }

  flush(): Promise<void> {
    return this.run(IoOp.flush, undefined, 0).then(() => undefined);
  }

  /**
   * Every request goes to the leg's own threads, also a lone one. libuv's
   * pool answered a lone request sooner (bench/mirror: about 8% more 4k
   * writes at queue depth 1, where this machine's wake-ups dominate), but
   * at queue depth its requests, one per leg each time the legs drained,
   * cost the main thread a pool wake-up and a completion each: 4k random
   * reads at qd32 went from about 60k to 70-80k IOPS without it. It also
   * kept a hung array able to hold a thread of the pool the whole process
   * shares.
   */
  private run(op: IoOpCode, block: Uint8Array | undefined, offsetBytes: number): Promise<number> {
    return this.queue.submit(op, block, offsetBytes);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.durableHandle.close();
    await this.handle.close();
  }

  /**
   * Runs `each` on arena blocks covering `lengthBytes` in the largest pieces
   * the arena has, all at once; a block is given back once its piece is done
   * (a piece stuck in a hung device keeps its block).
   */
  private async inPieces(lengthBytes: number, each: (block: Buffer, pieceOffset: number) => Promise<void>): Promise<void> {
    const pieceBytes = this.arena.maxBlockBytes;
    const pieces: Promise<void>[] = [];
    for (let pieceOffset = 0; pieceOffset < lengthBytes; pieceOffset += pieceBytes) {
      const length = Math.min(pieceBytes, lengthBytes - pieceOffset);
      pieces.push(this.arena.take(length).then(async (block) => {
        try {
          await each(block, pieceOffset);
        } finally {
          this.arena.give(block);
        }
      }));
    }
    await Promise.all(pieces);
  }
}
