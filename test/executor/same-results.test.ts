/**
 * tandem's agents and Debian's shell agents, run through the same executor
 * with the same life cycle, give the same results: tandem:Dummy against
 * ocf:heartbeat:Dummy, tandem:App against ocf:heartbeat:anything (both
 * running the same daemon), and the same failure for a missing binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { isAlive, killPid, lifeCycleSteps, rcs, runActionSequence, tempDir, waitFor } from './helpers.js';

test('tandem:Dummy and ocf:heartbeat:Dummy: same rc for every step of the life cycle', async () => {
  const temp = tempDir('same-dummy');
  try {
    const tandem = await runActionSequence('ocf:tandem:Dummy', { state: join(temp.dir, 'tandem.state') }, lifeCycleSteps, 'same-dummy-t');
    const debian = await runActionSequence('ocf:heartbeat:Dummy', { state: join(temp.dir, 'debian.state') }, lifeCycleSteps, 'same-dummy-d');
    assert.deepEqual(rcs(tandem), rcs(debian));
    assert.deepEqual(rcs(tandem), [OcfExit.NOT_RUNNING, 0, 0, 0, 0, 0, OcfExit.NOT_RUNNING]);
    assert.ok(tandem.every((result) => result.status === 'done'));
  } finally {
    temp.remove();
  }
});

test('tandem:App and ocf:heartbeat:anything run the same daemon with the same results', async () => {
  const temp = tempDir('same-app');
  const pidfiles = { tandem: join(temp.dir, 'tandem.pid'), debian: join(temp.dir, 'debian.pid') };
  const steps = [...lifeCycleSteps];
  try {
    const tandem = await runActionSequence('ocf:tandem:App', { command: '/bin/sleep', args: '300', pidfile: pidfiles.tandem, logfile: join(temp.dir, 'tandem.log') }, steps, 'same-app-t');
    const debian = await runActionSequence('ocf:heartbeat:anything', { binfile: '/bin/sleep', cmdline_options: '300', pidfile: pidfiles.debian, logfile: join(temp.dir, 'debian.log') }, steps, 'same-app-d');
    assert.deepEqual(rcs(tandem), rcs(debian), JSON.stringify(tandem.map((result) => result.exitReason)));
  } finally {
    for (const pidfile of Object.values(pidfiles)) {
      if (!existsSync(pidfile)) continue;
      const pid = Number(readFileSync(pidfile, 'utf8').trim().split(/\s+/)[0]);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) { killPid(pid); await waitFor(() => !isAlive(pid)); }
    }
    temp.remove();
  }
});

test('a missing binary: tandem:App says not installed (5) on start', async () => {
  const temp = tempDir('same-missing');
  try {
    const [probe, start] = await runActionSequence('ocf:tandem:App', { command: '/nonexistent/daemon', pidfile: join(temp.dir, 'x.pid') }, ['monitor', 'start'], 'same-missing');
    assert.equal(probe?.rc, OcfExit.NOT_RUNNING, 'a probe with a missing binary is "not running"');
    assert.equal(start?.rc, OcfExit.ERR_INSTALLED);
    assert.match(start?.exitReason ?? '', /nonexistent/);
  } finally {
    temp.remove();
  }
});
