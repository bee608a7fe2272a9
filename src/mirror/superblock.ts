/**
 * On-leg metadata, kept at the END of each leg so the data area starts at
 * byte 0 and a leg is a plain image of the volume (fsck, qemu-img and
 * loop devices read it directly). Layout, from the end of the leg:
 *
 *   ... data [0, dataSize) ... | bitmap slot 0 | bitmap slot 1 | header 0 | header 1 |
 *
 * Each header is 4 KiB with a CRC32 of itself and of its bitmap slot.
 * Updates alternate between slot 0 and 1 (by `sequence`), so a torn write
 * leaves the other slot intact: the reader takes the valid slot with the
 * highest sequence. Pure: bytes in, bytes out.
 */
import { crc32 } from 'node:zlib';
import { ChunkBitmap } from './bitmap.js';
import { MetadataError } from './errors.js';

export const MAGIC = Buffer.from('TNDMMIR\0', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 4096;
const ALIGN_BYTES = 4096;
const OWNER_MAX_BYTES = 128;

export type LegState = 'in-sync' | 'failed';

export interface Owner {
  /** Node name; '' when released. */
  node: string;
  /** Bumped by every claim, so a stale owner can be told apart. */
  epoch: number;
  claimedAtMs: number;
}

/** What one leg records about the volume. */
export interface LegMetadata {
  volumeUuid: string;
  legIndex: number;
  legCount: number;
  dataSizeBytes: number;
  chunkSizeBytes: number;
  /** Slot-write counter of this leg; picks the newer of the two copies. */
  sequence: number;
  /** Bumped on every change of volume state (claim, leg failure, resync done, release). */
  eventCounter: number;
  /** True after an orderly stop. */
  clean: boolean;
  /** The state of every leg as this leg last knew it. */
  legStates: LegState[];
  owner: Owner;
  createdAtMs: number;
  bitmap: ChunkBitmap;
}

function alignUp(value: number): number { return Math.ceil(value / ALIGN_BYTES) * ALIGN_BYTES; }

export function chunkCountFor(dataSizeBytes: number, chunkSizeBytes: number): number {
  return Math.ceil(dataSizeBytes / chunkSizeBytes);
}

/** Bytes of one bitmap slot (4 KiB aligned). */
export function bitmapSlotBytes(dataSizeBytes: number, chunkSizeBytes: number): number {
  return alignUp(Math.max(1, ChunkBitmap.byteCountFor(chunkCountFor(dataSizeBytes, chunkSizeBytes))));
}

/** Bytes the metadata needs at the end of a leg. */
export function metadataBytes(dataSizeBytes: number, chunkSizeBytes: number): number {
  return 2 * HEADER_BYTES + 2 * bitmapSlotBytes(dataSizeBytes, chunkSizeBytes);
}

export function headerOffset(legSizeBytes: number, slot: number): number {
  return legSizeBytes - 2 * HEADER_BYTES + slot * HEADER_BYTES;
}

export function bitmapOffset(legSizeBytes: number, dataSizeBytes: number, chunkSizeBytes: number, slot: number): number {
  const slotBytes = bitmapSlotBytes(dataSizeBytes, chunkSizeBytes);
  return legSizeBytes - 2 * HEADER_BYTES - 2 * slotBytes + slot * slotBytes;
}

function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new MetadataError(`bad volume uuid '${uuid}'`, { uuid });
  return Buffer.from(hex, 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Encodes the header and the bitmap slot contents of one metadata copy. */
export function encodeMetadata(meta: LegMetadata): { header: Buffer; bitmap: Buffer } {
  const bitmap = Buffer.alloc(bitmapSlotBytes(meta.dataSizeBytes, meta.chunkSizeBytes));
  Buffer.from(meta.bitmap.bytes).copy(bitmap);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(FORMAT_VERSION, 8);
  uuidToBytes(meta.volumeUuid).copy(header, 16);
  header.writeUInt32BE(meta.legIndex, 32);
  header.writeUInt32BE(meta.legCount, 36);
  header.writeBigUInt64BE(BigInt(meta.dataSizeBytes), 40);
  header.writeBigUInt64BE(BigInt(meta.sequence), 48);
  header.writeBigUInt64BE(BigInt(meta.eventCounter), 56);
  header.writeUInt8(meta.clean ? 1 : 0, 64);
  meta.legStates.forEach((state, index) => header.writeUInt8(state === 'in-sync' ? 0 : 1, 65 + index));
  header.writeUInt32BE(meta.chunkSizeBytes, 68);
  header.writeUInt32BE(meta.bitmap.bytes.length, 72);
  header.writeUInt32BE(crc32(bitmap), 76);
  header.writeBigUInt64BE(BigInt(meta.owner.epoch), 80);
  header.writeBigUInt64BE(BigInt(meta.owner.claimedAtMs), 88);
  header.writeBigUInt64BE(BigInt(meta.createdAtMs), 96);
  const owner = Buffer.from(meta.owner.node, 'utf8');
  if (owner.length > OWNER_MAX_BYTES) throw new MetadataError(`owner node name longer than ${OWNER_MAX_BYTES} bytes`, { node: meta.owner.node });
  header.writeUInt16BE(owner.length, 104);
  owner.copy(header, 106);
  header.writeUInt32BE(crc32(header), 12);
  return { header, bitmap };
}

/**
 * Decodes a header; returns undefined when the slot is not a valid copy
 * (wrong magic, bad checksum), so the caller can fall back to the other.
 */
export function decodeHeader(header: Buffer): Omit<LegMetadata, 'bitmap'> & { bitmapCrc: number } | undefined {
  if (header.length < HEADER_BYTES || !header.subarray(0, 8).equals(MAGIC)) return undefined;
  const copy = Buffer.from(header.subarray(0, HEADER_BYTES));
  const storedCrc = copy.readUInt32BE(12);
  copy.writeUInt32BE(0, 12);
  if (crc32(copy) !== storedCrc) return undefined;
  if (header.readUInt32BE(8) !== FORMAT_VERSION) return undefined;
  const legCount = header.readUInt32BE(36);
  if (legCount < 1 || legCount > 8) return undefined;
  const legStates: LegState[] = [];
  for (let index = 0; index < legCount; index++) legStates.push(header.readUInt8(65 + index) === 0 ? 'in-sync' : 'failed');
  const ownerBytes = Math.min(header.readUInt16BE(104), OWNER_MAX_BYTES);
  return {
    volumeUuid: bytesToUuid(header.subarray(16, 32)),
    legIndex: header.readUInt32BE(32),
    legCount,
    dataSizeBytes: Number(header.readBigUInt64BE(40)),
    sequence: Number(header.readBigUInt64BE(48)),
    eventCounter: Number(header.readBigUInt64BE(56)),
    clean: header.readUInt8(64) === 1,
    legStates,
    chunkSizeBytes: header.readUInt32BE(68),
    owner: { node: header.subarray(106, 106 + ownerBytes).toString('utf8'), epoch: Number(header.readBigUInt64BE(80)), claimedAtMs: Number(header.readBigUInt64BE(88)) },
    createdAtMs: Number(header.readBigUInt64BE(96)),
    bitmapCrc: header.readUInt32BE(76),
  };
}

/** Checks a bitmap slot against its header; returns the bitmap or undefined if torn. */
export function decodeBitmap(slot: Buffer, header: { dataSizeBytes: number; chunkSizeBytes: number; bitmapCrc: number }): ChunkBitmap | undefined {
  if (crc32(slot) !== header.bitmapCrc) return undefined;
  return new ChunkBitmap(chunkCountFor(header.dataSizeBytes, header.chunkSizeBytes), slot);
}
