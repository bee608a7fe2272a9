import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrue, parseIntervalMs, parseBoolean } from './values.js';

test('intervals: units, bare seconds, ISO 8601 durations, garbage', () => {
  assert.equal(parseIntervalMs('10'), 10_000);
  assert.equal(parseIntervalMs('10s'), 10_000);
  assert.equal(parseIntervalMs('500ms'), 500);
  assert.equal(parseIntervalMs('2m'), 120_000);
  assert.equal(parseIntervalMs('15min'), 900_000);
  assert.equal(parseIntervalMs('1h'), 3_600_000);
  assert.equal(parseIntervalMs('0'), 0);
  assert.equal(parseIntervalMs('PT30S'), 30_000);
  assert.equal(parseIntervalMs('P1DT2H'), 93_600_000);
  assert.equal(parseIntervalMs('P1W'), 604_800_000);
  assert.equal(parseIntervalMs('P10S'), 10_000);
  assert.equal(parseIntervalMs('P1M'), 2_592_000_000);
  assert.equal(parseIntervalMs('PT1M'), 60_000);
  assert.equal(parseIntervalMs('10x'), undefined);
  assert.equal(parseIntervalMs('P1X'), undefined);
  assert.equal(parseIntervalMs('P'), undefined);
  assert.equal(parseIntervalMs(''), undefined);
});

test('booleans as crm_is_true reads them', () => {
  assert.equal(parseBoolean('yes'), true);
  assert.equal(parseBoolean('Off'), false);
  assert.equal(parseBoolean('maybe'), undefined);
});

test('isTrue reads a flag as crm_is_true does: true words only, no trimming, fallback when absent', () => {
  for (const word of ['true', 'TRUE', 'on', 'yes', 'y', '1']) assert.equal(isTrue(word), true, word);
  for (const word of ['false', 'no', '0', 'maybe', '', ' true']) assert.equal(isTrue(word, true), false, word);
  assert.equal(isTrue(undefined), false);
  assert.equal(isTrue(undefined, true), true);
});
