/**
 * A leg on a local file or block device, through positional fd I/O; libuv's
 * thread pool keeps many requests in flight.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { BlockDevice } from './block-device.js';
import { LegIoError } from './errors.js';

async function blockDeviceSizeBytes(rdev: number): Promise<number> {
  // Linux encodes major/minor in rdev; sysfs reports the size in 512-byte sectors.
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
  return sectors * 512;
}

export class FileBlockDevice implements BlockDevice {
  private constructor(readonly description: string, private readonly handle: FileHandle, readonly sizeBytes: number) {}

  /** Opens a file or block device read-write. @throws LegIoError if it cannot be opened. */
  static async open(path: string): Promise<FileBlockDevice> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r+');
      const stat = await handle.stat();
      const sizeBytes = stat.isBlockDevice() ? await blockDeviceSizeBytes(stat.rdev) : stat.size;
      return new FileBlockDevice(path, handle, sizeBytes);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw new LegIoError(`cannot open leg ${path}: ${(error as Error).message}`, { leg: path }, error);
    }
  }

  async read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(lengthBytes);
    let done = 0;
    while (done < lengthBytes) {
      const { bytesRead } = await this.handle.read(buffer, done, lengthBytes - done, offsetBytes + done);
      if (bytesRead === 0) { buffer.fill(0, done); break; }
      done += bytesRead;
    }
    return buffer;
  }

  async write(offsetBytes: number, data: Buffer, fua = false): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, offsetBytes + done);
      done += bytesWritten;
    }
    if (fua) await this.handle.datasync();
  }

  async flush(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
