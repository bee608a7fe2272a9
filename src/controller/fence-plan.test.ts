import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opDigest } from '../cib/op-digest.js';
import { fenceDecision } from './fence-plan.js';
import { OpStatus, recordOperation } from './op-history.js';
import { node1, twoNodeCib } from './test-cib.js';

const cib = twoNodeCib(`<primitive id="db" class="ocf" provider="tandem" type="Dummy">
  <meta_attributes id="db-meta"><nvpair id="db-priority" name="priority" value="10"/></meta_attributes>
</primitive>`);
cib.children[0]?.children[0]?.children[0]?.children.push({ name: 'nvpair', attrs: { id: 'o-pfd', name: 'priority-fencing-delay', value: '5s' }, children: [] });
recordOperation(cib, node1, { id: 'db', cls: 'ocf', provider: 'tandem', type: 'Dummy' }, {
  operation: 'start', intervalMs: 0, rc: 0, opStatus: OpStatus.done, callId: 1, opDigest: opDigest({}), startedAtMs: 0, execTimeMs: 1, queueTimeMs: 0,
  key: { actionId: 1, transitionId: 1, targetRc: 0, uuid: 'u' },
});
const situation = { haveMajority: false, isolated: false, random: () => 0.5, now: new Date(1_700_000_000_000) };

test('shooting the node that holds the higher-priority resources waits priority-fencing-delay; the holder shoots at once', () => {
  assert.deepEqual(fenceDecision(cib, {}, { ...situation, self: 'node2', target: 'node1' }), { shoot: true, delayMs: 5000 });
  assert.deepEqual(fenceDecision(cib, {}, { ...situation, self: 'node1', target: 'node2' }), { shoot: true, delayMs: 0 });
});

test('device delays add up; an isolated node never shoots', () => {
  assert.deepEqual(fenceDecision(cib, { pcmk_delay_base: '1s', pcmk_delay_max: '3s' }, { ...situation, self: 'node1', target: 'node2' }), { shoot: true, delayMs: 2000 });
  assert.equal(fenceDecision(cib, {}, { ...situation, isolated: true, self: 'node1', target: 'node2' }).shoot, false);
});
