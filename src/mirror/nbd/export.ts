/**
 * What the NBD server serves: a block export. The mirror volume implements
 * it; so does a plain file (for the first smoke tests and the bench anchor).
 */
import type { Extent } from './protocol.js';

export interface BlockExport {
  readonly sizeBytes: number;
  /** True when a flush makes every write acknowledged on any connection durable. */
  readonly flushCoversAllConnections: boolean;
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer>;
  /** `data` belongs to the export from the call on (it may recycle it); the caller must not use it again. */
  write(offsetBytes: number, data: Buffer, fua: boolean): Promise<void>;
  flush(): Promise<void>;
  trim(offsetBytes: number, lengthBytes: number, fua: boolean): Promise<void>;
  writeZeroes(offsetBytes: number, lengthBytes: number, fua: boolean): Promise<void>;
  /** base:allocation extents covering at least the first byte of the range. */
  blockStatus(offsetBytes: number, lengthBytes: number): Promise<Extent[]>;
}
