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
  /** The copy rate cap now, bytes per second (0 = unlimited); read at every chunk, so it can change while the copy runs. */
  rateBytesPerSec: () => number;
  lock: RangeLock;
  clock: Clock;
  readSource: (offsetBytes: number, lengthBytes: number) => Promise<Buffer>;
  writeTarget: (offsetBytes: number, data: Buffer) => Promise<void>;
  flushTarget: () => Promise<void>;
  cancelled: () => boolean;
  progress: ResyncProgress;
}

/** Chunks copied concurrently when the rate is not capped (one when it is: no bursts). */
export const RESYNC_CHUNKS_IN_FLIGHT = 4;
/** How often a copy held back by the rate cap (or idled by it) looks whether the cap changed or the copy was stopped. */
const IDLE_WORKER_CHECK_MS = 100;

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
  // The pace is counted from the last change of the cap, so a new cap applies from now on.
  let pace = { rateBytesPerSec: job.rateBytesPerSec(), sinceMs: startedMs, doneBytesAtStart: 0 };
  let next = 0;
  // A few chunks in flight keep both legs busy (read of one overlaps the write of another).
  const worker = async (workerIndex: number): Promise<void> => {
    while (next < job.chunks.length && !job.cancelled()) {
      if (workerIndex > 0 && job.rateBytesPerSec() > 0) {
        await sleep(IDLE_WORKER_CHECK_MS);
        continue;
      }
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
      await keepPace();
    }
  };
  // Waits until the copy is back under the cap, in slices: a new cap, or a stop, is seen within one.
  const keepPace = async (): Promise<void> => {
    while (!job.cancelled()) {
      const rateBytesPerSec = job.rateBytesPerSec();
      if (rateBytesPerSec !== pace.rateBytesPerSec) pace = { rateBytesPerSec, sinceMs: job.clock.monotonicMs(), doneBytesAtStart: job.progress.doneBytes };
      if (rateBytesPerSec <= 0) {
        // Let queued application requests in between chunks.
        await new Promise<void>((resolve) => setImmediate(resolve));
        return;
      }
      const aheadMs = ((job.progress.doneBytes - pace.doneBytesAtStart) / rateBytesPerSec) * 1000 - (job.clock.monotonicMs() - pace.sinceMs);
      if (aheadMs <= 0) return;
      await sleep(Math.min(aheadMs, IDLE_WORKER_CHECK_MS));
    }
  };
  await Promise.all(Array.from({ length: RESYNC_CHUNKS_IN_FLIGHT }, (_unused, workerIndex) => worker(workerIndex)));
  if (job.cancelled()) return false;
  job.progress.copiedAtMs = job.clock.monotonicMs() - startedMs;
  await job.flushTarget();
  return true;
}
