/**
 * Reads and writes a leg's metadata through its BlockDevice. A write goes to
 * the slot the sequence selects (the bitmap and the header that vouches for
 * it by CRC), each written durably (FUA: O_DSYNC on files, so only this range
 * is forced to disk, not the leg's other dirty data), so the other slot
 * always holds the previous state.
 */
import type { BlockDevice } from './block-device.js';
import { MetadataError } from './errors.js';
import { bitmapOffset, decodeBitmap, decodeHeader, encodeMetadata, headerOffset, HEADER_BYTES, bitmapSlotBytes, type LegMetadata } from './superblock.js';

/**
 * Reads the newest valid metadata copy of a leg.
 * @throws MetadataError when neither copy is valid (not a tandem leg, or both torn).
 */
export async function readLegMetadata(device: Pick<BlockDevice, 'description' | 'sizeBytes' | 'read'>): Promise<LegMetadata> {
  if (device.sizeBytes < 2 * HEADER_BYTES) throw new MetadataError(`leg ${device.description} is too small to hold metadata`, { leg: device.description });
  const headers = await device.read(headerOffset(device.sizeBytes, 0), 2 * HEADER_BYTES);
  const candidates = [0, 1]
    .map((slot) => ({ slot, header: decodeHeader(headers.subarray(slot * HEADER_BYTES, (slot + 1) * HEADER_BYTES)) }))
    .filter((candidate) => candidate.header !== undefined)
    .sort((a, b) => b.header!.sequence - a.header!.sequence);
  for (const { slot, header } of candidates) {
    if (!header) continue;
    const slotBytes = bitmapSlotBytes(header.dataSizeBytes, header.chunkSizeBytes);
    const offset = bitmapOffset(device.sizeBytes, header.dataSizeBytes, header.chunkSizeBytes, slot);
    if (offset < header.dataSizeBytes) continue;
    const bitmap = decodeBitmap(await device.read(offset, slotBytes), header);
    if (!bitmap) continue;
    const { bitmapCrc: _bitmapCrc, ...rest } = header;
    return { ...rest, bitmap };
  }
  throw new MetadataError(`leg ${device.description} has no valid tandem mirror metadata (at its end: if its device was grown, tandem mirror relocate moves it there)`, { leg: device.description });
}

/**
 * The leg `device` holds, or undefined when it holds none (blank, or not a
 * tandem leg: no valid copy). @throws what the device's reads throw.
 */
export async function readLegMetadataIfAny(device: BlockDevice): Promise<LegMetadata | undefined> {
  try {
    return await readLegMetadata(device);
  } catch (error) {
    if (error instanceof MetadataError) return undefined;
    throw error;
  }
}

/** Writes `meta` durably into slot `meta.sequence % 2` (through a Leg, so that the I/O timeout applies). */
export async function writeLegMetadata(device: Pick<BlockDevice, 'sizeBytes' | 'write'>, meta: LegMetadata): Promise<void> {
  const slot = meta.sequence % 2;
  const { header, bitmap } = encodeMetadata(meta);
  // Both at once: if only the header lands, its CRC of the bitmap fails and the reader falls back
  // to the other slot; callers act on the new state only after both writes are durable.
  await Promise.all([
    device.write(bitmapOffset(device.sizeBytes, meta.dataSizeBytes, meta.chunkSizeBytes, slot), bitmap, true),
    device.write(headerOffset(device.sizeBytes, slot), header, true),
  ]);
}
