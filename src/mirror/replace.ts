/**
 * A new array in the place of a dead one. The replacement device is given
 * this volume's metadata as leg N, stale, with every chunk dirty, so the
 * engine copies the whole volume onto it from the current leg: a running
 * engine takes it in at once, as it takes a returning leg (see
 * LegRecovery.replaceFailedLeg); offline, the next serve does. The current
 * leg records it too, so a crash during the copy resumes the full copy.
 *
 * A device that already holds a tandem leg is refused unless forced: it is
 * this volume's own leg, which copies only what changed once it answers
 * again, or another volume's leg, which the copy would destroy.
 */
import { ChunkBitmap } from './bitmap.js';
import type { BlockDevice, LegSpec } from './block-device.js';
import { createSparseFile, fileExists } from './create.js';
import { MirrorError, UnsafeError } from './errors.js';
import { openLegWithin, readLeg } from './lifecycle.js';
import { readLegMetadataIfAny, writeLegMetadata } from './metadata-io.js';
import { chunkCountFor, metadataBytes, type LegMetadata } from './superblock.js';
import type { VolumeIdentity } from './volume-config.js';

/** What `replaceLegOffline` did. */
export interface ReplaceResult {
  leg: number;
  /** The leg the next serve copies from. */
  sourceLeg: number;
  /** Bytes the copy will move: the whole volume. */
  copyBytes: number;
}

/**
 * Checks that `device` may become leg `legIndex` of the volume: large
 * enough, and not holding a tandem leg (unless `force`). Returns the highest
 * metadata sequence it holds (0 for none), which the replacement's must pass.
 * @throws MirrorError E_LEG_TOO_SMALL; UnsafeError E_LEG_IN_USE naming whose leg it holds.
 */
export async function checkReplacement(device: BlockDevice, volume: VolumeIdentity, legIndex: number, force: boolean): Promise<number> {
  const neededBytes = volume.dataSizeBytes + metadataBytes(volume.dataSizeBytes, volume.chunkSizeBytes);
  if (device.sizeBytes < neededBytes) {
    throw new MirrorError('E_LEG_TOO_SMALL', `the replacement ${device.description} has ${device.sizeBytes} bytes; leg ${legIndex} needs ${neededBytes}`, { leg: legIndex });
  }
  const found = await readLegMetadataIfAny(device);
  if (found === undefined) return 0; // blank, or no tandem leg: what a replacement is
  if (!force) {
    const whose = found.volumeUuid === volume.volumeUuid
      ? `this volume's leg ${found.legIndex}: a leg of the volume that answers again resyncs only what changed by itself (--force copies the whole volume onto it)`
      : `leg ${found.legIndex} of another volume (${found.volumeUuid}), which the copy would destroy (--force if it is no longer used)`;
    throw new UnsafeError('E_LEG_IN_USE', `the replacement ${device.description} holds ${whose}`, { leg: legIndex, holds: found.volumeUuid });
  }
  return found.sequence;
}

/**
 * Metadata for a replacement of leg `legIndex`, from the current leg's
 * `current`: stale (failed, in every leg's view), every chunk dirty.
 */
export function replacementMetadata(current: LegMetadata, legIndex: number, eventCounter: number, sequence: number): LegMetadata {
  const dirty = new ChunkBitmap(chunkCountFor(current.dataSizeBytes, current.chunkSizeBytes));
  dirty.setAll();
  return {
    ...current, legIndex, sequence, eventCounter, bitmap: dirty,
    legStates: current.legStates.map((state, index) => (index === legIndex ? 'failed' : state)),
  };
}

/**
 * Writes `meta` into both metadata slots of the replacement (sequences
 * above `previousSequence`), so that no older copy it held can win.
 */
export async function writeReplacement(device: BlockDevice, meta: LegMetadata, previousSequence: number): Promise<void> {
  await writeLegMetadata(device, { ...meta, sequence: previousSequence + 1 });
  await writeLegMetadata(device, { ...meta, sequence: previousSequence + 2 });
}

/**
 * Replaces leg `legIndex` while no engine serves the volume: the
 * replacement gets leg metadata (see the module comment) and the other leg,
 * which must be current, records leg `legIndex` as failed with every chunk
 * dirty. A file leg that does not exist is created (sparse). Nothing is
 * written unless every check passes.
 * @throws UnsafeError E_NO_LEG (the other leg unreadable), E_ONLY_STALE (it is stale), E_CLAIMED (an
 * engine may serve it: unless `force`), E_LEG_IN_USE (see checkReplacement); MirrorError E_LEG_TOO_SMALL.
 */
export async function replaceLegOffline(specs: readonly LegSpec[], legIndex: number, options: { force: boolean; openTimeoutMs: number }): Promise<ReplaceResult> {
  if (specs.length !== 2 || (legIndex !== 0 && legIndex !== 1)) throw new MirrorError('E_USAGE', 'replace needs the two legs and --leg 0 or 1');
  const sourceLeg = 1 - legIndex;
  const source = await readLeg(specs[sourceLeg]!, options.openTimeoutMs);
  if (!('device' in source)) throw new UnsafeError('E_NO_LEG', `leg ${sourceLeg}, the one to copy from, is unreadable: ${source.error instanceof Error ? source.error.message : String(source.error)}`, { leg: sourceLeg });
  try {
    const current = source.meta;
    if (current.legStates[sourceLeg] !== 'in-sync') throw new UnsafeError('E_ONLY_STALE', `leg ${sourceLeg} is stale itself (it was being resynced): there is no current leg to copy from`, { leg: sourceLeg });
    if (current.owner.node !== '' && !options.force) {
      throw new UnsafeError('E_CLAIMED', `the volume is claimed by node '${current.owner.node}': while its engine serves it, replace online (tandem mirror replace --control SOCKET --leg ${legIndex}); if none does, release the claim (tandem mirror release) or use --force`, { owner: current.owner.node });
    }
    const replacementSpec = specs[legIndex]!;
    if (replacementSpec.kind === 'file' && !(await fileExists(replacementSpec.path))) {
      await createSparseFile(replacementSpec.path, current.dataSizeBytes + metadataBytes(current.dataSizeBytes, current.chunkSizeBytes));
    }
    const replacement = await openLegWithin(replacementSpec, options.openTimeoutMs, (device) => checkReplacement(device, current, legIndex, options.force));
    if (!('device' in replacement)) throw replacement.error instanceof Error ? replacement.error : new MirrorError('E_LEG_IO', `the replacement ${legIndex}: ${String(replacement.error)}`);
    try {
      const eventCounter = current.eventCounter + 1;
      const meta = replacementMetadata(current, legIndex, eventCounter, 0);
      // The replacement first: should the current leg's update not land, the replacement still says it is stale.
      await writeReplacement(replacement.device, meta, replacement.value);
      await writeLegMetadata(source.device, { ...current, eventCounter, legStates: meta.legStates, bitmap: meta.bitmap, sequence: current.sequence + 1 });
    } finally {
      await replacement.device.close();
    }
    return { leg: legIndex, sourceLeg, copyBytes: current.dataSizeBytes };
  } finally {
    await source.device.close();
  }
}
