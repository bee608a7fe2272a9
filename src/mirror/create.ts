/**
 * Creating a volume: fresh metadata on two legs, files created (sparse) or
 * extended as needed, nothing written unless every leg passes its checks.
 */
import { open as openFile, stat } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { ChunkBitmap } from './bitmap.js';
import type { BlockDevice, LegSpec } from './block-device.js';
import { MirrorError, UnsafeError } from './errors.js';
import { openLegDevice } from './leg.js';
import { readLegMetadataIfAny, writeLegMetadata } from './metadata-io.js';
import { chunkCountFor, metadataBytes, type LegMetadata } from './superblock.js';
import { newVolumeUuid } from './volume.js';

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export interface CreateOptions {
  sizeBytes: number;
  chunkSizeBytes?: number;
  /** Declare the legs identical (skip the initial full sync). Default: only when every leg is a file created here. */
  assumeClean?: boolean;
  /** Write over legs that hold another volume's metadata (or this one's). Default false: refused. */
  force?: boolean;
  clock: Clock;
}

export interface CreateResult { volumeUuid: string; legSizeBytes: number; metadataBytes: number; initialSync: boolean }

/** Whether `path` exists (a file leg given by a path that does not is created). */
export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Creates `path` as a sparse file of `sizeBytes`. @throws when it exists already (never overwrites). */
export async function createSparseFile(path: string, sizeBytes: number): Promise<void> {
  const handle = await openFile(path, 'wx');
  try {
    await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
}

/**
 * Writes fresh metadata on each leg. A leg given as a path that does not
 * exist is created as a sparse file of the needed size. Unless the legs are
 * known identical, leg 1 is marked stale with every chunk dirty, so the first
 * `serve` copies leg 0 onto it. Nothing is written unless every leg passes.
 * @throws MirrorError when a leg is too small or unreachable; UnsafeError
 * when a leg already holds a tandem leg (unless `force`).
 */
export async function createVolume(specs: readonly LegSpec[], options: CreateOptions): Promise<CreateResult> {
  const chunkSizeBytes = options.chunkSizeBytes ?? DEFAULT_CHUNK_BYTES;
  if (options.sizeBytes <= 0 || options.sizeBytes % 512 !== 0) throw new MirrorError('E_BAD_SIZE', `--size must be a positive multiple of 512 bytes, got ${options.sizeBytes}`);
  if (chunkSizeBytes < 4096 || (chunkSizeBytes & (chunkSizeBytes - 1)) !== 0) throw new MirrorError('E_BAD_CHUNK', `chunk size must be a power of two ≥ 4096, got ${chunkSizeBytes}`);
  const metaBytes = metadataBytes(options.sizeBytes, chunkSizeBytes);
  const legSizeBytes = options.sizeBytes + metaBytes;
  let allCreated = true;
  const devices: BlockDevice[] = [];
  try {
    await checkExistingLegs(specs, { legSizeBytes, dataSizeBytes: options.sizeBytes, metadataBytes: metaBytes }, options.force === true);
    for (const spec of specs) {
      if (spec.kind === 'file' && !(await fileExists(spec.path))) {
        await createSparseFile(spec.path, legSizeBytes);
      } else {
        allCreated = false;
        if (spec.kind === 'file') {
          const info = await stat(spec.path);
          if (info.isFile() && info.size < legSizeBytes) {
            const handle = await openFile(spec.path, 'r+');
            await handle.truncate(legSizeBytes);
            await handle.close();
          }
        }
      }
      devices.push(await openLegDevice(spec, 10_000));
    }
    const initialSync = !(options.assumeClean ?? allCreated);
    const volumeUuid = newVolumeUuid();
    const bitmap = new ChunkBitmap(chunkCountFor(options.sizeBytes, chunkSizeBytes));
    if (initialSync) bitmap.setAll();
    for (const [index, device] of devices.entries()) {
      const meta: LegMetadata = {
        volumeUuid, legIndex: index, legCount: specs.length, dataSizeBytes: options.sizeBytes, chunkSizeBytes,
        sequence: 1, eventCounter: 1, clean: true,
        legStates: specs.map((_spec, legIndex) => (initialSync && legIndex > 0 ? 'failed' : 'in-sync')),
        owner: { node: '', epoch: 0, claimedAtMs: 0 }, createdAtMs: options.clock.nowMs(), bitmap,
      };
      await writeLegMetadata(device, meta);
    }
    return { volumeUuid, legSizeBytes, metadataBytes: metaBytes, initialSync };
  } finally {
    for (const device of devices) await device.close().catch(() => undefined);
  }
}

/**
 * Before create writes anything: each device that exists is large enough
 * (a file is extended instead) and, unless `force`, holds no tandem leg.
 * @throws MirrorError E_LEG_TOO_SMALL; UnsafeError E_LEG_IN_USE (see refuseExistingLeg).
 */
async function checkExistingLegs(specs: readonly LegSpec[], needed: { legSizeBytes: number; dataSizeBytes: number; metadataBytes: number }, force: boolean): Promise<void> {
  for (const [position, spec] of specs.entries()) {
    if (spec.kind === 'file' && !(await fileExists(spec.path))) continue;
    const device = await openLegDevice(spec, 10_000);
    try {
      const extendable = spec.kind === 'file' && (await stat(spec.path)).isFile();
      if (!extendable && device.sizeBytes < needed.legSizeBytes) {
        throw new MirrorError('E_LEG_TOO_SMALL', `leg ${device.description} has ${device.sizeBytes} bytes; ${needed.legSizeBytes} needed (${needed.dataSizeBytes} data + ${needed.metadataBytes} metadata)`);
      }
      if (!force) await refuseExistingLeg(device, position);
    } finally {
      await device.close();
    }
  }
}

/**
 * Creating a volume over a device that holds a leg discards that volume's
 * data (a runbook's create run again, a wrong device name): refused.
 * @throws UnsafeError E_LEG_IN_USE naming the volume and its owner.
 */
async function refuseExistingLeg(device: BlockDevice, position: number): Promise<void> {
  const found = await readLegMetadataIfAny(device);
  if (found === undefined) return; // no leg there: what create expects
  const owner = found.owner.node === '' ? 'released' : `claimed by node '${found.owner.node}'`;
  throw new UnsafeError('E_LEG_IN_USE', `leg ${position} (${device.description}) already holds leg ${found.legIndex} of volume ${found.volumeUuid} (${owner}); creating a volume on it discards that volume's data: use --force if it is no longer used`, { leg: position, holds: found.volumeUuid });
}
