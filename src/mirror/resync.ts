/**
 * Copies the chunks a bitmap marks from a current leg to a stale one while
 * the volume stays online. Each chunk is copied under the range lock, so a
 * write to it waits (and then lands on both legs). The copy rate is capped
 * so that application I/O keeps its latency.
 */
import type { Clock } from '../clock.js';
import type { RangeLock } from './range-lock.js';

export interface ResyncProgress {
  targetLeg: number;
  sourceLeg: number;
  totalBytes: number;
  doneBytes: number;
  chunksTotal: number;
  chunksDone: number;
  startedAtMs: number;
  /** Milliseconds from start until the last chunk was copied (before the final flush of the target). */
  copiedAtMs?: number;
}

export interface ResyncJob {
  chunks: readonly number[];
  chunkSizeBytes: number;
  dataSizeBytes: number;
  /** Bytes per second; 0 = unlimited. */
  rateBytesPerSec: number;
  lock: RangeLock;
  clock: Clock;
  readSource: (offsetBytes: number, lengthBytes: number) => Promise<Buffer>;
  writeTarget: (offsetBytes: number, data: Buffer) => Promise<void>;
  flushTarget: () => Promise<void>;
  cancelled: () => boolean;
  progress: ResyncProgress;
}

/** Chunks copied concurrently when the rate is not capped. */
export const RESYNC_CHUNKS_IN_FLIGHT = 4;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes a resync of these chunks copies (the last chunk may be short). */
export function resyncBytes(chunks: readonly number[], chunkSizeBytes: number, dataSizeBytes: number): number {
  return chunks.reduce((total, chunk) => total + Math.min(chunkSizeBytes, dataSizeBytes - chunk * chunkSizeBytes), 0);
}

/**
 * Runs the copy. Resolves true when every chunk was copied and the target
 * flushed, false when cancelled. @throws the first I/O error (the caller
 * decides which leg failed).
 */
export async function runResync(job: ResyncJob): Promise<boolean> {
  const startedMs = job.clock.monotonicMs();
  let next = 0;
  // A few chunks in flight keep both legs busy (read of one overlaps the write of another).
  const worker = async (): Promise<void> => {
    while (next < job.chunks.length && !job.cancelled()) {
      const chunk = job.chunks[next++]!;
      const offset = chunk * job.chunkSizeBytes;
      const length = Math.min(job.chunkSizeBytes, job.dataSizeBytes - offset);
      const release = await job.lock.acquire(offset, offset + length);
      try {
        const data = await job.readSource(offset, length);
        await job.writeTarget(offset, data);
      } finally {
        release();
      }
      job.progress.doneBytes += length;
      job.progress.chunksDone++;
      if (job.rateBytesPerSec > 0) {
        const dueMs = (job.progress.doneBytes / job.rateBytesPerSec) * 1000;
        const elapsedMs = job.clock.monotonicMs() - startedMs;
        if (dueMs > elapsedMs) await sleep(dueMs - elapsedMs);
      } else {
        // Let queued application requests in between chunks.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  };
  const workers = job.rateBytesPerSec > 0 ? 1 : RESYNC_CHUNKS_IN_FLIGHT;
  await Promise.all(Array.from({ length: workers }, worker));
  if (job.cancelled()) return false;
  job.progress.copiedAtMs = job.clock.monotonicMs() - startedMs;
  await job.flushTarget();
  return true;
}
