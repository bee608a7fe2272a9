/**
 * A file leg's requests through libuv's file calls, which libuv runs on
 * io_uring when the process started with UV_USE_IO_URING=1 (Node 20 leaves
 * it off by default: CVE-2024-22017 concerns processes that drop privileges
 * with setuid, which the engine never does). The kernel then runs a request
 * that can complete at once (data in the page cache) in its submission
 * thread, and punts one that must wait on the device (a flush, a read of
 * uncached data, an array that hangs) to io_uring workers of its own: no
 * thread of ours is woken, and neither the main thread nor libuv's shared
 * pool ever blocks in the device. Only used while io_uring is active
 * (ioUringActive): otherwise these calls would run on libuv's pool, which a
 * hung array could hold.
 *
 * The cost: libuv's ring polls (IORING_SETUP_SQPOLL), so while requests
 * flow through it, a kernel thread of the engine ("iou-sqp-PID") keeps a
 * core busy, and sleeps 10 ms after the last one: hence only a busy stream
 * comes here (io/stream-gauge.ts).
 */
import { fdatasync, read, readdirSync, readFileSync, write } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { logger } from '../../log.js';
import { LegIoError } from '../errors.js';
import { IO_OP_NAMES, IoOp, type IoOpCode } from './ring-layout.js';

const log = logger('mirror.io');

let uringActive: boolean | undefined;

/**
 * Whether libuv runs this process's file calls on io_uring: true when the
 * main event loop's submission-polling kernel thread (`iou-sqp-<pid>`)
 * exists. False when UV_USE_IO_URING was not set at start, the kernel lacks
 * io_uring, or it is disabled (sysctl kernel.io_uring_disabled). Read once.
 */
export function ioUringActive(): boolean {
  if (uringActive !== undefined) return uringActive;
  const pollerName = `iou-sqp-${process.pid}`;
  uringActive = false;
  try {
    for (const task of readdirSync('/proc/self/task')) {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === pollerName) uringActive = true;
    }
  } catch (error) {
    // No /proc (not Linux): no io_uring either.
    log.debug({ err: error }, 'cannot list this process\'s threads; taking io_uring as off');
    uringActive = false;
  }
  return uringActive;
}

type Done = (error: Error | null, bytes: number) => void;

export class UringFileIo {
  /** Requests submitted and not yet finished. */
  inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  /** `durableFd` is the same file opened O_DSYNC, for FUA writes. The descriptors stay the caller's. */
  constructor(private readonly description: string, private readonly fd: number, private readonly durableFd: number) {}

  /**
   * Runs one request on `block` (none for flush) and resolves with the bytes
   * moved. A read past the end of the file reads zeroes, as the I/O threads
   * do. @throws LegIoError with the errno's name when the call failed.
   */
  submit(op: IoOpCode, block: Uint8Array | undefined, offsetBytes: number): Promise<number> {
    this.inFlight++;
    return new Promise<number>((resolve, reject) => {
      const done: Done = (error, bytes) => {
        if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        if (!error) { resolve(bytes); return; }
        const errno = (error as NodeJS.ErrnoException).errno;
        const name = typeof errno === 'number' ? getSystemErrorName(errno) : error.message;
        reject(new LegIoError(`${this.description}: ${IO_OP_NAMES[op]} at ${offsetBytes} failed: ${name}`, { errno }, error));
      };
      if (op === IoOp.flush) fdatasync(this.fd, (error) => done(error, 0));
      else if (op === IoOp.read) this.readAll(block ?? new Uint8Array(0), offsetBytes, 0, done);
      else this.writeAll(op === IoOp.writeDurable ? this.durableFd : this.fd, block ?? new Uint8Array(0), offsetBytes, 0, done);
    });
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs` (a request hangs in the device). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(true); });
    });
  }

  private readAll(view: Uint8Array, offsetBytes: number, doneBytes: number, done: Done): void {
    read(this.fd, view, doneBytes, view.length - doneBytes, offsetBytes + doneBytes, (error, bytes) => {
      if (error) { done(error, 0); return; }
      if (bytes === 0) { view.fill(0, doneBytes); done(null, view.length); return; }
      if (doneBytes + bytes < view.length) this.readAll(view, offsetBytes, doneBytes + bytes, done);
      else done(null, view.length);
    });
  }

  private writeAll(fd: number, view: Uint8Array, offsetBytes: number, doneBytes: number, done: Done): void {
    write(fd, view, doneBytes, view.length - doneBytes, offsetBytes + doneBytes, (error, bytes) => {
      if (error) { done(error, 0); return; }
      if (doneBytes + bytes < view.length) this.writeAll(fd, view, offsetBytes, doneBytes + bytes, done);
      else done(null, view.length);
    });
  }
}
