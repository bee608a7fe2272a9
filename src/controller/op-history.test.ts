import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedule } from '../scheduler/index.js';
import { opDigest } from '../cib/op-digest.js';
import { cleanupResource, forgetRecurring, lrmOps, OpStatus, recordedRecurringKey, recordOperation, type OperationRecord } from './op-history.js';
import { setTransientAttribute, transientAttributes } from './cib-edit.js';
import { dummyXml, node1, twoNodeCib } from './test-cib.js';

const dummy = { id: 'd1', cls: 'ocf', provider: 'tandem', type: 'Dummy' };
const now = new Date(1_700_000_000_000);

function result(operation: string, intervalMs: number, rc: number, targetRc: number, callId: number): OperationRecord {
  return {
    // As the executor records it: a recurring op's digest includes its timeout (test-cib's monitor: 20s).
    operation, intervalMs, rc, opStatus: OpStatus.done, callId, opDigest: opDigest({ state: '/tmp/d1.state', ...(intervalMs > 0 ? { CRM_meta_timeout: '20000' } : {}) }),
    startedAtMs: now.getTime() - 1000, execTimeMs: 12, queueTimeMs: 0, key: { actionId: 3, transitionId: 1, targetRc, uuid: 'u-1' },
  };
}

test('a recorded start makes the scheduler see the resource running there', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  const before = schedule(cib, now);
  assert.deepEqual(before.graph.actions.map((a) => a.kind), ['probe', 'probe', 'start', 'monitor']);
  const target = before.graph.actions.find((a) => a.kind === 'start')?.node ?? '';
  const node = target === 'node1' ? node1 : { id: '2', uname: 'node2' };
  recordOperation(cib, node, dummy, result('monitor', 0, 7, 7, 1));
  assert.equal(recordOperation(cib, node, dummy, result('start', 0, 0, 0, 2)), false);
  const after = schedule(cib, now);
  assert.equal(after.placement.get('d1'), target);
  // the other node never saw d1: it is probed there; the recurring monitor is not recorded yet
  assert.deepEqual(after.graph.actions.map((a) => `${a.kind} ${a.node}`), [`probe ${target === 'node1' ? 'node2' : 'node1'}`, `monitor ${target}`]);
  const ops = lrmOps(cib, target, 'd1') ?? [];
  assert.deepEqual(ops.map((o) => o.attrs.id), ['d1_last_0']);
  assert.equal(ops[0]?.attrs['transition-magic'], '0:0;3:1:0:u-1');
  assert.equal(ops[0]?.attrs.operation_key, 'd1_start_0');
});

test('a failed recurring monitor plans a recovery and counts a failure', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  recordOperation(cib, node1, dummy, result('start', 0, 0, 0, 2));
  recordOperation(cib, node1, dummy, result('monitor', 10_000, 0, 0, 3));
  assert.deepEqual(schedule(cib, now).graph.actions.map((a) => `${a.kind} ${a.node}`), ['probe node2']);
  assert.equal(recordOperation(cib, node1, dummy, result('monitor', 10_000, 7, 0, 4)), true);
  const after = schedule(cib, now);
  assert.deepEqual(after.graph.actions.map((a) => `${a.kind} ${a.node}`), ['probe node2', 'stop node1', 'start node1', 'monitor node1']);
  const attrs = transientAttributes(cib, 'node1');
  assert.equal(attrs.get('fail-count-d1#monitor_10000'), '1');
  assert.equal(attrs.get('last-failure-d1#monitor_10000'), String(Math.floor(now.getTime() / 1000) - 1));
  assert.deepEqual((lrmOps(cib, 'node1', 'd1') ?? []).map((o) => o.attrs.id).sort(), ['d1_last_0', 'd1_last_failure_0', 'd1_monitor_10000']);
  // a stop drops the recurring monitor's entry; cleanup forgets the rest
  recordOperation(cib, node1, dummy, result('stop', 0, 0, 0, 5));
  assert.deepEqual((lrmOps(cib, 'node1', 'd1') ?? []).map((o) => o.attrs.id).sort(), ['d1_last_0', 'd1_last_failure_0']);
  assert.equal(cleanupResource(cib, 'd1'), 1);
  assert.equal(lrmOps(cib, 'node1', 'd1'), undefined);
  assert.equal(transientAttributes(cib, 'node1').get('fail-count-d1#monitor_10000'), undefined);
});

test('a fail count at INFINITY stays INFINITY on the next failure; a count below it goes up by one', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  recordOperation(cib, node1, dummy, result('start', 0, 0, 0, 2));
  recordOperation(cib, node1, dummy, result('monitor', 10_000, 7, 0, 3));
  recordOperation(cib, node1, dummy, result('monitor', 10_000, 7, 0, 4));
  assert.equal(transientAttributes(cib, 'node1').get('fail-count-d1#monitor_10000'), '2');
  setTransientAttribute(cib, node1, 'fail-count-d1#monitor_10000', 'INFINITY');
  recordOperation(cib, node1, dummy, result('monitor', 10_000, 7, 0, 5));
  assert.equal(transientAttributes(cib, 'node1').get('fail-count-d1#monitor_10000'), 'INFINITY');
});

test('a failed start bans the node (fail count INFINITY) and moves the resource', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  assert.equal(recordOperation(cib, node1, dummy, result('start', 0, 1, 0, 2)), true);
  assert.equal(transientAttributes(cib, 'node1').get('fail-count-d1#start_0'), 'INFINITY');
  const after = schedule(cib, now);
  assert.equal(after.placement.get('d1'), 'node2');
  assert.deepEqual(after.graph.actions.map((a) => `${a.kind} ${a.node}`), ['probe node2', 'stop node1', 'start node2', 'monitor node2']);
});

test('a cancelled recurring monitor is forgotten (also under the clone primitive\'s id), and the scheduler no longer sees it running', () => {
  const cib = twoNodeCib(dummyXml('d1'));
  recordOperation(cib, node1, dummy, result('start', 0, 0, 0, 2));
  recordOperation(cib, node1, dummy, result('monitor', 10_000, 0, 0, 3));
  assert.equal(recordedRecurringKey(cib, 'node1', 'd1', 'monitor', 10_000), '3:1:0:u-1');
  assert.equal(forgetRecurring(cib, 'node1', 'd1', 'monitor', 10_000), 1);
  assert.equal(recordedRecurringKey(cib, 'node1', 'd1', 'monitor', 10_000), undefined);
  assert.deepEqual((lrmOps(cib, 'node1', 'd1') ?? []).map((op) => op.attrs.id), ['d1_last_0']);
  // nothing recorded any more: the monitor is scheduled again
  assert.deepEqual(schedule(cib, now).graph.actions.map((a) => `${a.kind} ${a.node}`), ['probe node2', 'monitor node1']);
  // Pacemaker records an anonymous clone's instance under the primitive's id
  recordOperation(cib, node1, dummy, result('monitor', 10_000, 0, 0, 4));
  assert.equal(forgetRecurring(cib, 'node1', 'd1:0', 'monitor', 10_000), 1);
  assert.equal(forgetRecurring(cib, 'node2', 'd1', 'monitor', 10_000), 0);
});
