import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electDc, type ViewMember } from './dc-election.js';

const node = (nodeId: number, memberSinceView: number): ViewMember => ({ nodeId, name: `node${nodeId}`, memberSinceView });

test('the longest-standing member is DC, whatever the order of the list', () => {
  const members = [node(1, 5), node(2, 3), node(3, 3)];
  assert.equal(electDc({ viewId: 6, members, quorate: true })?.name, 'node2');
  assert.equal(electDc({ viewId: 6, members: [...members].reverse(), quorate: true })?.name, 'node2');
});

test('a rejoining node with a lower id does not take over', () => {
  assert.equal(electDc({ viewId: 9, members: [node(2, 3), node(1, 9)], quorate: true })?.name, 'node2');
});

test('an empty view has no DC; suicide policy without quorum has none', () => {
  assert.equal(electDc({ viewId: 1, members: [], quorate: false }), undefined);
  assert.equal(electDc({ viewId: 1, members: [node(1, 1)], quorate: false }, 'suicide'), undefined);
  assert.equal(electDc({ viewId: 1, members: [node(1, 1)], quorate: false }, 'stop')?.name, 'node1');
});
