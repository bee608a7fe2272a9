/**
 * Decides, from the metadata found on the legs, how the volume may start:
 * which legs are current, which are stale and must be resynced (and which
 * chunks), or why starting would be unsafe (split brain, claimed by another
 * node, only a stale leg left). Pure: no I/O, no clock.
 */
import { ChunkBitmap } from './bitmap.js';
import { MetadataError, MirrorError, UnsafeError } from './errors.js';
import type { LegMetadata } from './superblock.js';

export type AssembledLegRole = 'current' | 'stale' | 'missing';

export interface Assembly {
  volumeUuid: string;
  dataSizeBytes: number;
  chunkSizeBytes: number;
  legCount: number;
  roles: AssembledLegRole[];
  /** Chunks that may differ between legs: union of every present bitmap. */
  dirty: ChunkBitmap;
  /** True when no orderly stop was recorded (crash): dirty chunks must be resynced even between current legs. */
  crashed: boolean;
  /** The current leg to copy from when resyncing. */
  sourceLeg: number;
  eventCounter: number;
  /** Highest claim epoch seen; a new claim takes epoch + 1. */
  claimEpoch: number;
  createdAtMs: number;
  previousOwner: string;
}

export interface AssembleOptions {
  /** This node's name. */
  node: string;
  /** Take over a claim held by another node (only after it was fenced). */
  force: boolean;
}

/** True when each of two legs recorded the other as failed while itself current: both were written alone. */
export function isSplitBrain(a: LegMetadata, b: LegMetadata): boolean {
  return a.legStates[a.legIndex] === 'in-sync' && b.legStates[b.legIndex] === 'in-sync'
    && a.legStates[b.legIndex] === 'failed' && b.legStates[a.legIndex] === 'failed';
}

/**
 * @param found metadata per leg position, undefined where the leg could not be read
 * @throws MetadataError when legs belong to different volumes or sit in the wrong position
 * @throws UnsafeError E_NO_LEG, E_SPLIT_BRAIN, E_CLAIMED, E_ONLY_STALE
 */
export function assemble(found: readonly (LegMetadata | undefined)[], options: AssembleOptions): Assembly {
  const present = found.map((meta, position) => ({ meta, position })).filter((entry): entry is { meta: LegMetadata; position: number } => entry.meta !== undefined);
  const first = present[0]?.meta;
  if (!first) throw new UnsafeError('E_NO_LEG', 'no leg of the volume is readable');
  for (const { meta, position } of present) {
    if (meta.volumeUuid !== first.volumeUuid) throw new MetadataError(`leg ${position} belongs to volume ${meta.volumeUuid}, leg ${present[0]!.position} to ${first.volumeUuid}`, { leg: position });
    if (meta.legIndex !== position) throw new MetadataError(`leg given in position ${position} is leg ${meta.legIndex} of the volume`, { leg: position, legIndex: meta.legIndex });
    if (meta.dataSizeBytes !== first.dataSizeBytes || meta.chunkSizeBytes !== first.chunkSizeBytes) throw new MetadataError(`leg ${position} disagrees on size or chunk size`, { leg: position });
  }
  if (found.length !== first.legCount) throw new MetadataError(`the volume has ${first.legCount} legs, ${found.length} given`, { legCount: first.legCount });

  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      if (isSplitBrain(present[i]!.meta, present[j]!.meta)) {
        throw new UnsafeError('E_SPLIT_BRAIN', `split brain: legs ${present[i]!.position} and ${present[j]!.position} were each written without the other; choose one with 'tandem mirror resolve --keep LEG'`, { legs: [present[i]!.position, present[j]!.position] });
      }
    }
  }

  const claimed = present.find(({ meta }) => meta.owner.node !== '' && meta.owner.node !== options.node);
  if (claimed && !options.force) {
    throw new UnsafeError('E_CLAIMED', `leg ${claimed.position} is claimed by node '${claimed.meta.owner.node}' (epoch ${claimed.meta.owner.epoch}); stop it there, or fence it and use --force`, { owner: claimed.meta.owner.node, epoch: claimed.meta.owner.epoch });
  }

  const roles: AssembledLegRole[] = found.map((meta) => (meta ? 'current' : 'missing'));
  for (const { meta, position } of present) {
    if (meta.legStates[position] === 'failed') roles[position] = 'stale';
  }
  // A current leg that recorded another as failed makes that one stale.
  for (const { meta, position } of present) {
    if (roles[position] !== 'current') continue;
    meta.legStates.forEach((state, other) => { if (state === 'failed' && roles[other] === 'current' && other !== position) roles[other] = 'stale'; });
  }
  const currents = present.filter(({ position }) => roles[position] === 'current');
  if (currents.length === 0) {
    throw new UnsafeError('E_ONLY_STALE', 'only stale legs are readable: the current leg is missing; refusing to serve old data', { roles });
  }

  // Between legs that both think all is well, the one with more events is the resync source.
  const source = currents.reduce((best, entry) => (entry.meta.eventCounter > best.meta.eventCounter ? entry : best));
  const dirty = new ChunkBitmap(first.bitmap.chunkCount);
  for (const { meta } of present) dirty.unionWith(meta.bitmap);
  return {
    volumeUuid: first.volumeUuid,
    dataSizeBytes: first.dataSizeBytes,
    chunkSizeBytes: first.chunkSizeBytes,
    legCount: first.legCount,
    roles,
    dirty,
    crashed: present.some(({ meta }) => !meta.clean),
    sourceLeg: source.position,
    eventCounter: Math.max(...present.map(({ meta }) => meta.eventCounter)),
    claimEpoch: Math.max(...present.map(({ meta }) => meta.owner.epoch)),
    createdAtMs: first.createdAtMs,
    previousOwner: present.map(({ meta }) => meta.owner.node).find((node) => node !== '') ?? '',
  };
}

/**
 * May a leg that failed earlier rejoin a running volume? It must be the same
 * volume's leg at the same position, and must not have been written on its
 * own meanwhile (split brain with the current leg's view `ours`).
 * @throws MirrorError E_WRONG_LEG, UnsafeError E_SPLIT_BRAIN
 */
export function checkReturningLeg(ours: LegMetadata | undefined, returning: LegMetadata, expected: { volumeUuid: string; legIndex: number; dataSizeBytes: number }): void {
  if (returning.volumeUuid !== expected.volumeUuid || returning.legIndex !== expected.legIndex || returning.dataSizeBytes !== expected.dataSizeBytes) {
    throw new MirrorError('E_WRONG_LEG', `leg ${expected.legIndex} came back as another volume's leg (${returning.volumeUuid} leg ${returning.legIndex})`, { leg: expected.legIndex });
  }
  if (ours && isSplitBrain(ours, returning)) throw new UnsafeError('E_SPLIT_BRAIN', `leg ${expected.legIndex} has history of its own`, { leg: expected.legIndex });
}
