import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../clock.js';
import { RangeLock } from './range-lock.js';
import { runResync, type ResyncJob, type ResyncProgress } from './resync.js';

const CHUNK_BYTES = 4096;

/** A copy of `chunkCount` chunks between two buffers, capped at `rate()` bytes per second. */
function copyJob(chunkCount: number, rate: () => number, cancelled: () => boolean = () => false): { job: ResyncJob; source: Buffer; target: Buffer } {
  const source = Buffer.alloc(chunkCount * CHUNK_BYTES);
  for (let index = 0; index < source.length; index++) source[index] = index % 251;
  const target = Buffer.alloc(source.length);
  const progress: ResyncProgress = { targetLeg: 1, sourceLeg: 0, totalBytes: source.length, doneBytes: 0, chunksTotal: chunkCount, chunksDone: 0, startedAtMs: 0 };
  const job: ResyncJob = {
    chunks: Array.from({ length: chunkCount }, (_unused, chunk) => chunk), chunkSizeBytes: CHUNK_BYTES, dataSizeBytes: source.length,
    rateBytesPerSec: rate, lock: new RangeLock(), clock: systemClock, progress, cancelled,
    readSource: (offset, length) => Promise.resolve(Buffer.from(source.subarray(offset, offset + length))),
    writeTarget: (offset, data) => { data.copy(target, offset); return Promise.resolve(); },
    flushTarget: () => Promise.resolve(),
  };
  return { job, source, target };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a rate cap holds the copy back, and lifting it while the copy waits lets it finish', { timeout: 10_000 }, async () => {
  let rate = 1; // a byte a second: the second chunk would be due in over an hour
  const { job, source, target } = copyJob(8, () => rate);
  const copy = runResync(job);
  await sleep(300);
  assert.equal(job.progress.chunksDone, 1, 'one chunk, then the cap holds the copy');
  rate = 0;
  assert.equal(await copy, true);
  assert.equal(job.progress.chunksDone, 8);
  assert.ok(target.equals(source));
});

test('a cap set while the copy runs unlimited applies from then on', { timeout: 10_000 }, async () => {
  let rate = 0;
  let copiedBeforeCap = 0;
  const { job } = copyJob(64, () => rate);
  const write = job.writeTarget;
  job.writeTarget = async (offset, data) => {
    await write(offset, data);
    if (job.progress.chunksDone >= 3 && rate === 0) { rate = 1; copiedBeforeCap = job.progress.chunksDone + 1; }
  };
  let stopped = false;
  job.cancelled = () => stopped;
  const copy = runResync(job);
  await sleep(300);
  // The chunks already in flight when the cap came (up to one per worker) land; then one copy at a time, held back.
  assert.ok(job.progress.chunksDone < 64 && job.progress.chunksDone <= copiedBeforeCap + 4, `held back after the cap: ${job.progress.chunksDone} chunks`);
  stopped = true;
  assert.equal(await copy, false, 'a stop during the wait is seen at once');
});

test('a stop while the cap holds the copy back ends it without waiting for the cap', { timeout: 10_000 }, async () => {
  let stopped = false;
  const { job } = copyJob(4, () => 1, () => stopped);
  const copy = runResync(job);
  await sleep(200);
  stopped = true;
  assert.equal(await copy, false);
  assert.equal(job.progress.chunksDone, 1);
});
