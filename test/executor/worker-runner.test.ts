/**
 * tandem's agents in the executor's long-lived worker: the same results as
 * through their launchers, one worker process reused across actions, a hung
 * action killed at its timeout with the worker's whole group (and the next
 * action served by a fresh worker), a detached service outliving its worker.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionScheduler } from '../../src/executor/action-scheduler.js';
import { WorkerActionRunner, isBuiltinAgent } from '../../src/executor/worker-runner.js';
import { parseAgentSpec } from '../../src/executor/agent-spec.js';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { isAlive, killPid, lifeCycleSteps, rcs, request, runActionSequence, tempDir, waitFor } from './helpers.js';

const runner = new WorkerActionRunner({ killGraceMs: 500 });
after(() => runner.close());

test('routing: only ocf:tandem agents that tandem ships go to the worker', () => {
  assert.equal(isBuiltinAgent(parseAgentSpec('ocf:tandem:Dummy')), true);
  assert.equal(isBuiltinAgent(parseAgentSpec('ocf:tandem:Mirror')), true);
  assert.equal(isBuiltinAgent(parseAgentSpec('ocf:heartbeat:Dummy')), false);
  assert.equal(isBuiltinAgent(parseAgentSpec('ocf:tandem:Nope')), false);
});

test('tandem:Dummy in the worker: the same rc sequence as through its launcher, one worker for all', async () => {
  const temp = tempDir('worker-dummy');
  try {
    const scheduler = new ActionScheduler({ runner });
    const results = [];
    for (const step of lifeCycleSteps) {
      results.push(await scheduler.submit(request('ocf:tandem:Dummy', 'worker-dummy', step.action, { state: join(temp.dir, 'w.state') }, step.intervalMs === undefined ? {} : { intervalMs: step.intervalMs })));
    }
    const launched = await runActionSequence('ocf:tandem:Dummy', { state: join(temp.dir, 'l.state') }, lifeCycleSteps, 'launched-dummy');
    assert.deepEqual(rcs(results), rcs(launched));
    assert.equal(new Set(results.map((result) => result.pid)).size, 1, 'one worker process served every action');
    assert.ok(results.every((result) => result.status === 'done'));
  } finally {
    temp.remove();
  }
});

test('meta-data comes back as the action\'s output; an unknown type is not installed', async () => {
  const meta = await runner.run(request('ocf:tandem:Mirror', 'm', 'meta-data'));
  assert.equal(meta.rc, 0);
  assert.match(meta.stdoutTail, /<resource-agent name="Mirror"/);
  const unknown = await runner.run(request('ocf:tandem:Nope', 'n', 'monitor'));
  assert.equal(unknown.rc, OcfExit.ERR_INSTALLED);
  assert.match(unknown.exitReason ?? '', /not a built-in tandem agent/);
});

test('a hung action is ended at its timeout with its worker; the next action gets a fresh worker', async () => {
  const temp = tempDir('worker-hung');
  try {
    const params = { state: join(temp.dir, 'hung.state'), op_sleep: '30' };
    const hung = await runner.run(request('ocf:tandem:Dummy', 'hung', 'start', params, { timeoutMs: 1000 }));
    assert.equal(hung.status, 'timeout');
    assert.equal(hung.rc, OcfExit.ERR_GENERIC);
    assert.match(hung.exitReason ?? '', /start timed out after 1000 ms/);
    const hungPid = hung.pid ?? -1;
    assert.ok(await waitFor(() => !isAlive(hungPid), 5000), 'the hung worker was killed');
    const next = await runner.run(request('ocf:tandem:Dummy', 'hung', 'monitor', { state: join(temp.dir, 'hung.state') }));
    assert.equal(next.rc, OcfExit.NOT_RUNNING);
    assert.notEqual(next.pid, hungPid);
  } finally {
    temp.remove();
  }
});

test('a service started through the worker lives on when its worker is killed', async () => {
  const temp = tempDir('worker-app');
  const pidfile = join(temp.dir, 'app.pid');
  try {
    const params = { command: '/bin/sleep', args: '300', pidfile, logfile: join(temp.dir, 'app.log') };
    const started = await runner.run(request('ocf:tandem:App', 'app', 'start', params));
    assert.equal(started.rc, 0, started.exitReason);
    const appPid = Number(readFileSync(pidfile, 'utf8').split('\n')[0]);
    // Kill the worker that started it, as a timeout would.
    const hung = await runner.run(request('ocf:tandem:Dummy', 'x', 'start', { state: join(temp.dir, 'x.state'), op_sleep: '30' }, { timeoutMs: 500 }));
    assert.equal(hung.status, 'timeout');
    assert.ok(isAlive(appPid), 'the application is not in the worker\'s process group');
    const monitored = await runner.run(request('ocf:tandem:App', 'app', 'monitor', params, { intervalMs: 10_000 }));
    assert.equal(monitored.rc, 0);
    assert.equal((await runner.run(request('ocf:tandem:App', 'app', 'stop', params))).rc, 0);
    assert.ok(await waitFor(() => !isAlive(appPid)), 'stop ended the application');
  } finally {
    if (existsSync(pidfile)) killPid(Number(readFileSync(pidfile, 'utf8').split('\n')[0]));
    temp.remove();
  }
});

test('the standard runner sends tandem\'s agents to the worker and Debian\'s to a process', async () => {
  const { standardRunner } = await import('../../src/executor/standard-runner.js');
  const standard = standardRunner();
  const temp = tempDir('standard');
  try {
    const ours = await standard.run(request('ocf:tandem:Dummy', 's1', 'monitor', { state: join(temp.dir, 'a') }));
    const again = await standard.run(request('ocf:tandem:Dummy', 's1', 'monitor', { state: join(temp.dir, 'a') }));
    assert.equal(ours.rc, OcfExit.NOT_RUNNING);
    assert.equal(ours.pid, again.pid, 'tandem:Dummy ran in one long-lived worker');
    const debian = await standard.run(request('ocf:heartbeat:Dummy', 's2', 'monitor', { state: join(temp.dir, 'b') }));
    const debianAgain = await standard.run(request('ocf:heartbeat:Dummy', 's2', 'monitor', { state: join(temp.dir, 'b') }));
    assert.equal(debian.rc, OcfExit.NOT_RUNNING);
    assert.notEqual(debian.pid, debianAgain.pid, 'Debian\'s Dummy ran as a new process each time');
  } finally {
    standard.close();
    temp.remove();
  }
});
