/**
 * Write-intent bookkeeping. Before a write touches a chunk, its bit must be
 * set AND persisted on the legs; many writers share one metadata write
 * (batching). Bits are cleared lazily: a sweep clears the bits of chunks
 * with no write in flight and none since the sweep's flush began.
 * Persistence is injected, so this is pure logic.
 */
import type { ChunkBitmap } from './bitmap.js';
import { asTandemError } from '../errors.js';

const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : asTandemError(thrown));

export type PersistBitmap = (bitmap: ChunkBitmap) => Promise<void>;

export class WriteIntent {
  private readonly inFlight: Uint32Array;
  private readonly touchedEpoch: Uint32Array;
  private epoch = 1;
  /** Bumped whenever the in-memory bitmap gains a bit. */
  private memoryVersion = 0;
  private persistedVersion = 0;
  private persisting: Promise<void> | undefined;
  private persistFailure: unknown;

  constructor(readonly bitmap: ChunkBitmap, private readonly persist: PersistBitmap) {
    this.inFlight = new Uint32Array(bitmap.chunkCount);
    this.touchedEpoch = new Uint32Array(bitmap.chunkCount);
  }

  /** Counts a write in flight on chunks [first, last]; pair with end(). */
  begin(first: number, last: number): void {
    for (let chunk = first; chunk <= last; chunk++) { this.inFlight[chunk]!++; this.touchedEpoch[chunk] = this.epoch; }
  }

  end(first: number, last: number): void {
    for (let chunk = first; chunk <= last; chunk++) this.inFlight[chunk]!--;
  }

  /**
   * Resolves once bits [first, last] are set in persisted metadata; returns
   * undefined (no promise) when they already are.
   * @throws whatever the persist function threw (no leg could record the bits).
   */
  markDirty(first: number, last: number): Promise<void> | undefined {
    let added = false;
    for (let chunk = first; chunk <= last; chunk++) {
      if (!this.bitmap.has(chunk)) { this.bitmap.set(chunk); added = true; }
    }
    if (added) this.memoryVersion++;
    // Fast path (the common case): every bit is already on disk, nothing to wait for.
    if (this.persistedVersion >= this.memoryVersion) return undefined;
    return this.waitPersisted(this.memoryVersion);
  }

  private async waitPersisted(needed: number): Promise<void> {
    while (this.persistedVersion < needed) {
      if (this.persisting) { await this.persisting.catch(() => undefined); continue; }
      await this.persistNow();
      if (this.persistedVersion < needed && this.persistFailure !== undefined) throw asError(this.persistFailure);
    }
  }

  /** Writes the current bitmap now (one writer at a time; callers share it). */
  persistNow(): Promise<void> {
    if (this.persisting) return this.persisting.then(() => this.persistNow());
    const version = this.memoryVersion;
    const snapshot = this.bitmap.clone();
    this.persisting = this.persist(snapshot).then(
      () => { this.persistedVersion = Math.max(this.persistedVersion, version); this.persistFailure = undefined; },
      (error: unknown) => { this.persistFailure = error; throw error; },
    ).finally(() => { this.persisting = undefined; });
    return this.persisting;
  }

  /** Starts a sweep: returns the epoch to pass to finishSweep after the legs were flushed. */
  beginSweep(): number {
    const sweepEpoch = this.epoch++;
    // Writes in flight now may finish after the flush began: keep their bits.
    this.inFlight.forEach((count, chunk) => { if (count > 0) this.touchedEpoch[chunk] = this.epoch; });
    return sweepEpoch;
  }

  /**
   * Chunks a sweep begun at `sweepEpoch` may clear: set, no write in flight,
   * and idle for a whole sweep interval before it (so that a region being
   * written is not cleared and set again on every sweep).
   */
  sweepCandidates(sweepEpoch: number): number[] {
    return this.bitmap.setChunks().filter((chunk) => this.inFlight[chunk] === 0 && this.touchedEpoch[chunk]! < sweepEpoch);
  }

  /**
   * Clears the bits of candidates still idle (their data was flushed to every
   * leg before this call). Returns the number of bits cleared; the caller
   * persists them.
   */
  finishSweep(sweepEpoch: number, candidates: readonly number[] = this.sweepCandidates(sweepEpoch)): number {
    let cleared = 0;
    for (const chunk of candidates) {
      if (this.bitmap.has(chunk) && this.inFlight[chunk] === 0 && this.touchedEpoch[chunk]! < sweepEpoch) { this.bitmap.clear(chunk); cleared++; }
    }
    return cleared;
  }
}
