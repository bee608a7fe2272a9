import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedArena } from './shared-arena.js';

const small = (): SharedArena => new SharedArena([{ blockBytes: 4096, blockCount: 2 }, { blockBytes: 65536, blockCount: 1 }]);

test('a block given back is handed out again, last freed first', () => {
  const arena = small();
  const first = arena.tryTake(100)!;
  assert.equal(first.length, 100);
  assert.ok(first.buffer instanceof SharedArrayBuffer, 'the I/O threads must be able to reach it');
  const firstOffset = first.byteOffset;
  assert.equal(arena.give(first), true);
  assert.equal(arena.tryTake(4096)!.byteOffset, firstOffset);
});

test('a block given twice is freed once, so two requests never share it', () => {
  const arena = small();
  const block = arena.tryTake(4096)!;
  assert.equal(arena.give(block), true);
  assert.equal(arena.give(block), false);
  const a = arena.tryTake(4096)!;
  const b = arena.tryTake(4096)!;
  assert.notEqual(a.byteOffset, b.byteOffset);
});

test('a size too big for the small class comes from the larger one; beyond every class, none', () => {
  const arena = small();
  const block = arena.tryTake(5000)!;
  assert.equal(arena.locate(block)?.classIndex, 1);
  assert.equal(arena.tryTake(70_000), undefined);
  assert.equal(arena.maxBlockBytes, 65536);
});

test('buffers the arena did not make are ignored', () => {
  const arena = small();
  assert.equal(arena.give(Buffer.alloc(4096)), false);
  assert.equal(arena.locate(Buffer.alloc(10)), undefined);
  assert.equal(arena.blocksInUse, 0);
});

test('take waits for a block when every one is in use, and gets the one given back', async () => {
  const arena = small();
  const held = [arena.tryTake(4096)!, arena.tryTake(4096)!, arena.tryTake(4096)!];
  assert.equal(arena.tryTake(1), undefined, 'all three blocks are out');
  let got: Buffer | undefined;
  const waiting = arena.take(10).then((block) => { got = block; });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(got, undefined);
  arena.give(held[1]!);
  await waiting;
  assert.equal(got!.byteOffset, held[1]!.byteOffset);
  await assert.rejects(arena.take(1 << 20), RangeError);
});
