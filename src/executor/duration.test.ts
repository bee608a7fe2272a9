import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs } from './duration.js';

test('durations as Pacemaker writes them', () => {
  assert.equal(parseDurationMs('20'), 20_000);
  assert.equal(parseDurationMs('20s'), 20_000);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('1.5min'), 90_000);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs('0'), 0);
});

test('bad durations name the field and the text', () => {
  assert.throws(() => parseDurationMs('soon', '--timeout'), /--timeout: 'soon' is not a duration/);
  assert.throws(() => parseDurationMs('-5s', '--timeout'), /'-5s'/);
  assert.throws(() => parseDurationMs('10 parsecs'), /not a duration/);
});

test('ISO 8601 durations are accepted, as the CIB accepts them', () => {
  assert.equal(parseDurationMs('PT30S'), 30_000);
});
