import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTail } from './output-tail.js';

test('keeps everything under the limit', () => {
  const tail = new OutputTail(16);
  tail.push(Buffer.from('hello '));
  tail.push(Buffer.from('world'));
  assert.equal(tail.text(), 'hello world');
  assert.equal(tail.truncated, false);
});

test('keeps only the last bytes over the limit, in small and big chunks', () => {
  const tail = new OutputTail(8);
  for (let index = 0; index < 100; index++) tail.push(Buffer.from(String(index % 10)));
  assert.equal(tail.text(), '23456789');
  assert.equal(tail.totalBytes, 100);
  assert.equal(tail.truncated, true);
  tail.push(Buffer.from('abcdefghijklmnop'));
  assert.equal(tail.text(), 'ijklmnop');
  tail.push(Buffer.from('XY'));
  assert.equal(tail.text(), 'klmnopXY');
});
