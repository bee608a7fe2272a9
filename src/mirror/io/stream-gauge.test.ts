import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamGauge } from './stream-gauge.js';

/** Feeds `count` requests `gapMs` apart, each seeing `inFlight(index)` others in flight; returns the answers. */
function feed(gauge: StreamGauge, clock: { nowMs: number }, count: number, gapMs: number, inFlight: (index: number) => number = () => 0): boolean[] {
  return Array.from({ length: count }, (_unused, index) => {
    clock.nowMs += gapMs;
    return gauge.arrive(inFlight(index), clock.nowMs);
  });
}

test('a busy queue-depth-1 stream goes through io_uring once it has shown itself busy', () => {
  const gauge = new StreamGauge();
  const clock = { nowMs: 0 };
  const warmup = feed(gauge, clock, 100, 0.1);
  assert.equal(warmup[0], false, 'the first request of a new stream goes to the threads');
  assert.equal(warmup.at(-1), true, '10k requests a second, one at a time: io_uring');
  assert.ok(feed(gauge, clock, 1000, 0.1).every(Boolean));
});

test('a slow queue-depth-1 stream stays on the threads (the polling thread would spin for it)', () => {
  const gauge = new StreamGauge();
  const clock = { nowMs: 0 };
  assert.ok(feed(gauge, clock, 1000, 5).every((viaUring) => !viaUring), '200 requests a second');
  assert.ok(feed(gauge, clock, 1000, 1).every((viaUring) => !viaUring), '1000 requests a second');
  feed(gauge, clock, 200, 0.1);
  const pause = feed(gauge, clock, 1, 50);
  assert.equal(pause[0], false, 'after a pause of 50 ms, the stream must show itself busy again');
});

test('a deep stream turns to the threads within a few requests, also at the start of each batch, and back after it ends', () => {
  const gauge = new StreamGauge();
  const clock = { nowMs: 0 };
  feed(gauge, clock, 100, 0.1);
  // A client at depth 32: the first requests of its first batch may still go through io_uring.
  const firstBatch = feed(gauge, clock, 32, 0.01, (index) => index);
  assert.ok(firstBatch.filter(Boolean).length <= 3, `at most the first few of a deep batch: ${firstBatch.join(',')}`);
  assert.ok(feed(gauge, clock, 1000, 0.01, (index) => index % 32).every((viaUring) => !viaUring));
  const after = feed(gauge, clock, 40, 0.1);
  assert.equal(after.at(-1), true, 'back to depth 1: io_uring again');
  assert.ok(after.indexOf(true) > 5, 'not on the first lone request: one gap in a deep stream does not switch');
});

test('a stream at depth 2 counts as deep', () => {
  const gauge = new StreamGauge();
  const clock = { nowMs: 0 };
  assert.equal(feed(gauge, clock, 300, 0.05, () => 1).at(-1), false);
});
