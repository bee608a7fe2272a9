import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkBitmap } from './bitmap.js';
import { RangeLock } from './range-lock.js';
import { WriteIntent } from './write-intent.js';

test('bits are persisted before markDirty resolves, and concurrent writers share one persist', async () => {
  const persisted: number[][] = [];
  const intent = new WriteIntent(new ChunkBitmap(64), async (bitmap) => { await new Promise((resolve) => setTimeout(resolve, 5)); persisted.push(bitmap.setChunks()); });
  await Promise.all([intent.markDirty(1, 1), intent.markDirty(2, 3), intent.markDirty(1, 2)]);
  assert.ok(persisted.length <= 2, `persists: ${persisted.length}`);
  assert.deepEqual(persisted.at(-1), [1, 2, 3]);
  const before = persisted.length;
  await intent.markDirty(2, 2);
  assert.equal(persisted.length, before, 'an already persisted bit needs no metadata write');
});

test('a failed persist fails the writer', async () => {
  const intent = new WriteIntent(new ChunkBitmap(8), () => Promise.reject(new Error('no leg')));
  await assert.rejects(async () => intent.markDirty(0, 0), /no leg/);
});

test('the sweep clears only chunks idle for a whole interval', async () => {
  const intent = new WriteIntent(new ChunkBitmap(8), async () => undefined);
  await intent.markDirty(0, 2);
  intent.begin(1, 1); // in flight across the sweep
  const epoch = intent.beginSweep();
  intent.begin(2, 2); // started after the sweep began
  intent.end(2, 2);
  assert.equal(intent.finishSweep(epoch), 1);
  assert.deepEqual(intent.bitmap.setChunks(), [1, 2]);
  intent.end(1, 1);
  assert.equal(intent.finishSweep(intent.beginSweep()), 0, 'touched during the last interval');
  assert.equal(intent.finishSweep(intent.beginSweep()), 2);
});

test('overlapping ranges take turns; disjoint ranges do not wait', async () => {
  const lock = new RangeLock();
  const order: string[] = [];
  const releaseA = await lock.acquire(0, 100);
  const waiting = lock.acquire(50, 150).then((release) => { order.push('b'); release(); });
  const releaseC = await lock.acquire(100, 200).catch(() => undefined);
  order.push('c');
  releaseC?.();
  order.push('a');
  releaseA();
  await waiting;
  assert.deepEqual(order, ['c', 'a', 'b']);
});
