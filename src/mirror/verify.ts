/**
 * Online scrub: compares two legs chunk by chunk while the volume serves.
 * Each chunk is read from both under the range lock, so writes in flight
 * cannot show up as false mismatches. With `repair`, the reference leg's
 * data is copied over every mismatch.
 */
import type { Leg } from './leg.js';
import type { RangeLock } from './range-lock.js';
import type { VerifyReport } from './status.js';

export interface ScrubOptions {
  lock: RangeLock;
  chunkSizeBytes: number;
  dataSizeBytes: number;
  repair: boolean;
}

/** @throws the first leg I/O error (the caller decides what failed). */
export async function scrubLegs(reference: Leg, other: Leg, options: ScrubOptions): Promise<VerifyReport> {
  const mismatchedChunks: number[] = [];
  let checkedBytes = 0;
  const chunkCount = Math.ceil(options.dataSizeBytes / options.chunkSizeBytes);
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    const offset = chunk * options.chunkSizeBytes;
    const length = Math.min(options.chunkSizeBytes, options.dataSizeBytes - offset);
    const release = await options.lock.acquire(offset, offset + length);
    try {
      const [a, b] = await Promise.all([reference.read(offset, length), other.read(offset, length)]);
      if (!a.equals(b)) {
        mismatchedChunks.push(chunk);
        if (options.repair) await other.write(offset, a);
      }
    } finally {
      release();
    }
    checkedBytes += length;
  }
  if (options.repair && mismatchedChunks.length > 0) await other.flush();
  return { checkedBytes, mismatchedChunks, repaired: options.repair ? mismatchedChunks.length : 0, referenceLeg: reference.index };
}
