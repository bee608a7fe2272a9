import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { ManualTimers } from '../executor/timers.js';
import { logger } from '../log.js';
import { parseXml, serializeXml } from '../cib/xml.js';
import { actionDigest } from '../executor/action-digest.js';
import { cibHeader } from '../cib/model.js';
import { schedule } from '../scheduler/index.js';
import { Controller, type ExecutedResult } from './controller.js';
import { lrmOps } from './op-history.js';
import { planTransition, type PlannedAction } from './transition-plan.js';
import { dummyXml, twoNodeCib } from './test-cib.js';
import { applyMembership } from './node-membership.js';

/** Runs resources in memory like Dummy: a set of running resource ids per node. */
class FakeExecutor {
  readonly running = new Map<string, Set<string>>([['node1', new Set()], ['node2', new Set()]]);
  readonly log: string[] = [];
  failStartOn = new Set<string>();
  /** When set, actions wait for release() before answering. */
  hold = false;
  private held: Array<() => void> = [];
  callId = 0;

  constructor(private readonly clock: ManualClock) {}

  async execute(action: PlannedAction): Promise<ExecutedResult> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    const here = this.running.get(action.node) ?? new Set<string>();
    const id = action.rsc?.id ?? '';
    let rc = 0;
    if (action.kind === 'fence') here.clear();
    else if (action.kind === 'start') {
      if (this.failStartOn.has(action.node)) rc = 1;
      else here.add(id);
    } else if (action.kind === 'stop') here.delete(id);
    else if (action.kind === 'probe' || action.kind === 'monitor') rc = here.has(id) ? 0 : 7;
    this.log.push(action.kind === 'fence' ? `fence ${action.operation} ${action.node}` : `${action.kind === 'monitor' ? `monitor_${action.intervalMs}` : action.kind} ${id} ${action.node} rc=${rc}`);
    this.clock.advance(10);
    return { rc, status: 'done', callId: ++this.callId, opDigest: actionDigest({ resource: id, agent: { standard: 'ocf', type: 'Dummy' }, action: action.operation, params: action.params, timeoutMs: action.timeoutMs, intervalMs: action.intervalMs }), startedAtMs: this.clock.nowMs(), runTimeMs: 5, queueTimeMs: 0 };
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
  }
}

function setup(resources: string) {
  const clock = new ManualClock(1_700_000_000_000, 0);
  const fake = new FakeExecutor(clock);
  const commits: string[] = [];
  const controller = new Controller(twoNodeCib(resources), {
    clock, log: logger('controller-test'), uuid: 'test-uuid',
    execute: (action) => fake.execute(action),
    commit: async (cib) => { const v = cibHeader(cib); commits.push(`${v.epoch}.${v.numUpdates}`); },
  });
  return { clock, fake, controller, commits };
}

function nothingLeft(controller: Controller, clock: ManualClock): void {
  const result = schedule(controller.cib, new Date(clock.nowMs()));
  assert.deepEqual(planTransition(result, 99).actions, []);
}

test('probes everywhere first, then one start (ordered after the probes) and its monitor; then nothing to do', async () => {
  const { clock, fake, controller, commits } = setup(dummyXml('d1'));
  controller.trigger('test');
  await controller.settled();
  assert.deepEqual(fake.log.slice(0, 2).sort(), ['probe d1 node1 rc=7', 'probe d1 node2 rc=7']);
  const where = [...fake.running].filter(([, set]) => set.has('d1')).map(([node]) => node);
  assert.equal(where.length, 1);
  assert.deepEqual(fake.log.slice(2), [`start d1 ${where[0]} rc=0`, `monitor_10000 d1 ${where[0]} rc=0`]);
  assert.deepEqual((lrmOps(controller.cib, where[0] ?? '', 'd1') ?? []).map((o) => o.attrs.id).sort(), ['d1_last_0', 'd1_monitor_10000']);
  nothingLeft(controller, clock);
  // every result is its own status update: num_updates grows, epoch stays
  assert.deepEqual(commits, ['5.1', '5.2', '5.3', '5.4']);
});

test('a resource a probe finds running is not started again elsewhere', async () => {
  const { clock, fake, controller } = setup(dummyXml('d1'));
  fake.running.get('node2')?.add('d1');
  controller.trigger('test');
  await controller.settled();
  assert.ok(!fake.log.some((line) => line.startsWith('start')), fake.log.join('\n'));
  assert.ok(fake.log.includes('monitor_10000 d1 node2 rc=0'));
  nothingLeft(controller, clock);
});

test('an unexpected result (failed start) aborts, and the reschedule starts it on the other node', async () => {
  const { clock, fake, controller } = setup(dummyXml('d1'));
  fake.failStartOn = new Set(['node1', 'node2']);
  fake.failStartOn.delete(schedule(controller.cib, new Date(clock.nowMs())).placement.get('d1') === 'node1' ? 'node2' : 'node1');
  const bad = [...fake.failStartOn][0] ?? '';
  const good = bad === 'node1' ? 'node2' : 'node1';
  controller.trigger('test');
  await controller.settled();
  assert.ok(fake.log.includes(`start d1 ${bad} rc=1`), fake.log.join('\n'));
  assert.deepEqual(fake.log.slice(-3), [`stop d1 ${bad} rc=0`, `start d1 ${good} rc=0`, `monitor_10000 d1 ${good} rc=0`]);
  // probes and the failing start in one transition (the start waits for the probes), then the recovery
  assert.ok(controller.completed.length >= 2);
  assert.deepEqual(controller.completed[0]?.actions.filter((a) => !a.pseudo).map((a) => a.kind).sort(), ['monitor', 'probe', 'probe', 'start']);
  nothingLeft(controller, clock);
});

test('a failed recurring monitor is recovered in place', async () => {
  const { clock, fake, controller } = setup(dummyXml('d1'));
  controller.trigger('test');
  await controller.settled();
  const where = [...fake.running].find(([, set]) => set.has('d1'))?.[0] ?? '';
  fake.running.get(where)?.delete('d1');
  fake.log.length = 0;
  const node = { id: where === 'node1' ? '1' : '2', uname: where };
  controller.recordRecurring(node, { id: 'd1', cls: 'ocf', provider: 'tandem', type: 'Dummy' }, {
    operation: 'monitor', intervalMs: 10_000, rc: 7, opStatus: 0, callId: ++fake.callId, opDigest: 'd', startedAtMs: clock.nowMs(), execTimeMs: 1, queueTimeMs: 0,
    key: { actionId: 1, transitionId: 2, targetRc: 0, uuid: 'test-uuid' },
  });
  await controller.settled();
  assert.deepEqual(fake.log, [`stop d1 ${where} rc=0`, `start d1 ${where} rc=0`, `monitor_10000 d1 ${where} rc=0`]);
  nothingLeft(controller, clock);
});

test('a configuration change during a transition aborts it and the new config is carried out', async () => {
  const { clock, fake, controller } = setup(dummyXml('d1'));
  fake.hold = true;
  controller.trigger('test');
  await new Promise((resolve) => setImmediate(resolve));
  const scope = controller.update((cib) => {
    const resources = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'resources');
    resources?.children.push(parseXml(dummyXml('d2'), 'd2'));
  }, 'configure d2');
  assert.equal(scope, 'configuration');
  fake.hold = false;
  fake.release();
  await controller.settled();
  const all = [...fake.running.values()].flatMap((set) => [...set]).sort();
  assert.deepEqual(all, ['d1', 'd2']);
  assert.equal(cibHeader(controller.cib).epoch, 6);
  nothingLeft(controller, clock);
});

test('with fencing, a lost node is fenced before its resource starts elsewhere; its stop is implied', async () => {
  const fence = '<primitive id="fence1" class="stonith" type="fence_tandem_netns"/>';
  const { clock, fake, controller } = setup(fence + dummyXml('d1'));
  controller.update((cib) => {
    const crmConfig = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'crm_config');
    const stonith = crmConfig?.children[0]?.children.find((c) => c.attrs.name === 'stonith-enabled');
    if (stonith) stonith.attrs.value = 'true';
  }, 'stonith on');
  await controller.settled();
  const holder = [...fake.running].find(([, set]) => set.has('d1'))?.[0] ?? '';
  const survivor = holder === 'node1' ? 'node2' : 'node1';
  fake.log.length = 0;
  controller.update((cib) => applyMembership(cib, [
    { node: { id: holder === 'node1' ? '1' : '2', uname: holder }, member: false },
    { node: { id: survivor === 'node1' ? '1' : '2', uname: survivor }, member: true },
  ]), 'node lost');
  await controller.settled();
  const fenceAt = fake.log.indexOf(`fence reboot ${holder}`);
  assert.ok(fenceAt >= 0, fake.log.join('\n'));
  assert.ok(fake.log.indexOf(`start d1 ${survivor} rc=0`) > fenceAt, fake.log.join('\n'));
  assert.ok(!fake.log.some((line) => line.startsWith(`stop d1 ${holder}`)), 'no stop sent to the fenced node');
  const state = controller.cib.children.find((c) => c.name === 'status')?.children.find((c) => c.attrs.uname === holder);
  assert.equal(state?.attrs.expected, 'down');
  nothingLeft(controller, clock);
});

test('a halted controller (no longer DC) starts nothing new and schedules nothing', async () => {
  const { fake, controller } = setup(dummyXml('d1'));
  fake.hold = true;
  controller.trigger('test');
  await new Promise((resolve) => setImmediate(resolve));
  controller.halt();
  fake.hold = false;
  fake.release();
  await controller.settled();
  controller.trigger('after halt');
  await controller.settled();
  assert.deepEqual(fake.log.map((line) => line.split(' ')[0]), ['probe', 'probe'], fake.log.join('\n'));
});

test('failure-timeout: the DC wakes up when the failure expires and moves the resource back', async () => {
  const clock = new ManualClock(1_700_000_000_000, 0);
  const timers = new ManualTimers(clock);
  const fake = new FakeExecutor(clock);
  const xml = dummyXml('d1').replace('<operations>', '<meta_attributes id="d1-meta"><nvpair id="d1-ft" name="failure-timeout" value="60s"/><nvpair id="d1-mt" name="migration-threshold" value="1"/></meta_attributes><operations>');
  const controller = new Controller(twoNodeCib(xml, '<rsc_location id="prefer-1" rsc="d1" node="node1" score="100"/>'), {
    clock, timers, log: logger('controller-test'), uuid: 'u', execute: (action) => fake.execute(action), commit: async () => undefined,
  });
  controller.trigger('test');
  await controller.settled();
  assert.ok(fake.running.get('node1')?.has('d1'));
  fake.running.get('node1')?.delete('d1');
  controller.recordRecurring({ id: '1', uname: 'node1' }, { id: 'd1', cls: 'ocf', provider: 'tandem', type: 'Dummy' }, {
    operation: 'monitor', intervalMs: 10_000, rc: 7, opStatus: 0, callId: ++fake.callId, opDigest: 'x', startedAtMs: clock.nowMs(), execTimeMs: 1, queueTimeMs: 0,
    key: { actionId: 1, transitionId: 2, targetRc: 0, uuid: 'u' },
  });
  await controller.settled();
  assert.ok(fake.running.get('node2')?.has('d1'), 'migration-threshold 1: moved to node2');
  assert.equal(timers.count, 1, 'a wake-up at the failure expiry');
  timers.advance(62_000);
  await controller.settled();
  assert.ok(fake.running.get('node1')?.has('d1'), `back on node1 after the failure expired:\n${fake.log.join('\n')}`);
});

test('an expired failure leaves the CIB: its fail count and last-failure are cleared', async () => {
  const clock = new ManualClock(1_700_000_000_000, 0);
  const timers = new ManualTimers(clock);
  const fake = new FakeExecutor(clock);
  const xml = dummyXml('d1').replace('<operations>', '<meta_attributes id="d1-meta"><nvpair id="d1-ft" name="failure-timeout" value="60s"/></meta_attributes><operations>');
  const controller = new Controller(twoNodeCib(xml), {
    clock, timers, log: logger('controller-test'), uuid: 'u', execute: (action) => fake.execute(action), commit: async () => undefined,
  });
  controller.trigger('test');
  await controller.settled();
  const node = fake.running.get('node1')?.has('d1') ? 'node1' : 'node2';
  fake.running.get(node)?.delete('d1');
  controller.recordRecurring({ id: node === 'node1' ? '1' : '2', uname: node }, { id: 'd1', cls: 'ocf', provider: 'tandem', type: 'Dummy' }, {
    operation: 'monitor', intervalMs: 10_000, rc: 7, opStatus: 0, callId: ++fake.callId, opDigest: 'x', startedAtMs: clock.nowMs(), execTimeMs: 1, queueTimeMs: 0,
    key: { actionId: 1, transitionId: 2, targetRc: 0, uuid: 'u' },
  });
  await controller.settled();
  assert.match(serializeXml(controller.cib), /name="fail-count-d1#monitor_10000" value="1"/);
  timers.advance(62_000);
  await controller.settled();
  assert.doesNotMatch(serializeXml(controller.cib), /fail-count-d1|last-failure-d1/);
});

test('a recurring result counts only from the monitor instance the CIB records as running; a late one of a cancelled or replaced monitor is dropped', async () => {
  const { clock, fake, controller } = setup(dummyXml('d1'));
  controller.trigger('test');
  await controller.settled();
  const transition = controller.completed.find((t) => t.actions.some((a) => a.kind === 'monitor'));
  const monitor = transition?.actions.find((a) => a.kind === 'monitor');
  assert.ok(transition !== undefined && monitor !== undefined);
  const key = { actionId: monitor.id, transitionId: transition.id, targetRc: 0, uuid: 'test-uuid' };
  const failed: ExecutedResult = { rc: 7, status: 'done', callId: ++fake.callId, opDigest: 'x', startedAtMs: clock.nowMs(), runTimeMs: 1, queueTimeMs: 0 };
  const version = (): string => `${cibHeader(controller.cib).epoch}.${cibHeader(controller.cib).numUpdates}`;
  const before = version();
  controller.recurringChanged(monitor, { ...key, transitionId: transition.id + 100 }, failed);
  assert.equal(version(), before, 'an unknown instance changes nothing');
  assert.doesNotMatch(serializeXml(controller.cib), /fail-count-d1/);
  controller.recurringChanged(monitor, key, failed);
  assert.match(serializeXml(controller.cib), /name="fail-count-d1#monitor_10000" value="1"/);
  await controller.settled();
});
