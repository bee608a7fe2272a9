import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyBytes } from './buffer-pool.js';

test('copyBytes copies into and out of shared memory at an offset, and refuses what does not fit', () => {
  const shared = Buffer.from(new SharedArrayBuffer(32), 8, 16);
  const source = Buffer.from('0123456789');
  assert.equal(copyBytes(source.subarray(2, 6), shared, 3), 4);
  assert.equal(shared.subarray(3, 7).toString(), '2345');
  assert.equal(shared[2], 0, 'nothing before the target range changes');
  assert.equal(shared[7], 0, 'nothing after the target range changes');
  const out = Buffer.alloc(6, 0x2e);
  assert.equal(copyBytes(shared.subarray(3, 7), out, 1), 4);
  assert.equal(out.toString(), '.2345.');
  assert.equal(copyBytes(Buffer.alloc(0), out, 6), 0, 'an empty source copies nothing');
  assert.throws(() => copyBytes(source, out, 0), RangeError);
  assert.throws(() => copyBytes(source.subarray(0, 2), out, 5), RangeError);
});
