import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fenceDelay, type FenceDelayInput } from './fence-delay.js';

const base: FenceDelayInput = {
  targetPriority: 0, ownPriority: 0, haveMajority: false, isolated: false,
  priorityFencingDelayMs: 5000, baseDelayMs: 0, maxRandomDelayMs: 0, random: () => 0.5,
};

test('the side holding the resources shoots first', () => {
  const holder = fenceDelay({ ...base, ownPriority: 10, targetPriority: 0 });
  const other = fenceDelay({ ...base, ownPriority: 0, targetPriority: 10 });
  assert.deepEqual(holder, { shoot: true, delayMs: 0 });
  assert.deepEqual(other, { shoot: true, delayMs: 5000 });
});

test('an isolated node never shoots', () => {
  const decision = fenceDelay({ ...base, isolated: true, ownPriority: 10 });
  assert.equal(decision.shoot, false);
});

test('with a majority there is no priority delay; base and random delays add up', () => {
  assert.deepEqual(fenceDelay({ ...base, haveMajority: true, targetPriority: 10 }), { shoot: true, delayMs: 0 });
  assert.deepEqual(fenceDelay({ ...base, baseDelayMs: 1000, maxRandomDelayMs: 3000, random: () => 0.25 }), { shoot: true, delayMs: 1500 });
});

test('a node waiting for all nodes since its start never shoots (no fence loop after a reboot)', () => {
  const decision = fenceDelay({ ...base, waitingForAll: true, ownPriority: 10 });
  assert.equal(decision.shoot, false);
  assert.match(decision.shoot ? '' : decision.reason, /wait_for_all/);
});
