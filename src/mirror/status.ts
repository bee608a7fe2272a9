/** Plain data the engine reports (status, verify); rendered by the CLI. */
import type { ResyncProgress } from './resync.js';
import type { Owner } from './superblock.js';
import type { FinishedResync } from './recovery.js';

export interface LegStatus {
  index: number;
  device: string;
  state: 'in-sync' | 'resyncing' | 'failed';
  failure?: string;
  splitBrain?: boolean;
  /** A file leg's requests so far, by the way they went (see io/stream-gauge.ts). */
  requests?: { viaUring: number; viaThreads: number };
}

export interface MirrorStatus {
  volumeUuid: string;
  sizeBytes: number;
  chunkSizeBytes: number;
  owner: Owner;
  eventCounter: number;
  /** Every leg current. */
  inSync: boolean;
  /** Some leg failed (missing). */
  degraded: boolean;
  legs: LegStatus[];
  dirtyChunks: number;
  dirtyBytes: number;
  resync: ResyncProgress | null;
  /** The resync copy rate cap now, bytes per second; 0 = unlimited (--resync-rate, or `tandem mirror tune`). */
  resyncRateBytesPerSec: number;
  finishedResyncs: FinishedResync[];
  repairedReads: number;
  /** Whether libuv runs on io_uring, so that a file leg's busy queue-depth-1 stream goes there. */
  ioUring: boolean;
}

export interface VerifyReport {
  checkedBytes: number;
  mismatchedChunks: number[];
  repaired: number;
  referenceLeg: number;
}
