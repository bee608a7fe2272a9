/**
 * Debian's own shell agents (resource-agents) run through the executor:
 * ocf:heartbeat:Dummy and ocf:heartbeat:anything, start/monitor/stop and
 * the idempotence rules, with the environment Pacemaker gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { opDigest } from '../../src/cib/op-digest.js';
import { isAlive, killPid, lifeCycleSteps, rcs, runActionSequence, tempDir, waitFor } from './helpers.js';

test('ocf:heartbeat:Dummy: probe, start, start again, monitor, stop, stop again, monitor', async () => {
  const temp = tempDir('dummy');
  try {
    const params = { state: join(temp.dir, 'Dummy.state') };
    const results = await runActionSequence('ocf:heartbeat:Dummy', params, lifeCycleSteps);
    assert.deepEqual(rcs(results), [
      OcfExit.NOT_RUNNING, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.NOT_RUNNING,
    ]);
    for (const result of results) {
      assert.equal(result.status, 'done');
      assert.equal(result.agent, 'ocf:heartbeat:Dummy');
      assert.ok(result.startedAtMs > 0 && result.runTimeMs >= 0 && result.queueTimeMs >= 0);
    }
    // Call ids grow; the digest is Pacemaker's md5 of the parameters (plus the
    // timeout for the recurring monitor).
    assert.deepEqual(results.map((result) => result.callId), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(results[1]?.opDigest, opDigest(params));
    assert.equal(results[3]?.opDigest, opDigest({ ...params, CRM_meta_timeout: '20000' }));
    assert.notEqual(results[3]?.opDigest, results[1]?.opDigest);
    assert.equal(existsSync(params.state), false);
  } finally {
    temp.remove();
  }
});

test('ocf:heartbeat:Dummy meta-data is XML naming the agent', async () => {
  const [result] = await runActionSequence('ocf:heartbeat:Dummy', {}, ['meta-data']);
  assert.equal(result?.rc, OcfExit.SUCCESS);
  assert.match(result?.stdoutTail ?? '', /<resource-agent name="Dummy"/);
});

test('ocf:heartbeat:anything runs a daemon: start, monitor, stop, monitor → 7', async () => {
  const temp = tempDir('anything');
  const pidfile = join(temp.dir, 'app.pid');
  try {
    const params = { binfile: '/bin/sleep', cmdline_options: '300', pidfile, logfile: join(temp.dir, 'app.log') };
    const started = await runActionSequence('ocf:heartbeat:anything', params, ['monitor', 'start', 'start', { action: 'monitor', intervalMs: 10_000, checkLevel: 10 }], 'anything-test');
    assert.deepEqual(rcs(started), [OcfExit.NOT_RUNNING, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.SUCCESS], JSON.stringify(started.map((r) => r.stderrTail)));
    const daemonPid = Number(readFileSync(pidfile, 'utf8').trim());
    assert.ok(isAlive(daemonPid), 'the daemon anything started runs');
    const stopped = await runActionSequence('ocf:heartbeat:anything', params, ['stop', 'stop', 'monitor'], 'anything-test');
    assert.deepEqual(rcs(stopped), [OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.NOT_RUNNING]);
    assert.ok(await waitFor(() => !isAlive(daemonPid)), 'stop ended the daemon');
  } finally {
    if (existsSync(pidfile)) killPid(Number(readFileSync(pidfile, 'utf8').trim()));
    temp.remove();
  }
});
