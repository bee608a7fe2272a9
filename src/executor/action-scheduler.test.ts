/**
 * The scheduler's rules with a fake runner whose actions end when the test
 * says so, and a ManualClock/ManualTimers, so no real time passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { OcfExit } from '../ocf/exit-codes.js';
import type { ActionRequest, ActionResult, ActionRunner, RunOutcome } from './action.js';
import { ActionScheduler } from './action-scheduler.js';
import { parseAgentSpec } from './agent-spec.js';
import { ExecutorInputError } from './errors.js';
import { ManualTimers } from './timers.js';

interface Pending { request: ActionRequest; finish: (rc?: number) => void }

class FakeRunner implements ActionRunner {
  readonly running: Pending[] = [];
  readonly started: string[] = [];
  failWith: unknown;

  run(request: ActionRequest): Promise<RunOutcome> {
    this.started.push(`${request.resource}:${request.action}`);
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return new Promise((resolve) => {
      const pending: Pending = {
        request,
        finish: (rc = OcfExit.SUCCESS) => {
          this.running.splice(this.running.indexOf(pending), 1);
          resolve({ rc, status: 'done', stdoutTail: '', stderrTail: '', outputTruncated: false });
        },
      };
      this.running.push(pending);
    });
  }

  /** Ends the running action on `resource`. */
  finish(resource: string, rc?: number): void {
    const pending = this.running.find((each) => each.request.resource === resource);
    assert.ok(pending, `an action runs on ${resource}`);
    pending.finish(rc);
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(maxConcurrent = 2): { runner: FakeRunner; clock: ManualClock; timers: ManualTimers; scheduler: ActionScheduler } {
  const runner = new FakeRunner();
  const clock = new ManualClock(1_700_000_000_000, 0);
  const timers = new ManualTimers(clock);
  return { runner, clock, timers, scheduler: new ActionScheduler({ runner, clock, timers, maxConcurrent }) };
}

const req = (resource: string, action: string, extra: Partial<ActionRequest> = {}): ActionRequest =>
  ({ resource, agent: parseAgentSpec('ocf:heartbeat:Dummy'), action, params: { state: `/tmp/${resource}` }, timeoutMs: 20_000, ...extra });

test('never more than maxConcurrent actions at once; the rest wait in order', async () => {
  const { runner, scheduler } = setup(2);
  const results = ['a', 'b', 'c', 'd'].map((resource) => scheduler.submit(req(resource, 'start')));
  await settle();
  assert.deepEqual(runner.started, ['a:start', 'b:start']);
  assert.equal(scheduler.runningCount, 2);
  assert.equal(scheduler.queuedCount, 2);
  runner.finish('b');
  await settle();
  assert.deepEqual(runner.started, ['a:start', 'b:start', 'c:start']);
  runner.finish('a');
  runner.finish('c');
  await settle();
  runner.finish('d');
  const done = await Promise.all(results);
  assert.deepEqual(done.map((result) => result.callId), [1, 2, 3, 4]);
});

test('actions on one resource run one after the other, in submission order', async () => {
  const { runner, clock, scheduler } = setup(4);
  const start = scheduler.submit(req('r1', 'start'));
  const monitor = scheduler.submit(req('r1', 'monitor'));
  const other = scheduler.submit(req('r2', 'start'));
  await settle();
  assert.deepEqual(runner.started, ['r1:start', 'r2:start'], 'r1 monitor waits although slots are free');
  clock.advance(1500);
  runner.finish('r1');
  await settle();
  assert.deepEqual(runner.started, ['r1:start', 'r2:start', 'r1:monitor']);
  clock.advance(250);
  runner.finish('r1', OcfExit.NOT_RUNNING);
  runner.finish('r2');
  const [startResult, monitorResult] = await Promise.all([start, monitor, other]);
  assert.equal(startResult.runTimeMs, 1500);
  assert.equal(startResult.queueTimeMs, 0);
  assert.equal(startResult.startedAtMs, 1_700_000_000_000);
  assert.equal(monitorResult.queueTimeMs, 1500, 'queue time counts the wait for the resource');
  assert.equal(monitorResult.runTimeMs, 250);
  assert.equal(monitorResult.rc, OcfExit.NOT_RUNNING);
});

test('a recurring monitor runs now, then interval after each run, until cancelled', async () => {
  const { runner, timers, scheduler } = setup(2);
  const seen: ActionResult[] = [];
  const key = scheduler.startRecurring(req('r1', 'monitor', { intervalMs: 10_000 }), (result) => seen.push(result));
  assert.equal(key, 'r1_monitor_10000');
  assert.deepEqual(scheduler.recurringKeys(), ['r1_monitor_10000']);
  await settle();
  assert.equal(runner.started.length, 1);
  runner.finish('r1');
  await settle();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.intervalMs, 10_000);
  timers.advance(9_999);
  await settle();
  assert.equal(runner.started.length, 1, 'not before the interval');
  timers.advance(1);
  await settle();
  assert.equal(runner.started.length, 2);
  runner.finish('r1', OcfExit.NOT_RUNNING);
  await settle();
  assert.deepEqual(seen.map((result) => result.rc), [OcfExit.SUCCESS, OcfExit.NOT_RUNNING]);
  assert.equal(scheduler.cancelRecurring('r1', 'monitor', 10_000), true);
  assert.equal(scheduler.cancelRecurring('r1', 'monitor', 10_000), false);
  assert.deepEqual(scheduler.recurringKeys(), []);
  timers.advance(60_000);
  await settle();
  assert.equal(runner.started.length, 2, 'no run after cancel');
  assert.equal(timers.count, 0);
});

test('a recurring monitor cancelled while running delivers nothing more and is not rescheduled', async () => {
  const { runner, timers, scheduler } = setup(2);
  const seen: ActionResult[] = [];
  scheduler.startRecurring(req('r1', 'monitor', { intervalMs: 5_000 }), (result) => seen.push(result));
  await settle();
  assert.equal(scheduler.cancelAllRecurring('r1'), 1);
  runner.finish('r1');
  await settle();
  assert.equal(seen.length, 0);
  assert.equal(timers.count, 0);
});

test('a recurring monitor shares the resource queue with one-shot actions', async () => {
  const { runner, timers, scheduler } = setup(2);
  scheduler.startRecurring(req('r1', 'monitor', { intervalMs: 1_000 }), () => undefined);
  await settle();
  const stop = scheduler.submit(req('r1', 'stop'));
  timers.advance(5_000);
  await settle();
  assert.deepEqual(runner.started, ['r1:monitor']);
  runner.finish('r1');
  await settle();
  assert.deepEqual(runner.started, ['r1:monitor', 'r1:stop'], 'the stop queued first runs before the next monitor');
  scheduler.cancelRecurring('r1', 'monitor', 1_000);
  runner.finish('r1');
  assert.equal((await stop).rc, OcfExit.SUCCESS);
});

test('a runner that throws gives a generic error result, and the queue goes on', async () => {
  const { runner, scheduler } = setup(1);
  runner.failWith = new Error('boom');
  const result = await scheduler.submit(req('r1', 'start'));
  assert.equal(result.rc, OcfExit.ERR_GENERIC);
  assert.equal(result.status, 'error');
  assert.match(result.exitReason ?? '', /boom/);
  assert.equal(scheduler.runningCount, 0);
});

test('bad timeouts and intervals are refused before anything runs', () => {
  const { runner, scheduler } = setup(1);
  assert.throws(() => scheduler.submit(req('r1', 'start', { timeoutMs: 0 })), ExecutorInputError);
  assert.throws(() => scheduler.submit(req('r1', 'start', { intervalMs: -5 })), ExecutorInputError);
  assert.throws(() => scheduler.startRecurring(req('r1', 'monitor'), () => undefined), /needs an interval/);
  assert.throws(() => new ActionScheduler({ runner, maxConcurrent: 0 }), ExecutorInputError);
  assert.deepEqual(runner.started, []);
});
