/**
 * Serves one BlockDevice as is (no mirroring): the NBD server's own smoke
 * tests use it, and it shows the server's cost apart from the engine's.
 */
import type { BlockDevice } from '../block-device.js';
import type { BlockExport } from './export.js';
import type { Extent } from './protocol.js';

const ZERO_CHUNK_BYTES = 1024 * 1024;

export class DeviceExport implements BlockExport {
  readonly flushCoversAllConnections = true;
  constructor(private readonly device: BlockDevice) {}
  get sizeBytes(): number { return this.device.sizeBytes; }
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> { return this.device.read(offsetBytes, lengthBytes); }
  write(offsetBytes: number, data: Buffer, fua: boolean): Promise<void> { return this.device.write(offsetBytes, data, fua); }
  flush(): Promise<void> { return this.device.flush(); }
  async trim(): Promise<void> { /* advisory; the data stays */ }
  async writeZeroes(offsetBytes: number, lengthBytes: number, fua: boolean): Promise<void> {
    for (let done = 0; done < lengthBytes; done += ZERO_CHUNK_BYTES) {
      const part = Math.min(ZERO_CHUNK_BYTES, lengthBytes - done);
      await this.device.write(offsetBytes + done, Buffer.alloc(part), false);
    }
    if (fua) await this.device.flush();
  }
  async blockStatus(_offsetBytes: number, lengthBytes: number): Promise<Extent[]> {
    return [{ lengthBytes: Math.min(lengthBytes, 0xffffffff), flags: 0 }];
  }
}
