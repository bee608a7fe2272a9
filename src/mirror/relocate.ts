/**
 * A leg whose device was grown (a LUN extended, a file made longer): its
 * metadata is found at the device's end, so after the growth it sits where
 * the old end was, and the leg shows none; with both legs grown, the volume
 * does not start. Relocating finds the newest valid copy by scanning back
 * from the end for the header's magic, and writes it at the new end. The
 * volume's data area and size stay as they were.
 */
import type { BlockDevice } from './block-device.js';
import { MetadataError, UnsafeError } from './errors.js';
import { readLegMetadata, readLegMetadataIfAny, writeLegMetadata } from './metadata-io.js';
import { decodeHeader, HEADER_BYTES, MAGIC, type LegMetadata } from './superblock.js';

/** A device's size is a multiple of this, so is where a header starts. */
const SECTOR_BYTES = 512;
/** How much of the device one scan read covers. */
const SCAN_WINDOW_BYTES = 16 * 1024 * 1024;
/** How far back from the end the scan looks unless told otherwise. */
export const DEFAULT_SCAN_LIMIT_BYTES = 256 * 1024 ** 3;

export type RelocateResult =
  | { outcome: 'in-place'; volumeUuid: string; legIndex: number }
  | { outcome: 'relocated'; volumeUuid: string; legIndex: number; oldEndBytes: number; newEndBytes: number };

/**
 * The newest valid metadata whose end lies within `scanLimitBytes` before
 * the device's end, and the device size it was written for; undefined when
 * there is none. Looks at every sector-aligned copy of the magic, the
 * highest first: a valid header at H is slot 0 of a device that ended at
 * H + 2 headers, or slot 1 of one that ended at H + 1 header, as its
 * sequence's parity says (see writeLegMetadata).
 */
export async function findMetadataBeforeEnd(device: Pick<BlockDevice, 'description' | 'sizeBytes' | 'read'>, scanLimitBytes: number): Promise<{ meta: LegMetadata; endBytes: number } | undefined> {
  const lowestBytes = Math.max(0, device.sizeBytes - scanLimitBytes);
  let windowEnd = device.sizeBytes;
  while (windowEnd > lowestBytes) {
    const windowStart = Math.max(lowestBytes, windowEnd - SCAN_WINDOW_BYTES);
    // Reaching past the window's end by the magic's length: a copy that straddles two windows is seen once.
    const window = await device.read(windowStart, Math.min(device.sizeBytes, windowEnd + MAGIC.length) - windowStart);
    const hits: number[] = [];
    for (let at = window.indexOf(MAGIC); at !== -1 && windowStart + at < windowEnd; at = window.indexOf(MAGIC, at + 1)) {
      if ((windowStart + at) % SECTOR_BYTES === 0) hits.push(windowStart + at);
    }
    for (const headerBytes of hits.reverse()) {
      const header = decodeHeader(await device.read(headerBytes, HEADER_BYTES));
      if (!header) continue;
      // A copy with sequence s is written to slot s % 2: slot 0 sits two headers before the end, slot 1 one.
      const endBytes = headerBytes + (header.sequence % 2 === 0 ? 2 : 1) * HEADER_BYTES;
      if (endBytes > device.sizeBytes) continue;
      try {
        return { meta: await readLegMetadata({ description: device.description, sizeBytes: endBytes, read: (offset, length) => device.read(offset, length) }), endBytes };
      } catch (error) {
        if (!(error instanceof MetadataError)) throw error;
      }
    }
    windowEnd = windowStart;
  }
  return undefined;
}

/**
 * Moves a grown leg's metadata to its device's end (both slots, above the
 * copy found). A leg whose metadata is at the end already is left as it is.
 * Only while no engine serves the volume: an engine that opened the device
 * before it grew goes on writing at the old end, and the copy moved would
 * be stale. So a claimed leg is refused unless `force` (the claim of an
 * engine that died).
 * @throws MetadataError when no valid metadata lies within `scanLimitBytes` of the end;
 * UnsafeError E_CLAIMED when the leg is claimed (unless `force`).
 */
export async function relocateMetadata(device: BlockDevice, options: { scanLimitBytes?: number; force?: boolean } = {}): Promise<RelocateResult> {
  const scanLimitBytes = options.scanLimitBytes ?? DEFAULT_SCAN_LIMIT_BYTES;
  const inPlace = await readLegMetadataIfAny(device);
  if (inPlace) return { outcome: 'in-place', volumeUuid: inPlace.volumeUuid, legIndex: inPlace.legIndex };
  const found = await findMetadataBeforeEnd(device, scanLimitBytes);
  if (!found) {
    throw new MetadataError(`${device.description}: no tandem mirror metadata within the last ${scanLimitBytes} bytes of its ${device.sizeBytes}; not a leg, or grown by more (--scan-limit)`, { leg: device.description });
  }
  if (found.meta.owner.node !== '' && options.force !== true) {
    throw new UnsafeError('E_CLAIMED', `${device.description}: leg ${found.meta.legIndex} is claimed by node '${found.meta.owner.node}': an engine serving it would go on writing at the old end; stop it first (--force if it died)`, { owner: found.meta.owner.node });
  }
  await writeLegMetadata(device, { ...found.meta, sequence: found.meta.sequence + 1 });
  await writeLegMetadata(device, { ...found.meta, sequence: found.meta.sequence + 2 });
  await device.flush();
  return { outcome: 'relocated', volumeUuid: found.meta.volumeUuid, legIndex: found.meta.legIndex, oldEndBytes: found.endBytes, newEndBytes: device.sizeBytes };
}
