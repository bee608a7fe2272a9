import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeQuorum } from './quorum.js';

test('two_node + wait_for_all: one of two only after both were seen', () => {
  const config = { expectedVotes: 2, twoNode: true, waitForAll: true };
  assert.equal(computeQuorum(config, [1], false).quorate, false);
  assert.equal(computeQuorum(config, [1, 1], true).quorate, true);
  assert.equal(computeQuorum(config, [1], true).quorate, true);
  assert.equal(computeQuorum({ ...config, twoNode: false }, [1], true).quorate, false);
});

test('majority of expected votes', () => {
  const config = { expectedVotes: 3, twoNode: false, waitForAll: false };
  assert.equal(computeQuorum(config, [1, 1], false).quorate, true);
  assert.equal(computeQuorum(config, [1], false).quorate, false);
  assert.equal(computeQuorum(config, [1], false).neededVotes, 2);
  assert.equal(computeQuorum({ ...config, expectedVotes: 4 }, [1, 1], false).quorate, false);
});
