/**
 * Bringing legs back: a failed leg is tried again periodically; when it
 * returns (same volume, no history of its own) it is admitted as resyncing
 * and the chunks in the bitmap are copied to it from a current leg, online.
 */
import type { Clock } from '../clock.js';
import { logger } from '../log.js';
import { checkReturningLeg } from './assembly.js';
import { ioBuffers } from './buffer-pool.js';
import { MetadataError, MirrorError, UnsafeError } from './errors.js';
import { openLegDevice, type Leg } from './leg.js';
import { openLegWithin } from './lifecycle.js';
import { readLegMetadata } from './metadata-io.js';
import { checkReplacement, replacementMetadata, writeReplacement } from './replace.js';
import { resyncBytes, runResync, type ResyncProgress } from './resync.js';
import type { LegMetadata } from './superblock.js';
import type { MirrorVolume, VolumeTuning } from './volume.js';
import { withTimeout } from './with-timeout.js';

const log = logger('mirror');

/** A resync that ended. `durationMs` includes the final flush of the target; `copyDurationMs` does not. */
export interface FinishedResync { targetLeg: number; bytes: number; chunks: number; durationMs: number; copyDurationMs: number; outcome: 'done' | 'cancelled' | 'failed' }

export class LegRecovery {
  progress: ResyncProgress | undefined;
  readonly finished: FinishedResync[] = [];
  private task: Promise<void> | undefined;

  constructor(private readonly volume: MirrorVolume, private readonly clock: Clock, private readonly tuning: VolumeTuning) {}

  /** Resolves once no resync is running (call after the volume started stopping). */
  async stopped(): Promise<void> {
    while (this.task) await this.task;
  }

  /** Tries each failed leg once; a returning leg is admitted and resynced from the bitmap. */
  async reconnectFailedLegs(): Promise<void> {
    const volume = this.volume;
    for (const leg of volume.legs) {
      if (leg.state !== 'failed' || leg.reconnecting || volume.stoppingNow) continue;
      leg.reconnecting = true;
      try {
        const device = await openLegDevice(leg.spec, this.tuning.connectTimeoutMs, this.tuning.ioThreadsPerLeg);
        let meta: LegMetadata;
        try {
          meta = await withTimeout(readLegMetadata(device), this.tuning.connectTimeoutMs, `reading the metadata of returning leg ${leg.index}`);
          const current = volume.currentLegs[0];
          try {
            checkReturningLeg(current ? volume.metadataFor(current, false) : undefined, meta, { ...volume.identity, legIndex: leg.index });
          } catch (error) {
            if (error instanceof UnsafeError && !leg.splitBrain) log.error({ leg: leg.index }, 'returning leg was written without the current one (split brain); keeping it out');
            if (error instanceof UnsafeError) leg.splitBrain = true;
            throw error;
          }
        } catch (error) {
          await device.close().catch(() => undefined);
          throw error;
        }
        if (volume.stoppingNow) { await device.close(); return; }
        log.info({ leg: leg.index, device: leg.description, dirtyChunks: meta.bitmap.count() }, 'leg is back; resyncing');
        // Its own bits cover writes that reached it alone before it failed.
        volume.intent.bitmap.unionWith(meta.bitmap);
        leg.sequence = meta.sequence;
        leg.device = device;
        leg.state = 'resyncing';
        leg.failure = undefined;
        await volume.recordStateChange();
        if (leg.failedByTimeout) {
          // Requests the stalled server still held may land now; their chunks are in the bitmap,
          // so copying after they landed makes the leg whole.
          leg.failedByTimeout = false;
          await new Promise((resolve) => setTimeout(resolve, leg.ioTimeoutMs));
        }
        this.startResyncIfNeeded();
      } catch (error) {
        if (error instanceof MetadataError || (error instanceof MirrorError && error.code === 'E_WRONG_LEG')) {
          // It answers but is not this volume's leg: most likely a new array put in place of the dead one.
          const failure = `${error.message}; if it is a new array in place of the failed one: tandem mirror replace --control SOCKET --leg ${leg.index}`;
          if (leg.failure !== failure) log.warn({ leg: leg.index, device: leg.description, reason: error.message }, 'failed leg answers again, but not as this volume\'s leg: keeping it out');
          leg.failure = failure;
        } else {
          log.debug({ err: error, leg: leg.index }, 'leg still unavailable');
        }
      } finally {
        leg.reconnecting = false;
      }
    }
  }

  /**
   * Takes a new device in the place of failed leg `legIndex` (its array
   * died and was replaced at the same path or address): gives it this
   * volume's metadata as a stale leg with every chunk dirty (see
   * replace.ts), then admits it as a returning leg, which starts the copy of
   * the whole volume onto it.
   * @throws UnsafeError when the leg is not failed, no current leg is left,
   * or the device holds a tandem leg (unless `force`); the open's or the
   * write's error when the device does not answer.
   */
  async replaceFailedLeg(legIndex: number, force: boolean): Promise<void> {
    const volume = this.volume;
    const leg = volume.legs[legIndex];
    if (!leg) throw new MirrorError('E_USAGE', `the volume has no leg ${legIndex}`);
    if (volume.stoppingNow) throw new UnsafeError('E_STOPPING', 'the engine is stopping');
    const notFailed = (): UnsafeError => new UnsafeError('E_LEG_NOT_FAILED', `leg ${legIndex} is ${leg.state}: only a failed leg is replaced`, { leg: legIndex });
    if (leg.state !== 'failed') throw notFailed();
    const current = volume.currentLegs[0];
    if (!current) throw new UnsafeError('E_NO_LEG', 'no current leg is left to copy from');
    // A periodic attempt to bring the leg back may be under way: it ends within its own deadlines,
    // and may have taken the old array back in meanwhile.
    while (leg.reconnecting) await new Promise((resolve) => setTimeout(resolve, 20));
    if (leg.state !== 'failed') throw notFailed();
    leg.reconnecting = true;
    try {
      const opened = await openLegWithin(leg.spec, this.tuning.connectTimeoutMs, (device) => checkReplacement(device, volume.identity, legIndex, force), this.tuning.ioThreadsPerLeg);
      if (!('device' in opened)) throw opened.error instanceof Error ? opened.error : new MirrorError('E_LEG_IO', `the replacement of leg ${legIndex}: ${String(opened.error)}`);
      try {
        const meta = replacementMetadata(volume.metadataFor(current, false), legIndex, volume.eventCounter, 0);
        await withTimeout(writeReplacement(opened.device, meta, opened.value), leg.ioTimeoutMs, `writing the metadata of the replacement of leg ${legIndex}`);
      } finally {
        await opened.device.close().catch((error: unknown) => log.warn({ err: error, leg: legIndex }, 'closing the replacement after writing its metadata'));
      }
      leg.splitBrain = false;
      leg.failedByTimeout = false; // a new device: nothing the old one held can land on it
      log.warn({ leg: legIndex, device: leg.description }, 'leg replaced by a new device; the whole volume is copied onto it');
    } finally {
      leg.reconnecting = false;
    }
    await this.reconnectFailedLegs();
    if (leg.state === 'failed') throw new MirrorError('E_LEG_IO', `leg ${legIndex} got its metadata but was not taken in; the engine tries again every reconnect interval`, { leg: legIndex });
  }

  /** Starts copying dirty chunks to the first resyncing leg, if there is one and no resync runs. */
  startResyncIfNeeded(): void {
    const volume = this.volume;
    if (this.task || volume.stoppingNow) return;
    const target = volume.legs.find((leg) => leg.live && leg.state === 'resyncing');
    const source = volume.currentLegs[0];
    if (!target || !source) return;
    const chunks = volume.intent.bitmap.setChunks();
    const progress: ResyncProgress = {
      targetLeg: target.index, sourceLeg: source.index, totalBytes: resyncBytes(chunks, volume.chunkSizeBytes, volume.sizeBytes),
      doneBytes: 0, chunksTotal: chunks.length, chunksDone: 0, startedAtMs: this.clock.nowMs(),
    };
    this.progress = progress;
    log.info({ target: target.index, source: source.index, chunks: chunks.length, bytes: progress.totalBytes }, 'resync started');
    this.task = this.resync(target, source, chunks, progress).finally(() => {
      this.progress = undefined;
      this.task = undefined;
      this.startResyncIfNeeded();
    });
  }

  private async resync(target: Leg, source: Leg, chunks: number[], progress: ResyncProgress): Promise<void> {
    const volume = this.volume;
    const startedMs = this.clock.monotonicMs();
    const finish = (outcome: FinishedResync['outcome']): void => {
      const durationMs = this.clock.monotonicMs() - startedMs;
      this.finished.push({ targetLeg: target.index, bytes: progress.doneBytes, chunks: progress.chunksDone, durationMs, copyDurationMs: progress.copiedAtMs ?? durationMs, outcome });
    };
    let sourceFailed = false;
    try {
      const done = await runResync({
        chunks, chunkSizeBytes: volume.chunkSizeBytes, dataSizeBytes: volume.sizeBytes, rateBytesPerSec: () => this.tuning.resyncRateBytesPerSec,
        lock: volume.lock, clock: this.clock, progress,
        readSource: (offset, length) => source.read(offset, length).catch((error: unknown) => { sourceFailed = true; throw error; }),
        // The copy buffer is free again once the target holds it (only then: a failed write may still run).
        writeTarget: async (offset, data) => { await target.write(offset, data); ioBuffers.give(data); },
        flushTarget: () => target.flush(),
        cancelled: () => volume.stoppingNow || target.state !== 'resyncing' || source.state !== 'in-sync',
      });
      if (!done) { finish('cancelled'); return; }
      target.state = 'in-sync';
      await volume.recordStateChange();
      log.info({ target: target.index, bytes: progress.doneBytes }, 'resync done; legs in sync');
      finish('done');
    } catch (error) {
      finish('failed');
      await volume.failLeg(sourceFailed ? source : target, error).catch((persistError: unknown) => log.error({ err: persistError }, 'cannot record leg failure'));
    }
  }
}
