/**
 * Assembling and claiming a volume to serve, reading and releasing its
 * legs' metadata, and resolving a split brain. These touch the legs'
 * metadata while no engine serves them (except `openVolume`, which starts
 * one). Creating a volume: create.ts; replacing a leg: replace.ts.
 */
import type { Clock } from '../clock.js';
import { logger } from '../log.js';
import { assemble, isSplitBrain } from './assembly.js';
import { legName, type BlockDevice, type LegSpec } from './block-device.js';
import { MetadataError, MirrorError, UnsafeError } from './errors.js';
import { TimeoutError } from '../errors.js';
import { Leg, openLegDevice } from './leg.js';
import { readLegMetadata, writeLegMetadata } from './metadata-io.js';
import type { LegMetadata } from './superblock.js';
import { MirrorVolume, type VolumeTuning } from './volume.js';
import { withTimeout } from './with-timeout.js';
import { DEFAULT_OPEN_TIMEOUT_MS } from './volume-config.js';

const log = logger('mirror');

export interface OpenOptions {
  node: string;
  force: boolean;
  ioTimeoutMs: number;
  tuning: VolumeTuning;
  clock: Clock;
}

export type LegReading = { device: BlockDevice; meta: LegMetadata } | { error: unknown };

/**
 * Opens a leg and runs `use` on its device, within `timeoutMs` for the
 * whole: an array that does not answer (its file's open or read blocks in
 * the device, as on a LUN whose paths all died) is reported as an error
 * then (a TimeoutError), so that a start goes on without it and a status or
 * release does not hang. Should it answer later, the device opened then is
 * closed; so is the device when `use` fails. Never rejects.
 */
export async function openLegWithin<T>(spec: LegSpec, timeoutMs: number, use: (device: BlockDevice) => Promise<T>, ioThreads?: number): Promise<{ device: BlockDevice; value: T } | { error: unknown }> {
  const opening = (async (): Promise<{ device: BlockDevice; value: T } | { error: unknown }> => {
    let device: BlockDevice | undefined;
    try {
      device = await openLegDevice(spec, timeoutMs, ioThreads);
      return { device, value: await use(device) };
    } catch (error) {
      await device?.close().catch(() => undefined);
      return { error };
    }
  })();
  try {
    return await withTimeout(opening, timeoutMs, `opening leg ${legName(spec)} and reading its metadata`);
  } catch (error) {
    // Only the deadline rejects (opening reports its own failures).
    void opening.then(async (late) => {
      if ('device' in late) await late.device.close();
    }).catch((closeError: unknown) => log.warn({ err: closeError }, 'closing a leg that answered after its deadline'));
    return { error };
  }
}

/** Opens a leg and reads its metadata within `timeoutMs` (see openLegWithin). */
export async function readLeg(spec: LegSpec, timeoutMs: number, ioThreads?: number): Promise<LegReading> {
  const opened = await openLegWithin(spec, timeoutMs, readLegMetadata, ioThreads);
  return 'device' in opened ? { device: opened.device, meta: opened.value } : opened;
}

/**
 * Assembles the volume from its legs, claims it for `node` (owner + new
 * epoch, marked dirty) and starts its background work. A leg that cannot be
 * opened is left failed (the volume starts degraded) and tried again later.
 * @throws UnsafeError (split brain, claimed elsewhere, no current leg), MetadataError.
 */
export async function openVolume(specs: readonly LegSpec[], options: OpenOptions): Promise<MirrorVolume> {
  const opened = await Promise.all(specs.map((spec) => readLeg(spec, options.tuning.connectTimeoutMs, options.tuning.ioThreadsPerLeg)));
  const closeAll = async (): Promise<void> => { for (const entry of opened) if ('device' in entry) await entry.device.close().catch(() => undefined); };
  try {
    opened.forEach((entry, index) => { if ('error' in entry) log.warn({ leg: index, err: entry.error }, 'leg unavailable at start'); });
    const found = opened.map((entry) => ('meta' in entry ? entry.meta : undefined));
    const onlyMetadataErrors = opened.every((entry) => !('error' in entry) || entry.error instanceof MetadataError);
    if (found.every((meta) => meta === undefined) && onlyMetadataErrors) throw (opened[0] as { error: unknown }).error;
    const assembly = assemble(found, { node: options.node, force: options.force });
    const legs = specs.map((spec, index) => new Leg(index, spec, options.ioTimeoutMs));
    for (const [index, leg] of legs.entries()) {
      const entry = opened[index]!;
      if (!('device' in entry)) { leg.failure = entry.error instanceof Error ? entry.error.message : String(entry.error); continue; }
      leg.device = entry.device;
      leg.sequence = entry.meta.sequence;
      const role = assembly.roles[index];
      // After a crash, legs other than the source may miss the last writes in dirty chunks.
      leg.state = role === 'current' && !(assembly.crashed && index !== assembly.sourceLeg && assembly.dirty.count() > 0) ? 'in-sync' : 'resyncing';
    }
    const volume = new MirrorVolume(
      { volumeUuid: assembly.volumeUuid, dataSizeBytes: assembly.dataSizeBytes, chunkSizeBytes: assembly.chunkSizeBytes, createdAtMs: assembly.createdAtMs },
      legs, assembly.dirty, { node: options.node, epoch: assembly.claimEpoch + 1, claimedAtMs: options.clock.nowMs() },
      assembly.eventCounter + 1, options.clock, options.tuning,
    );
    if (assembly.previousOwner !== '' && assembly.previousOwner !== options.node) log.warn({ previousOwner: assembly.previousOwner }, 'took over the claim of another node (forced)');
    await volume.persistAll();
    log.info({ uuid: assembly.volumeUuid, roles: assembly.roles, crashed: assembly.crashed, dirtyChunks: assembly.dirty.count(), epoch: assembly.claimEpoch + 1 }, 'volume claimed');
    volume.start();
    return volume;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Reads each leg's metadata without claiming (for an offline status); a leg
 * that does not open and show it within `openTimeoutMs` (default
 * DEFAULT_OPEN_TIMEOUT_MS) is reported with an error, as is one that fails.
 */
export async function readAllMetadata(specs: readonly LegSpec[], openTimeoutMs = DEFAULT_OPEN_TIMEOUT_MS): Promise<(LegMetadata | { error: string })[]> {
  return Promise.all(specs.map(async (spec) => {
    const entry = await readLeg(spec, openTimeoutMs);
    if ('error' in entry) return { error: entry.error instanceof Error ? entry.error.message : String(entry.error) };
    await entry.device.close();
    return entry.meta;
  }));
}

/** What releaseClaim did on one leg. */
export interface ReleaseOutcome {
  leg: number;
  /** released: it named the node and now names no owner; not-held: it named no owner or another; failed: unreadable, unwritable or no answer. */
  outcome: 'released' | 'not-held' | 'failed';
  /** The owner found (not-held), or why the leg failed. */
  detail?: string;
  /** The leg did not answer in time: its request may still hang in the device. */
  timedOut?: boolean;
}

/** How long releaseClaim waits for one leg. */
export const RELEASE_LEG_TIMEOUT_MS = 10_000;

/**
 * Releases `node`'s claim on each leg whose metadata still names it: what an
 * engine's orderly stop records, for an engine that ended without it
 * (killed, or unable to reach the legs when it stopped). The clean flag, the
 * leg states and the bitmap stay as they are, so the next serve, here or on
 * another node, resyncs whatever the dead engine left dirty. Only for legs
 * no engine serves: a running engine would write its claim back.
 * Does not throw for a leg it cannot read or write, nor wait longer than
 * `timeoutMs` for one that hangs (`openTimeoutMs` for one that does not
 * open and show its metadata; by default DEFAULT_OPEN_TIMEOUT_MS, at most
 * `timeoutMs`): its outcome says so.
 */
export async function releaseClaim(specs: readonly LegSpec[], node: string, timeoutMs = RELEASE_LEG_TIMEOUT_MS, openTimeoutMs = Math.min(DEFAULT_OPEN_TIMEOUT_MS, timeoutMs)): Promise<ReleaseOutcome[]> {
  // releaseLeg reports its own failures: the only rejection is the deadline's.
  return Promise.all(specs.map((spec, leg) => withTimeout(releaseLeg(spec, leg, node, openTimeoutMs), timeoutMs, `leg ${leg}`)
    .catch((): ReleaseOutcome => ({ leg, outcome: 'failed', detail: `no answer within ${timeoutMs} ms`, timedOut: true }))));
}

async function releaseLeg(spec: LegSpec, leg: number, node: string, openTimeoutMs: number): Promise<ReleaseOutcome> {
  const entry = await readLeg(spec, openTimeoutMs);
  if ('error' in entry) {
    // Past its open deadline, the leg's open or metadata read may still hang in the device.
    return { leg, outcome: 'failed', detail: entry.error instanceof Error ? entry.error.message : String(entry.error), ...(entry.error instanceof TimeoutError ? { timedOut: true } : {}) };
  }
  try {
    const owner = entry.meta.owner.node;
    if (owner !== node) return { leg, outcome: 'not-held', detail: owner === '' ? '(released)' : owner };
    await writeLegMetadata(entry.device, { ...entry.meta, owner: { ...entry.meta.owner, node: '' }, sequence: entry.meta.sequence + 1 });
    log.info({ leg, node, clean: entry.meta.clean }, 'released a claim left by an engine that stopped without releasing it');
    return { leg, outcome: 'released' };
  } catch (error) {
    return { leg, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await entry.device.close().catch((error: unknown) => log.debug({ err: error, leg }, 'closing a leg after the release'));
  }
}

/**
 * Ends a split brain by keeping leg `keep`: the other leg is marked stale,
 * and every chunk either side wrote alone is marked dirty on the kept leg,
 * so the next `serve` copies those chunks from it.
 * @throws UnsafeError when the legs are not in split brain (unless forced), or a leg is unreadable
 * (or does not open and show its metadata within `openTimeoutMs`, default DEFAULT_OPEN_TIMEOUT_MS).
 */
export async function resolveSplitBrain(specs: readonly LegSpec[], keep: number, clock: Clock, force = false, openTimeoutMs = DEFAULT_OPEN_TIMEOUT_MS): Promise<{ dirtyChunks: number }> {
  if (specs.length !== 2 || (keep !== 0 && keep !== 1)) throw new MirrorError('E_USAGE', 'resolve needs the two legs and --keep 0 or 1');
  const entries = await Promise.all(specs.map((spec) => readLeg(spec, openTimeoutMs)));
  try {
    const metas = entries.map((entry, index) => {
      if ('error' in entry) throw new UnsafeError('E_NO_LEG', `leg ${index} is unreadable: ${entry.error instanceof Error ? entry.error.message : String(entry.error)}`);
      return entry;
    });
    const kept = metas[keep]!;
    const dropped = metas[1 - keep]!;
    if (kept.meta.volumeUuid !== dropped.meta.volumeUuid) throw new MetadataError('the legs belong to different volumes');
    if (!isSplitBrain(kept.meta, dropped.meta) && !force) throw new UnsafeError('E_NOT_SPLIT', 'the legs are not in split brain; nothing to resolve (use --force to discard the other leg anyway)');
    const dirty = kept.meta.bitmap.clone();
    dirty.unionWith(dropped.meta.bitmap);
    const eventCounter = Math.max(kept.meta.eventCounter, dropped.meta.eventCounter) + 1;
    const legStates = specs.map((_spec, index) => (index === keep ? 'in-sync' as const : 'failed' as const));
    const common = { eventCounter, legStates, bitmap: dirty, owner: { ...kept.meta.owner, node: '', claimedAtMs: clock.nowMs() } };
    await writeLegMetadata(kept.device, { ...kept.meta, ...common, sequence: kept.meta.sequence + 1 });
    await writeLegMetadata(dropped.device, { ...dropped.meta, ...common, sequence: dropped.meta.sequence + 1 });
    log.info({ keep, dirtyChunks: dirty.count() }, 'split brain resolved');
    return { dirtyChunks: dirty.count() };
  } finally {
    for (const entry of entries) if ('device' in entry) await entry.device.close().catch(() => undefined);
  }
}
