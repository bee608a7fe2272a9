import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from './buffer-pool.js';

test('a buffer given back is handed out again for the same size', () => {
  const pool = new BufferPool({ minBytes: 1024 });
  const first = pool.take(4096);
  pool.give(first);
  assert.equal(pool.take(4096), first);
  assert.notEqual(pool.take(4096), first, 'taken once, so not in the pool any more');
});

test('a buffer given twice is pooled once, so two requests never share it', () => {
  const pool = new BufferPool({ minBytes: 1024 });
  const buffer = pool.take(2048);
  pool.give(buffer);
  pool.give(buffer);
  assert.equal(pool.pooledByteCount, 2048);
  assert.equal(pool.take(2048), buffer);
  assert.notEqual(pool.take(2048), buffer);
});

test('buffers the pool did not make, and small ones, are not pooled', () => {
  const pool = new BufferPool({ minBytes: 1024 });
  const slab = Buffer.alloc(8192);
  pool.give(slab.subarray(0, 4096));
  pool.give(pool.take(100));
  assert.equal(pool.pooledByteCount, 0);
});

test('the pool keeps no more than its cap', () => {
  const pool = new BufferPool({ minBytes: 1024, maxPooledBytes: 4096 });
  const buffers = [pool.take(2048), pool.take(2048), pool.take(2048)];
  for (const buffer of buffers) pool.give(buffer);
  assert.equal(pool.pooledByteCount, 4096);
});
