/**
 * Reads of the mirrored volume: which current leg serves a read, retry on
 * the other leg when one fails, and rewriting the good data over the range
 * the failing leg could not read.
 *
 * Leg choice: each leg owns alternate stripes of the volume, so a region is
 * cached once (not once per leg) and sequential reads keep each leg's
 * read-ahead useful. When the owner of a stripe already has many more reads
 * in flight than the other leg (a slower or busier array, e.g. a remote leg
 * beside a local one), the read goes to the less busy leg instead: at queue
 * depth both legs serve, and the faster one serves more.
 */
import { logger } from '../log.js';
import { LegIoError } from './errors.js';
import type { Leg } from './leg.js';
import type { RangeLock } from './range-lock.js';

const log = logger('mirror');
const READ_STRIPE_BYTES = 4 * 1024 * 1024;
/** How many more reads in flight the stripe's owner may have before another leg takes the read. */
const IMBALANCE_READS = 8;

export interface ReadPathVolume {
  readonly currentLegs: Leg[];
  readonly lock: RangeLock;
  failLeg(leg: Leg, reason: unknown): Promise<void>;
}

export class ReadPath {
  /** Read errors answered from the other leg and rewritten onto the failing one. */
  repairedReads = 0;
  private readonly inFlight = new Map<Leg, number>();

  constructor(private readonly volume: ReadPathVolume) {}

  /** Reads from one current leg; a failure is retried on the other. @throws the last leg's error when every leg failed. */
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const readable = this.volume.currentLegs;
    if (readable.length === 0) return Promise.reject(new LegIoError('no current leg to read from'));
    const start = this.firstChoice(readable, offsetBytes);
    const first = readable[start]!;
    if (!first.live) return this.readWithRetry(readable, start, offsetBytes, lengthBytes);
    // The common case in plain promises, no async frames: it runs once per request at queue depth.
    this.inFlight.set(first, (this.inFlight.get(first) ?? 0) + 1);
    return first.read(offsetBytes, lengthBytes).then(
      (data) => { this.inFlight.set(first, (this.inFlight.get(first) ?? 1) - 1); return data; },
      (error: unknown) => {
        this.inFlight.set(first, (this.inFlight.get(first) ?? 1) - 1);
        log.warn({ err: error, leg: first.index, offsetBytes, lengthBytes }, 'read failed; trying the other leg');
        return this.readWithRetry(readable, start + 1, offsetBytes, lengthBytes, [first], error);
      },
    );
  }

  /** Tries the legs from `start` on (wrapping), each once; rewrites the good data over the legs in `bad`. */
  private async readWithRetry(readable: Leg[], start: number, offsetBytes: number, lengthBytes: number, bad: Leg[] = [], firstError?: unknown): Promise<Buffer> {
    let lastError: unknown = firstError;
    const tries = readable.length - bad.length;
    for (let attempt = 0; attempt < tries; attempt++) {
      const leg = readable[(start + attempt) % readable.length]!;
      if (!leg.live) continue;
      try {
        const data = await this.counted(leg, offsetBytes, lengthBytes);
        for (const badLeg of bad) await this.repair(badLeg, leg, offsetBytes, lengthBytes);
        return data;
      } catch (error) {
        log.warn({ err: error, leg: leg.index, offsetBytes, lengthBytes }, 'read failed; trying the other leg');
        lastError = error;
        bad.push(leg);
      }
    }
    throw lastError instanceof Error ? lastError : new LegIoError('read failed on every leg');
  }

  private firstChoice(readable: Leg[], offsetBytes: number): number {
    if (readable.length === 1) return 0;
    const owner = Math.floor(offsetBytes / READ_STRIPE_BYTES) % readable.length;
    const ownerLoad = this.inFlight.get(readable[owner]!) ?? 0;
    if (ownerLoad < IMBALANCE_READS) return owner;
    let best = owner;
    for (const [index, leg] of readable.entries()) {
      if ((this.inFlight.get(leg) ?? 0) + IMBALANCE_READS <= (this.inFlight.get(readable[best]!) ?? 0)) best = index;
    }
    return best;
  }

  private async counted(leg: Leg, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    this.inFlight.set(leg, (this.inFlight.get(leg) ?? 0) + 1);
    try {
      return await leg.read(offsetBytes, lengthBytes);
    } finally {
      this.inFlight.set(leg, (this.inFlight.get(leg) ?? 1) - 1);
    }
  }

  /** Rewrites good data over a range a leg failed to read; a leg that cannot take it is failed. */
  private async repair(badLeg: Leg, goodLeg: Leg, offsetBytes: number, lengthBytes: number): Promise<void> {
    const release = await this.volume.lock.acquire(offsetBytes, offsetBytes + lengthBytes);
    try {
      const data = await goodLeg.read(offsetBytes, lengthBytes);
      await badLeg.write(offsetBytes, data);
      this.repairedReads++;
      log.warn({ leg: badLeg.index, offsetBytes, lengthBytes }, 'rewrote good data over a read error');
    } catch (error) {
      await this.volume.failLeg(badLeg, error);
    } finally {
      release();
    }
  }
}
