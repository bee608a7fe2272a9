/**
 * The mirrored volume: every write lands on every live leg, guarded by the
 * write-intent bitmap; reads come from one current leg; a failed leg is
 * dropped and the volume goes on degraded; a returning leg is resynced from
 * the bitmap. It is the BlockExport the NBD server serves. Reads: see ReadPath.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { TandemError } from '../errors.js';
import { logger } from '../log.js';
import { chunkSpan, type ChunkBitmap } from './bitmap.js';
import { ioBuffers } from './buffer-pool.js';
import { LegIoError, MirrorError, OutOfRangeError, UnsafeError } from './errors.js';
import type { Leg } from './leg.js';
import { writeLegMetadata } from './metadata-io.js';
import type { BlockExport } from './nbd/export.js';
import type { Extent } from './nbd/protocol.js';
import { ioUringActive } from './io/uring-file-io.js';
import { RangeLock } from './range-lock.js';
import { ReadPath } from './read-path.js';
import { resyncBytes } from './resync.js';
import type { LegMetadata, Owner } from './superblock.js';
import { LegRecovery } from './recovery.js';
import { WriteIntent } from './write-intent.js';
import type { MirrorStatus, VerifyReport } from './status.js';
import { scrubLegs } from './verify.js';
import type { VolumeIdentity, VolumeTuning } from './volume-config.js';

export type { VolumeIdentity, VolumeTuning } from './volume-config.js';

const log = logger('mirror');
const ZERO_PIECE_BYTES = 4 * 1024 * 1024;

export class MirrorVolume implements BlockExport {
  readonly flushCoversAllConnections = true;
  readonly lock = new RangeLock();
  readonly intent: WriteIntent;
  eventCounter: number;
  clean = false;
  private persistChain: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly recovery: LegRecovery;
  private timers: NodeJS.Timeout[] = [];
  private sweeping = false;
  private inFlightRequests = 0;
  private readonly reads: ReadPath;

  constructor(
    readonly identity: VolumeIdentity,
    readonly legs: Leg[],
    bitmap: ChunkBitmap,
    public owner: Owner,
    eventCounter: number,
    readonly clock: Clock,
    private readonly tuning: VolumeTuning,
  ) {
    this.eventCounter = eventCounter;
    this.intent = new WriteIntent(bitmap, () => this.persistAll());
    this.recovery = new LegRecovery(this, clock, tuning);
    this.reads = new ReadPath(this);
  }

  get sizeBytes(): number { return this.identity.dataSizeBytes; }
  get chunkSizeBytes(): number { return this.identity.chunkSizeBytes; }
  private get inSyncLegs(): Leg[] { return this.legs.filter((leg) => leg.live && leg.state === 'in-sync'); }
  private get liveLegs(): Leg[] { return this.legs.filter((leg) => leg.live); }

  /** Starts the background work: resync of stale legs, idle-bit sweeps, reconnection of failed legs. */
  start(): void {
    this.timers.push(setInterval(() => void this.sweep(), this.tuning.sweepIntervalMs));
    this.timers.push(setInterval(() => void this.recovery.reconnectFailedLegs(), this.tuning.reconnectIntervalMs));
    this.recovery.startResyncIfNeeded();
  }

  /** The metadata this leg should hold now; bumps the leg's slot sequence unless `forWrite` is false. */
  metadataFor(leg: Leg, forWrite = true): LegMetadata {
    if (forWrite) leg.sequence++;
    return {
      ...this.identity,
      legIndex: leg.index,
      legCount: this.legs.length,
      sequence: leg.sequence,
      eventCounter: this.eventCounter,
      clean: this.clean,
      legStates: this.legs.map((each) => (each.state === 'in-sync' ? 'in-sync' : 'failed')),
      owner: this.owner,
      bitmap: this.intent.bitmap,
    };
  }

  /**
   * Writes the current state and bitmap to every live leg, one persist at a
   * time. A leg whose metadata write fails is failed, and the others are
   * written again with that news. @throws UnsafeError when no current leg is left.
   */
  persistAll(): Promise<void> {
    const next = this.persistChain.catch(() => undefined).then(() => this.persistAllNow());
    this.persistChain = next;
    return next;
  }

  private async persistAllNow(): Promise<void> {
    for (;;) {
      const targets = this.liveLegs;
      if (!targets.some((leg) => leg.state === 'in-sync')) throw new UnsafeError('E_NO_LEG', 'no current leg is left to record the volume state');
      const results = await Promise.allSettled(targets.map((leg) => writeLegMetadata(leg, this.metadataFor(leg))));
      let changed = false;
      results.forEach((result, index) => {
        if (result.status === 'rejected') { this.markFailed(targets[index]!, result.reason); changed = true; }
      });
      if (!changed) return;
    }
  }

  /** Marks a leg failed at once (state only); the caller persists. */
  private markFailed(leg: Leg, reason: unknown): void {
    if (leg.state === 'failed') return;
    const message = reason instanceof Error ? reason.message : String(reason);
    log.error({ leg: leg.index, device: leg.description, reason: message }, 'leg failed; volume continues degraded');
    leg.state = 'failed';
    leg.failure = message;
    leg.failedByTimeout = reason instanceof TandemError && reason.context['timedOut'] === true;
    this.eventCounter++;
    const device = leg.device;
    leg.device = undefined;
    device?.close().catch((error: unknown) => log.debug({ err: error, leg: leg.index }, 'closing failed leg'));
  }

  /** Fails a leg and resolves once the surviving legs recorded it. */
  async failLeg(leg: Leg, reason: unknown): Promise<void> {
    if (leg.state === 'failed') { await this.persistChain.catch(() => undefined); return; }
    this.markFailed(leg, reason);
    await this.persistAll();
  }

  private checkRange(offsetBytes: number, lengthBytes: number): void {
    if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes + lengthBytes > this.sizeBytes) {
      throw new OutOfRangeError(`range ${offsetBytes}+${lengthBytes} lies outside the volume of ${this.sizeBytes} bytes`, { offsetBytes, lengthBytes });
    }
    if (this.stopping) throw new MirrorError('E_SHUTDOWN', 'the volume is stopping');
  }

  /** Reads from one current leg (see ReadPath). @throws OutOfRangeError, LegIoError when no leg could serve it. */
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    try {
      this.checkRange(offsetBytes, lengthBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.reads.read(offsetBytes, lengthBytes);
  }

  async write(offsetBytes: number, data: Buffer, fua: boolean): Promise<void> {
    this.checkRange(offsetBytes, data.length);
    if (data.length === 0) return;
    const { first, last } = chunkSpan(offsetBytes, data.length, this.chunkSizeBytes);
    this.inFlightRequests++;
    const release = this.lock.tryAcquire(offsetBytes, offsetBytes + data.length) ?? await this.lock.acquire(offsetBytes, offsetBytes + data.length);
    this.intent.begin(first, last);
    try {
      const persisting = this.intent.markDirty(first, last);
      if (persisting) await persisting;
      const targets = this.liveLegs;
      const results = await Promise.allSettled(targets.map((leg) => leg.write(offsetBytes, data, fua)));
      let landed = false;
      let everyLegDone = true;
      for (const [index, result] of results.entries()) {
        const leg = targets[index]!;
        if (result.status === 'rejected') { everyLegDone = false; await this.failLeg(leg, result.reason); }
        else if (leg.state === 'in-sync') landed = true;
      }
      if (!landed) throw new LegIoError('the write reached no current leg');
      // Only now is nobody using the payload: a leg write that failed or timed out may still run with it.
      if (everyLegDone) ioBuffers.give(data);
    } finally {
      this.intent.end(first, last);
      release();
      this.inFlightRequests--;
    }
  }

  async flush(): Promise<void> {
    if (this.stopping) throw new MirrorError('E_SHUTDOWN', 'the volume is stopping');
    const targets = this.liveLegs;
    const results = await Promise.allSettled(targets.map((leg) => leg.flush()));
    for (const [index, result] of results.entries()) if (result.status === 'rejected') await this.failLeg(targets[index]!, result.reason);
    if (this.inSyncLegs.length === 0) throw new LegIoError('flush reached no current leg');
  }

  async trim(offsetBytes: number, lengthBytes: number): Promise<void> {
    // Advisory: both legs keep their data, so they stay identical.
    this.checkRange(offsetBytes, lengthBytes);
  }

  async writeZeroes(offsetBytes: number, lengthBytes: number, fua: boolean): Promise<void> {
    this.checkRange(offsetBytes, lengthBytes);
    for (let done = 0; done < lengthBytes; done += ZERO_PIECE_BYTES) {
      const piece = Math.min(ZERO_PIECE_BYTES, lengthBytes - done);
      await this.write(offsetBytes + done, Buffer.alloc(piece), fua && done + piece >= lengthBytes);
    }
  }

  async blockStatus(_offsetBytes: number, lengthBytes: number): Promise<Extent[]> {
    return [{ lengthBytes: Math.min(lengthBytes, 0x7fffffff), flags: 0 }];
  }

  /** Clears bits of idle chunks once their data is flushed on every leg (only when no leg is missing). */
  async sweep(): Promise<number> {
    if (this.sweeping || this.stopping || this.legs.some((leg) => leg.state !== 'in-sync') || this.intent.bitmap.count() === 0) return 0;
    this.sweeping = true;
    try {
      const sweepEpoch = this.intent.beginSweep();
      const candidates = this.intent.sweepCandidates(sweepEpoch);
      if (candidates.length === 0) return 0;
      await this.flush();
      if (this.legs.some((leg) => leg.state !== 'in-sync')) return 0;
      const cleared = this.intent.finishSweep(sweepEpoch, candidates);
      if (cleared > 0) await this.persistAll();
      return cleared;
    } catch (error) {
      log.warn({ err: error }, 'bitmap sweep failed');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  /** Tries to bring failed legs back (see LegRecovery). */
  reconnectFailedLegs(): Promise<void> { return this.recovery.reconnectFailedLegs(); }

  /** Caps the resync copy rate from now on, a copy under way included (bytes per second; 0 = unlimited). */
  setResyncRate(bytesPerSec: number): void {
    if (!Number.isInteger(bytesPerSec) || bytesPerSec < 0) throw new MirrorError('E_USAGE', `resync rate must be a whole number of bytes per second, got ${bytesPerSec}`);
    log.info({ from: this.tuning.resyncRateBytesPerSec, to: bytesPerSec }, 'resync rate cap changed');
    this.tuning.resyncRateBytesPerSec = bytesPerSec;
  }

  /** Takes a new device in the place of a failed leg and copies the volume onto it (see LegRecovery.replaceFailedLeg). */
  replaceFailedLeg(legIndex: number, force: boolean): Promise<void> { return this.recovery.replaceFailedLeg(legIndex, force); }

  /** Records a change of volume state on every live leg. */
  async recordStateChange(): Promise<void> {
    this.eventCounter++;
    await this.persistAll();
  }

  get stoppingNow(): boolean { return this.stopping; }
  get currentLegs(): Leg[] { return this.inSyncLegs; }

  /** Online scrub of the current legs (see scrubLegs). @throws UnsafeError E_DEGRADED with fewer than two current legs. */
  async verify(repair: boolean): Promise<VerifyReport> {
    const legs = this.inSyncLegs;
    if (legs.length < 2) throw new UnsafeError('E_DEGRADED', 'verify needs two current legs');
    return scrubLegs(legs[0]!, legs[1]!, { lock: this.lock, chunkSizeBytes: this.chunkSizeBytes, dataSizeBytes: this.sizeBytes, repair });
  }

  /** Orderly stop: drain, flush, clear the bitmap if all legs hold everything, mark clean, release the claim. */
  async close(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.recovery.stopped();
    while (this.inFlightRequests > 0 || this.lock.heldCount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const live = this.liveLegs;
    const flushed = await Promise.allSettled(live.map((leg) => leg.flush()));
    flushed.forEach((result, index) => { if (result.status === 'rejected') this.markFailed(live[index]!, result.reason); });
    if (this.legs.every((leg) => leg.state === 'in-sync')) this.intent.bitmap.clearAll();
    this.clean = true;
    this.owner = { ...this.owner, node: '' };
    this.eventCounter++;
    try {
      await this.persistAll();
    } finally {
      for (const leg of this.legs) {
        leg.stopWatchdog();
        const device = leg.device;
        leg.device = undefined;
        await device?.close().catch((error: unknown) => log.warn({ err: error, leg: leg.index }, 'closing leg'));
      }
    }
  }

  status(): MirrorStatus {
    const dirtyChunks = this.intent.bitmap.count();
    return {
      volumeUuid: this.identity.volumeUuid,
      sizeBytes: this.sizeBytes,
      chunkSizeBytes: this.chunkSizeBytes,
      owner: this.owner,
      eventCounter: this.eventCounter,
      inSync: this.legs.every((leg) => leg.state === 'in-sync'),
      degraded: this.legs.some((leg) => leg.state === 'failed'),
      legs: this.legs.map((leg) => {
        const routed = leg.device?.routed;
        return {
          index: leg.index, device: leg.description, state: leg.state, ...(leg.failure ? { failure: leg.failure } : {}), ...(leg.splitBrain ? { splitBrain: true } : {}),
          ...(routed ? { requests: { viaUring: routed.uring, viaThreads: routed.threads } } : {}),
        };
      }),
      dirtyChunks,
      dirtyBytes: resyncBytes(this.intent.bitmap.setChunks(), this.chunkSizeBytes, this.sizeBytes),
      resync: this.recovery.progress ? { ...this.recovery.progress } : null,
      resyncRateBytesPerSec: this.tuning.resyncRateBytesPerSec,
      finishedResyncs: [...this.recovery.finished],
      repairedReads: this.reads.repairedReads,
      ioUring: ioUringActive(),
    };
  }
}

/** A fresh volume UUID. */
export function newVolumeUuid(): string { return randomUUID(); }
