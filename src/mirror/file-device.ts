/**
 * A leg on a local file or block device, through positional fd I/O; libuv's
 * thread pool keeps many requests in flight. Never a synchronous call on the
 * main thread: an array that stops answering (a dead path, a LUN in D state)
 * would freeze the whole engine, control socket and other leg included,
 * where the per-leg I/O timeout must instead fail that leg and carry on
 * degraded. (Inline small I/O was tried for 4k qd1 latency: within the
 * noise of this machine's bench, not worth that risk.)
 */
import { constants, read as readCallback, write as writeCallback, fdatasync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { BlockDevice } from './block-device.js';
import { LegIoError } from './errors.js';
import { ioBuffers } from './buffer-pool.js';

async function blockDeviceSizeBytes(rdev: number): Promise<number> {
  // Linux encodes major/minor in rdev; sysfs reports the size in 512-byte sectors.
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
  return sectors * 512;
}

export class FileBlockDevice implements BlockDevice {
  private constructor(
    readonly description: string,
    private readonly handle: FileHandle,
    /** The same file opened O_DSYNC: a write through it is durable for its own range only, not the whole file's dirty pages. */
    private readonly durableHandle: FileHandle,
    readonly sizeBytes: number,
  ) {}

  /** Opens a file or block device read-write. @throws LegIoError if it cannot be opened. */
  static async open(path: string): Promise<FileBlockDevice> {
    let handle: FileHandle | undefined;
    let durableHandle: FileHandle | undefined;
    try {
      handle = await open(path, 'r+');
      durableHandle = await open(path, constants.O_RDWR | constants.O_DSYNC);
      const stat = await handle.stat();
      const sizeBytes = stat.isBlockDevice() ? await blockDeviceSizeBytes(stat.rdev) : stat.size;
      return new FileBlockDevice(path, handle, durableHandle, sizeBytes);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await durableHandle?.close().catch(() => undefined);
      throw new LegIoError(`cannot open leg ${path}: ${(error as Error).message}`, { leg: path }, error);
    }
  }

  // The callback API on the raw fd: far less overhead per request than FileHandle's promises.
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const buffer = ioBuffers.take(lengthBytes);
    const fd = this.handle.fd;
    return new Promise((resolve, reject) => {
      const step = (done: number): void => {
        readCallback(fd, buffer, done, lengthBytes - done, offsetBytes + done, (error, bytesRead) => {
          if (error) { reject(error); return; }
          if (bytesRead === 0) { buffer.fill(0, done); resolve(buffer); return; }
          if (done + bytesRead < lengthBytes) step(done + bytesRead);
          else resolve(buffer);
        });
      };
      step(0);
    });
  }

  /** With `fua`, the write goes through the O_DSYNC descriptor: durable on return, for this range only. */
  write(offsetBytes: number, data: Buffer, fua = false): Promise<void> {
    const fd = fua ? this.durableHandle.fd : this.handle.fd;
    return new Promise((resolve, reject) => {
      const step = (done: number): void => {
        writeCallback(fd, data, done, data.length - done, offsetBytes + done, (error, bytesWritten) => {
          if (error) { reject(error); return; }
          if (done + bytesWritten < data.length) step(done + bytesWritten);
          else resolve();
        });
      };
      step(0);
    });
  }

  flush(): Promise<void> {
    const fd = this.handle.fd;
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    await this.durableHandle.close();
    await this.handle.close();
  }
}
