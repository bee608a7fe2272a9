import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkBitmap, chunkSpan } from './bitmap.js';
import { decodeBitmap, decodeHeader, encodeMetadata, metadataBytes, type LegMetadata } from './superblock.js';

function sample(): LegMetadata {
  const bitmap = new ChunkBitmap(100);
  bitmap.set(3);
  bitmap.set(99);
  return {
    volumeUuid: '0123abcd-4567-89ab-cdef-0123456789ab', legIndex: 1, legCount: 2, dataSizeBytes: 100 * 65536, chunkSizeBytes: 65536,
    sequence: 7, eventCounter: 42, clean: false, legStates: ['in-sync', 'failed'],
    owner: { node: 'node-a', epoch: 3, claimedAtMs: 1700000000000 }, createdAtMs: 1600000000000, bitmap,
  };
}

test('metadata round-trips through header and bitmap slot', () => {
  const meta = sample();
  const { header, bitmap } = encodeMetadata(meta);
  const decoded = decodeHeader(header);
  assert.ok(decoded);
  const { bitmapCrc: _crc, ...rest } = decoded;
  const restored = decodeBitmap(bitmap, decoded);
  assert.ok(restored);
  assert.deepEqual({ ...rest, bitmap: restored.setChunks() }, { ...meta, bitmap: [3, 99] });
});

test('a torn header or bitmap is rejected, so the reader falls back to the other slot', () => {
  const { header, bitmap } = encodeMetadata(sample());
  const tornHeader = Buffer.from(header);
  tornHeader[40]! ^= 1;
  assert.equal(decodeHeader(tornHeader), undefined);
  const decoded = decodeHeader(header)!;
  const tornBitmap = Buffer.from(bitmap);
  tornBitmap[0]! ^= 0x80;
  assert.equal(decodeBitmap(tornBitmap, decoded), undefined);
  assert.equal(decodeHeader(Buffer.alloc(4096)), undefined);
});

test('metadata size grows with the bitmap, 4 KiB aligned', () => {
  assert.equal(metadataBytes(64 * 1024 * 1024, 1024 * 1024), 4 * 4096);
  assert.equal(metadataBytes(1024 ** 4, 64 * 1024), 2 * 4096 + 2 * 2 * 1024 * 1024);
});

test('bitmap set/clear/count/union and chunk spans', () => {
  const a = new ChunkBitmap(20);
  const b = new ChunkBitmap(20);
  a.set(0);
  b.set(19);
  b.set(7);
  a.unionWith(b);
  assert.deepEqual(a.setChunks(), [0, 7, 19]);
  a.clear(7);
  assert.equal(a.count(), 2);
  a.setAll();
  assert.equal(a.count(), 20);
  assert.deepEqual(chunkSpan(0, 4096, 65536), { first: 0, last: 0 });
  assert.deepEqual(chunkSpan(65535, 2, 65536), { first: 0, last: 1 });
  assert.deepEqual(chunkSpan(131072, 65536, 65536), { first: 2, last: 2 });
});
