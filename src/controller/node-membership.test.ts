import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMembership } from './node-membership.js';
import { setTransientAttribute, transientAttributes } from './cib-edit.js';
import { dummyXml, node1, node2, twoNodeCib } from './test-cib.js';

test('a member seen again in the same membership keeps its transient attributes; a new incarnation of it starts afresh', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  setTransientAttribute(cib, node2, 'shutdown', '1700000000');
  assert.deepEqual(applyMembership(cib, [{ node: node1, member: true }, { node: node2, member: true }]), []);
  assert.equal(transientAttributes(cib, 'node2').get('shutdown'), '1700000000');
  // node2 stopped (asking to shut down) and started again between two views:
  // its shutdown request belongs to the incarnation that is gone.
  assert.deepEqual(applyMembership(cib, [{ node: node1, member: true }, { node: node2, member: true, newIncarnation: true }]), ['node2']);
  assert.equal(transientAttributes(cib, 'node2').get('shutdown'), undefined);
});
