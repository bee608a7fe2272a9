import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INFINITY, addScores, formatScore, parseScore } from './scores.js';

test('addScores: -INFINITY wins over +INFINITY, sums saturate', () => {
  assert.equal(addScores(INFINITY, -INFINITY), -INFINITY);
  assert.equal(addScores(-INFINITY, INFINITY), -INFINITY);
  assert.equal(addScores(INFINITY, 5), INFINITY);
  assert.equal(addScores(999_999, 5), INFINITY);
  assert.equal(addScores(-999_999, -5), -INFINITY);
  assert.equal(addScores(100, -30), 70);
});

test('parseScore: INFINITY forms, integers, garbage as the fallback', () => {
  assert.equal(parseScore('INFINITY'), INFINITY);
  assert.equal(parseScore('+infinity'), INFINITY);
  assert.equal(parseScore('-INFINITY'), -INFINITY);
  assert.equal(parseScore('42'), 42);
  assert.equal(parseScore('5000000'), INFINITY);
  assert.equal(parseScore('bogus', 7), 7);
  assert.equal(parseScore(undefined, 3), 3);
  assert.equal(formatScore(-INFINITY), '-INFINITY');
});
