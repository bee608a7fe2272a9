import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExitReason } from './exit-reason.js';

test('the last ocf-exit-reason line wins, trimmed', () => {
  assert.equal(parseExitReason('ocf-exit-reason:first\nnoise\nocf-exit-reason: second \n'), 'second');
  assert.equal(parseExitReason('INFO: x\nERROR: ocf-exit-reason:prefixed by a logger\n'), 'prefixed by a logger');
});

test('no reason, or an empty one, is undefined; a long one is cut at 128 characters', () => {
  assert.equal(parseExitReason('just noise\n'), undefined);
  assert.equal(parseExitReason('ocf-exit-reason:\n'), undefined);
  assert.equal(parseExitReason(`ocf-exit-reason:${'x'.repeat(300)}`)?.length, 128);
});
