import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FenceAttempts } from './fence-attempts.js';

test('attempts stop after stonith-max-attempts failures in a row, until success or the node is back', () => {
  const attempts = new FenceAttempts();
  for (let count = 0; count < 3; count++) {
    assert.equal(attempts.mayAttempt('n2', 3), true);
    attempts.record('n2', false);
  }
  assert.equal(attempts.mayAttempt('n2', 3), false);
  assert.equal(attempts.mayAttempt('n1', 3), true, 'per node');
  attempts.reset('n2');
  assert.equal(attempts.failuresOf('n2'), 0);
  attempts.record('n2', false);
  attempts.record('n2', true);
  assert.equal(attempts.failuresOf('n2'), 0, 'a success clears the count');
  assert.equal(new FenceAttempts().mayAttempt('n1', 0), true, 'at least one attempt');
});
