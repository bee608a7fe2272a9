import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INFINITY, addScores, clampScore, formatScore, parseScore, parseScoreOr } from './score.js';

test('addScores: -INFINITY wins over +INFINITY, sums saturate', () => {
  assert.equal(addScores(INFINITY, -INFINITY), -INFINITY);
  assert.equal(addScores(-INFINITY, INFINITY), -INFINITY);
  assert.equal(addScores(INFINITY, 5), INFINITY);
  assert.equal(addScores(999_999, 5), INFINITY);
  assert.equal(addScores(-999_999, -5), -INFINITY);
  assert.equal(addScores(100, -30), 70);
  assert.equal(clampScore(-2_000_000), -INFINITY);
});

test('parseScore (strict): infinity spellings, integers, clamping; garbage is undefined', () => {
  assert.equal(parseScore('INFINITY'), INFINITY);
  assert.equal(parseScore('+INFINITY'), INFINITY);
  assert.equal(parseScore('-infinity'), -INFINITY);
  assert.equal(parseScore(' 42 '), 42);
  assert.equal(parseScore('-100'), -100);
  assert.equal(parseScore('+7'), 7);
  assert.equal(parseScore('5000000'), INFINITY);
  assert.equal(parseScore('-5000000'), -INFINITY);
  assert.equal(parseScore('abc'), undefined);
  assert.equal(parseScore('1.5'), undefined);
  assert.equal(parseScore('12abc'), undefined);
  assert.equal(parseScore(''), undefined);
});

test('parseScoreOr (lenient, like char2score): integer prefix, else the fallback', () => {
  assert.equal(parseScoreOr('+infinity', 0), INFINITY);
  assert.equal(parseScoreOr('-INFINITY', 0), -INFINITY);
  assert.equal(parseScoreOr('42', 0), 42);
  assert.equal(parseScoreOr('5000000', 0), INFINITY);
  assert.equal(parseScoreOr('12abc', 0), 12);
  assert.equal(parseScoreOr('1.5', 0), 1);
  assert.equal(parseScoreOr('bogus', 7), 7);
  assert.equal(parseScoreOr('-infinityx', 7), 7);
  assert.equal(parseScoreOr(undefined, 3), 3);
});

test('formatScore: saturated values print as INFINITY words', () => {
  assert.equal(formatScore(INFINITY), 'INFINITY');
  assert.equal(formatScore(-2_000_000), '-INFINITY');
  assert.equal(formatScore(-100), '-100');
  assert.equal(formatScore(0), '0');
});
