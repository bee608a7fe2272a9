import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { runAction } from './dispatcher.js';
import { calls, testAgent } from './test-agent.js';

const base = { OCF_ROOT: '/usr/lib/ocf', OCF_RESOURCE_INSTANCE: 'p1', OCF_RESKEY_name: 'web', OCF_RESKEY_CRM_meta_interval: '10000' };

beforeEach(() => { calls.length = 0; });

test('no action: usage, rc 2 (OCF_ERR_ARGS)', async () => {
  const result = await runAction(testAgent, undefined, base);
  assert.equal(result.rc, 2);
  assert.match(result.output, /^usage: Probe \{start\|stop\|monitor\|notify\|validate-all\|meta-data\}/);
});

test('an unknown or undeclared action: rc 3 (OCF_ERR_UNIMPLEMENTED), no handler runs', async () => {
  for (const action of ['frobnicate', 'promote', 'reload']) {
    const result = await runAction(testAgent, action, base);
    assert.equal(result.rc, 3, action);
    assert.match(result.exitReason ?? '', new RegExp(`'${action}' is not implemented`));
  }
  assert.deepEqual(calls, []);
});

test('meta-data: rc 0 even without any parameter', async () => {
  const result = await runAction(testAgent, 'meta-data', {});
  assert.equal(result.rc, 0);
  assert.match(result.output, /<resource-agent name="Probe"/);
});

test('validate-all runs the validate hook only', async () => {
  assert.equal((await runAction(testAgent, 'validate-all', base)).rc, 0);
  assert.deepEqual(calls, ['validate']);
});

test('start validates first; a missing binary is 5 (OCF_ERR_INSTALLED) and start does not run', async () => {
  const result = await runAction(testAgent, 'start', { ...base, OCF_RESKEY_name: 'missing-binary' });
  assert.equal(result.rc, 5);
  assert.equal(result.exitReason, 'binary /usr/bin/probe not found');
  assert.deepEqual(calls, ['validate']);
});

test('missing configuration: 6 on a recurring monitor, start and validate-all, 7 on a probe', async () => {
  const { OCF_RESKEY_name: _name, ...unconfigured } = base;
  assert.equal((await runAction(testAgent, 'monitor', unconfigured)).rc, 6);
  assert.equal((await runAction(testAgent, 'start', unconfigured)).rc, 6);
  assert.equal((await runAction(testAgent, 'validate-all', unconfigured)).rc, 6);
  const { OCF_RESKEY_CRM_meta_interval: _interval, ...probe } = unconfigured;
  assert.equal((await runAction(testAgent, 'monitor', probe)).rc, 7);
  assert.equal((await runAction(testAgent, 'monitor', { ...probe, OCF_RESKEY_CRM_meta_interval: '0' })).rc, 7);
  assert.equal((await runAction(testAgent, 'monitor', { ...probe, OCF_RESKEY_name: 'x', OCF_RESKEY_count: 'lots' })).rc, 7);
  assert.deepEqual(calls, []);
});

test('a handler\'s rc and exit reason come back; its timeout is the manager\'s or the declared one', async () => {
  const stopped = await runAction(testAgent, 'monitor', { ...base, OCF_RESKEY_answer: '7', OCF_CHECK_LEVEL: '10', OCF_RESKEY_CRM_meta_timeout: '9000' });
  assert.deepEqual(stopped, { rc: 7, exitReason: 'not running', output: '' });
  await runAction(testAgent, 'monitor', base);
  assert.deepEqual(calls, ['monitor:10:9000', 'monitor:0:20000']);
});

test('a handler that throws a plain error: rc 1 with its message as the reason, logged', async () => {
  const lines: string[] = [];
  const result = await runAction(testAgent, 'monitor', { ...base, OCF_RESKEY_answer: '-1' }, { writeLog: (line) => lines.push(line) });
  assert.equal(result.rc, 1);
  assert.equal(result.exitReason, 'boom');
  assert.match(lines.join(''), /^Probe\(p1\)\[\d+\]: ERROR: monitor failed: Error: boom/);
});

test('OCF_TRACE_RA turns on debug lines', async () => {
  const lines: string[] = [];
  await runAction(testAgent, 'stop', { ...base, OCF_TRACE_RA: '1' }, { writeLog: (line) => lines.push(line) });
  assert.match(lines.join(''), /DEBUG: stop begins \(timeout 40000 ms\)/);
  lines.length = 0;
  await runAction(testAgent, 'stop', base, { writeLog: (line) => lines.push(line) });
  assert.deepEqual(lines, []);
});

test('remainingMs counts down from the timeout by the injected clock', async () => {
  let nowMs = 1000;
  let seen: number[] = [];
  const agent = { ...testAgent, actions: { ...testAgent.actions, stop: { timeoutS: 20, handler: (context: { remainingMs(): number }) => {
    seen = [context.remainingMs()]; nowMs += 5000; seen.push(context.remainingMs()); nowMs += 60000; seen.push(context.remainingMs()); return 0;
  } } } };
  await runAction(agent, 'stop', base, { monotonicMs: () => nowMs });
  assert.deepEqual(seen, [20000, 15000, 0]);
});
