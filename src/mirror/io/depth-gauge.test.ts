import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepthGauge } from './depth-gauge.js';

test('a queue-depth-1 stream stays shallow; a deep one turns deep within a few requests and shallow again after it ends', () => {
  const gauge = new DepthGauge();
  for (let request = 0; request < 100; request++) assert.equal(gauge.arrive(0), true, 'nothing else in flight: shallow');
  // A client at depth 32: the first requests of its first batch may still go the shallow way.
  const firstBatch = Array.from({ length: 32 }, (_unused, inFlight) => gauge.arrive(inFlight));
  assert.ok(firstBatch.filter((shallow) => shallow).length <= 3, `at most the first few of a deep batch go shallow: ${firstBatch.join(',')}`);
  for (let request = 0; request < 1000; request++) assert.equal(gauge.arrive(request % 32), false, 'a deep stream, also at the start of each batch');
  const after = Array.from({ length: 40 }, () => gauge.arrive(0));
  assert.equal(after.at(-1), true, 'back to depth 1: shallow again');
  assert.ok(after.indexOf(true) > 5, 'not on the first lone request: one gap in a deep stream does not switch');
});

test('a stream at depth 2 counts as deep', () => {
  const gauge = new DepthGauge();
  let shallow = true;
  for (let request = 0; request < 200; request++) shallow = gauge.arrive(1);
  assert.equal(shallow, false);
});
