/**
 * A leg on a local file or block device. Its I/O runs on threads of its
 * own (see io/leg-io-queue.ts), with blocking positional calls, or, for a
 * shallow stream while libuv runs on io_uring, in the kernel's io_uring
 * (io/uring-file-io.ts): never on the main thread, where an array that
 * stops answering (a dead path, a LUN in D state) would freeze the whole
 * engine, control socket and other leg included, and never on libuv's pool,
 * which both legs would share. A hung leg thus blocks only its own threads
 * or io_uring requests, and the per-leg I/O timeout fails it.
 */
import { constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { logger } from '../log.js';
import type { BlockDevice } from './block-device.js';
import { LegIoError } from './errors.js';
import { copyBytes, ioArena } from './buffer-pool.js';
import { IoOp, type IoOpCode } from './io/ring-layout.js';
import { LegIoQueue } from './io/leg-io-queue.js';
import type { SharedArena } from './io/shared-arena.js';
import { StreamGauge } from './io/stream-gauge.js';
import { ioUringActive, UringFileIo } from './io/uring-file-io.js';

const log = logger('mirror.io');

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
  /** Send a shallow, busy stream's requests through io_uring (see io/stream-gauge.ts). Default: when libuv runs on io_uring (ioUringActive). */
  ioUring?: boolean;
  /** The monotonic clock the stream's pace is measured by (ms). Default performance.now. */
  nowMs?: () => number;
}

/** How long close() waits for io_uring requests to finish before closing the descriptors under a hung one. */
const URING_IDLE_WAIT_MS = 1000;

let opensInProgress = 0;

/**
 * File legs being opened now. An open blocks in a device that does not
 * answer (in a thread of libuv's pool, or io_uring's), and the process's
 * exit waits for it: see io/exit-past-stuck-threads.ts.
 */
export function fileLegOpensInProgress(): number { return opensInProgress; }

export class FileBlockDevice implements BlockDevice {
  private readonly arena: SharedArena = ioArena();
  private readonly stream = new StreamGauge();
  /** Requests sent each way, for tests and benchmarks. */
  readonly routed = { uring: 0, threads: 0 };

  private constructor(
    readonly description: string,
    private readonly handle: FileHandle,
    /** The same file opened O_DSYNC: a write through it is durable for its own range only, not the whole file's dirty pages. */
    private readonly durableHandle: FileHandle,
    readonly sizeBytes: number,
    private readonly queue: LegIoQueue,
    private readonly uring: UringFileIo | undefined,
    private readonly nowMs: () => number,
  ) {}

  /** Opens a file or block device read-write and starts its I/O threads. @throws LegIoError if it cannot be opened. */
  static async open(path: string, options: FileDeviceOptions = {}): Promise<FileBlockDevice> {
    let handle: FileHandle | undefined;
    let durableHandle: FileHandle | undefined;
    opensInProgress++;
    try {
      handle = await open(path, 'r+');
      durableHandle = await open(path, constants.O_RDWR | constants.O_DSYNC);
      const stat = await handle.stat();
      const sizeBytes = stat.isBlockDevice() ? await blockDeviceSizeBytes(stat.rdev) : stat.size;
      const queue = new LegIoQueue({ description: path, fd: handle.fd, durableFd: durableHandle.fd, arena: ioArena(), threads: options.ioThreads ?? DEFAULT_IO_THREADS });
      const uring = (options.ioUring ?? ioUringActive()) ? new UringFileIo(path, handle.fd, durableHandle.fd) : undefined;
      return new FileBlockDevice(path, handle, durableHandle, sizeBytes, queue, uring, options.nowMs ?? (() => performance.now()));
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await durableHandle?.close().catch(() => undefined);
      throw new LegIoError(`cannot open leg ${path}: ${(error as Error).message}`, { leg: path }, error);
    } finally {
      opensInProgress--;
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

  /** Requests in flight on this leg, both ways. */
  get inFlight(): number { return this.queue.inFlight + (this.uring?.inFlight ?? 0); }

  /**
   * A shallow, busy stream's request goes through io_uring, any other to
   * the leg's threads (see io/stream-gauge.ts). Never libuv's pool: at queue
   * depth its requests, one per leg each time the legs drained, cost the
   * main thread a pool wake-up and a completion each (4k random reads at
   * qd32: about 60k against 70-80k IOPS without), and a hung array could
   * hold a thread of the pool the whole process shares.
   */
  private run(op: IoOpCode, block: Uint8Array | undefined, offsetBytes: number): Promise<number> {
    if (this.uring && this.stream.arrive(this.inFlight, this.nowMs())) {
      this.routed.uring++;
      return this.uring.submit(op, block, offsetBytes);
    }
    this.routed.threads++;
    return this.queue.submit(op, block, offsetBytes);
  }

  async close(): Promise<void> {
    await this.queue.close();
    // A request the kernel still holds keeps its own reference to the file; one not yet
    // taken from libuv's ring names the descriptor by number, which must not be reused under it.
    if (this.uring && !(await this.uring.idle(URING_IDLE_WAIT_MS))) log.warn({ device: this.description, inFlight: this.uring.inFlight }, 'an io_uring request is still blocked in the device; closing the leg under it');
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
