import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeXml } from '../cib/xml.js';
import { opDigest } from '../cib/op-digest.js';
import { applyMembership } from './node-membership.js';
import { OpStatus, recordOperation } from './op-history.js';
import { dummyXml, node1, node2, twoNodeCib } from './test-cib.js';

test('a member whose daemon restarted (restarted: true) loses its recorded history, so it is probed again', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  recordOperation(cib, node1, { id: 'd1', cls: 'ocf', provider: 'tandem', type: 'Dummy' }, {
    operation: 'start', intervalMs: 0, rc: 0, opStatus: OpStatus.done, callId: 1, opDigest: opDigest({}), startedAtMs: 0, execTimeMs: 1, queueTimeMs: 0,
    key: { actionId: 1, transitionId: 1, targetRc: 0, uuid: 'u' },
  });
  assert.deepEqual(applyMembership(cib, [{ node: node1, member: true }, { node: node2, member: true }]), [], 'members all along: nothing joined');
  assert.match(serializeXml(cib), /d1_start_0/);
  assert.deepEqual(applyMembership(cib, [{ node: node1, member: true, restarted: true }, { node: node2, member: true }]), ['node1']);
  assert.doesNotMatch(serializeXml(cib), /d1_start_0/);
});
