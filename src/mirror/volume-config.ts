/** What a mirrored volume is (identity, from its metadata) and how it runs (tuning, from the command line). */
export interface VolumeIdentity {
  volumeUuid: string;
  dataSizeBytes: number;
  chunkSizeBytes: number;
  createdAtMs: number;
}

/** How long a leg may take to open and show its metadata unless told otherwise (VolumeTuning.connectTimeoutMs, the offline commands). */
export const DEFAULT_OPEN_TIMEOUT_MS = 5000;

export interface VolumeTuning {
  /** Cap on resync copy rate, bytes/s; 0 = unlimited. */
  resyncRateBytesPerSec: number;
  /** How often idle dirty bits are cleared (when no leg is missing). */
  sweepIntervalMs: number;
  /** How often a failed leg is tried again. */
  reconnectIntervalMs: number;
  /**
   * How long a leg may take to open (connect, for an NBD leg) and show its
   * metadata, at start and when a failed leg is tried again; one slower is
   * left out (the volume goes on without it) and tried again later.
   */
  connectTimeoutMs: number;
  /** I/O threads per file or block-device leg. Default DEFAULT_IO_THREADS (half the cores, 1 to 4). */
  ioThreadsPerLeg?: number;
}
