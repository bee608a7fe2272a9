import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asPeerMessage } from './peer-messages.js';

const action = { id: 0, kind: 'start', node: 'n1', operation: 'start', intervalMs: 0, timeoutMs: 20000, params: {}, targetRc: 0, after: [] };

test('well-formed peer messages are accepted', () => {
  assert.equal(asPeerMessage({ t: 'cib', xml: '<cib/>' })?.t, 'cib');
  assert.equal(asPeerMessage({ t: 'exec', reqId: 1, action, key: { actionId: 0, transitionId: 1, targetRc: 0, uuid: 'u' } })?.t, 'exec');
  assert.equal(asPeerMessage({ t: 'api', reqId: 2, method: 'resource.cleanup', params: { resource: 'd1' } })?.t, 'api');
});

test('malformed peer messages are refused, never trusted', () => {
  for (const bad of [null, 42, 'cib', [], {}, { t: 'nope' }, { t: 'cib' }, { t: 'cib', xml: 7 }, { t: 'exec', reqId: 'x', action, key: {} },
    { t: 'exec', reqId: 1, action: { ...action, params: null }, key: {} }, { t: 'exec-result', reqId: 1 }, { t: 'api', reqId: 1, method: 'x', params: [] },
    { t: 'cib-offer', xml: '<cib/>' }, { t: 'recurring', action, key: {} }]) {
    assert.equal(asPeerMessage(bad), undefined, JSON.stringify(bad));
  }
});
