/**
 * The process runner against real processes: timeouts that kill the whole
 * process group, a daemon holding the agent's pipes, huge output, nonsense
 * exit codes, a missing agent, the environment an agent sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { AgentLocator } from '../../src/executor/agent-locator.js';
import { ProcessActionRunner } from '../../src/executor/process-runner.js';
import { isAlive, killPid, request, tempDir, testLocator, testRunner, waitFor } from './helpers.js';

test('a hanging agent is killed at its timeout, with its whole process group', async () => {
  const temp = tempDir('hang');
  const pidfile = join(temp.dir, 'pids');
  let pids: number[] = [];
  try {
    const outcome = await testRunner().run(request('ocf:tdmtest:Hang', 'hang', 'start', { pidfile }, { timeoutMs: 1000 }));
    pids = readFileSync(pidfile, 'utf8').trim().split(' ').map(Number);
    assert.equal(outcome.status, 'timeout');
    assert.equal(outcome.rc, OcfExit.ERR_GENERIC);
    assert.match(outcome.exitReason ?? '', /start timed out after 1000 ms/);
    assert.equal(outcome.signal, 'SIGTERM');
    assert.equal(pids.length, 2);
    assert.ok(await waitFor(() => pids.every((pid) => !isAlive(pid))), `agent and child ${pids.join(', ')} are gone`);
  } finally {
    pids.forEach(killPid);
    temp.remove();
  }
});

test('an agent that ignores SIGTERM gets SIGKILL after the grace period', async () => {
  const temp = tempDir('hang-term');
  const pidfile = join(temp.dir, 'pids');
  let pids: number[] = [];
  try {
    const outcome = await testRunner({ killGraceMs: 300 }).run(request('ocf:tdmtest:Hang', 'hang2', 'start', { pidfile, ignore_term: 'yes' }, { timeoutMs: 1500 }));
    pids = readFileSync(pidfile, 'utf8').trim().split(' ').map(Number);
    assert.equal(outcome.status, 'timeout');
    assert.equal(outcome.signal, 'SIGKILL');
    assert.ok(await waitFor(() => pids.every((pid) => !isAlive(pid))));
  } finally {
    pids.forEach(killPid);
    temp.remove();
  }
});

test('an agent that leaves a daemon holding stdout and stderr does not hang the executor', async () => {
  const temp = tempDir('forker');
  const pidfile = join(temp.dir, 'daemon.pid');
  let daemonPid: number | undefined;
  try {
    // A 60 s timeout: if the executor waited for the pipes to close, the
    // daemon's 300 s sleep would make this a timeout instead of a success.
    const outcome = await testRunner().run(request('ocf:tdmtest:Forker', 'forker', 'start', { pidfile }, { timeoutMs: 60_000 }));
    daemonPid = Number(readFileSync(pidfile, 'utf8').trim());
    assert.equal(outcome.status, 'done');
    assert.equal(outcome.rc, OcfExit.SUCCESS);
    assert.match(outcome.stdoutTail, new RegExp(`started daemon ${daemonPid}`));
    assert.ok(isAlive(daemonPid), 'the daemon is left running: it is the agent\'s to manage');
  } finally {
    if (daemonPid !== undefined) killPid(daemonPid);
    temp.remove();
  }
});

test('a daemon that keeps writing to the inherited stdout holds the executor only up to the drain limit', async () => {
  const temp = tempDir('chatty-daemon');
  const pidfile = join(temp.dir, 'daemon.pid');
  let daemonPid: number | undefined;
  try {
    const outcome = await testRunner({ drainLimitMs: 500 }).run(request('ocf:tdmtest:Forker', 'forker2', 'start', { pidfile, chatty: 'yes' }, { timeoutMs: 60_000 }));
    daemonPid = Number(readFileSync(pidfile, 'utf8').trim());
    assert.equal(outcome.status, 'done');
    assert.equal(outcome.rc, OcfExit.SUCCESS);
    assert.match(outcome.stdoutTail, /started daemon \d+\n(tick\n)+/, 'output written after the agent exited is still read');
    assert.ok(isAlive(daemonPid));
  } finally {
    if (daemonPid !== undefined) killPid(daemonPid);
    temp.remove();
  }
});

test('megabytes of output keep only a bounded tail', async () => {
  const outcome = await testRunner({ tailBytes: 64 * 1024 }).run(request('ocf:tdmtest:Chatty', 'chatty', 'start', { mib: '8' }));
  assert.equal(outcome.rc, OcfExit.SUCCESS);
  assert.equal(outcome.outputTruncated, true);
  assert.equal(outcome.stdoutTail.length, 64 * 1024);
  assert.match(outcome.stdoutTail, /x\nlast stdout line\n$/);
  assert.ok(outcome.stderrTail.length <= 64 * 1024);
  assert.equal(outcome.exitReason, 'chatty finished');
});

test('a nonsense exit code is a generic error that keeps the raw code', async () => {
  const outcome = await testRunner().run(request('ocf:tdmtest:Weird', 'weird', 'monitor'));
  assert.equal(outcome.rc, OcfExit.ERR_GENERIC);
  assert.equal(outcome.status, 'done');
  assert.equal(outcome.rawExitCode, 42);
  assert.match(outcome.exitReason ?? '', /returned 42/);
});

test('the exit reason is the last ocf-exit-reason line; OCF codes pass through', async () => {
  const outcome = await testRunner().run(request('ocf:tdmtest:Weird', 'weird', 'start', { code: '6', reason: 'the ip parameter is missing' }));
  assert.equal(outcome.rc, OcfExit.ERR_CONFIGURED);
  assert.equal(outcome.exitReason, 'the ip parameter is missing');
  const degraded = await testRunner().run(request('ocf:tdmtest:Weird', 'weird', 'monitor', { code: '190' }));
  assert.equal(degraded.rc, OcfExit.DEGRADED);
});

test('an agent that dies of a signal is an error naming the signal', async () => {
  const outcome = await testRunner().run(request('ocf:tdmtest:Weird', 'weird', 'monitor', { signal: 'SEGV' }));
  assert.equal(outcome.rc, OcfExit.ERR_GENERIC);
  assert.equal(outcome.status, 'error');
  assert.equal(outcome.signal, 'SIGSEGV');
  assert.match(outcome.exitReason ?? '', /killed by signal SIGSEGV/);
});

test('an agent file that cannot be executed is "insufficient privileges", as Pacemaker reports it', async () => {
  const temp = tempDir('noexec');
  try {
    mkdirSync(join(temp.dir, 'tdmtest'));
    writeFileSync(join(temp.dir, 'tdmtest', 'NoExec'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const locator = new AgentLocator({ ...testLocator().paths, ocfAgentDirs: [temp.dir] });
    const outcome = await new ProcessActionRunner({ locator }).run(request('ocf:tdmtest:NoExec', 'noexec', 'start'));
    assert.equal(outcome.rc, OcfExit.ERR_PERM);
    assert.equal(outcome.status, 'error');
    assert.match(outcome.exitReason ?? '', /cannot run agent: .*EACCES/);
    assert.deepEqual(locator.ocfAgents('tdmtest'), [], 'listings show only executables');
  } finally {
    temp.remove();
  }
});

test('a missing agent is "not installed" with a reason naming where it was looked for', async () => {
  const outcome = await testRunner().run(request('ocf:heartbeat:NoSuchAgent', 'missing', 'start'));
  assert.equal(outcome.rc, OcfExit.ERR_INSTALLED);
  assert.equal(outcome.status, 'not-installed');
  assert.match(outcome.exitReason ?? '', /ocf:heartbeat:NoSuchAgent is not installed.*\/usr\/lib\/ocf\/resource\.d\/heartbeat\/NoSuchAgent/);
});

test('the environment is the one Pacemaker gives; a probe has no interval', async () => {
  const envOf = async (extra: Parameters<typeof request>[4]): Promise<Map<string, string>> => {
    const outcome = await testRunner().run(request('ocf:tdmtest:Env', 'env-rsc', 'monitor', { ip: '198.18.0.1' }, extra));
    assert.equal(outcome.rc, OcfExit.SUCCESS);
    return new Map(outcome.stdoutTail.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  };
  const probe = await envOf({ timeoutMs: 15_000 });
  assert.equal(probe.get('OCF_ROOT'), '/usr/lib/ocf');
  assert.equal(probe.get('OCF_RA_VERSION_MAJOR'), '1');
  assert.equal(probe.get('OCF_RA_VERSION_MINOR'), '1');
  assert.equal(probe.get('OCF_RESOURCE_INSTANCE'), 'env-rsc');
  assert.equal(probe.get('OCF_RESOURCE_TYPE'), 'Env');
  assert.equal(probe.get('OCF_RESOURCE_PROVIDER'), 'tdmtest');
  assert.equal(probe.get('OCF_RESKEY_ip'), '198.18.0.1');
  assert.equal(probe.get('OCF_RESKEY_CRM_meta_timeout'), '15000');
  assert.equal(probe.get('OCF_EXIT_REASON_PREFIX'), 'ocf-exit-reason:');
  assert.equal(probe.has('OCF_RESKEY_CRM_meta_interval'), false);
  assert.equal(probe.has('OCF_CHECK_LEVEL'), false);
  const recurring = await envOf({ intervalMs: 10_000, checkLevel: 10, meta: { clone_max: '2', interval: '5' } });
  assert.equal(recurring.get('OCF_RESKEY_CRM_meta_clone_max'), '2');
  assert.equal(recurring.get('OCF_RESKEY_CRM_meta_interval'), '10000');
  assert.equal(recurring.get('OCF_CHECK_LEVEL'), '10');
  assert.equal(recurring.get('OCF_RESKEY_OCF_CHECK_LEVEL'), '10');
});

test('an LSB init script: monitor runs as status, exit codes mapped as Pacemaker maps them', async () => {
  const temp = tempDir('lsb');
  const state = join(temp.dir, 'state');
  const previous = process.env['TDM_LSB_STATE'];
  process.env['TDM_LSB_STATE'] = state;
  try {
    const runner = testRunner();
    const run = async (action: string): Promise<number> => (await runner.run(request('lsb:tdmlsb', 'lsb-rsc', action))).rc;
    assert.equal(await run('monitor'), OcfExit.NOT_RUNNING); // status 3
    assert.equal(await run('start'), OcfExit.SUCCESS);
    assert.equal(await run('monitor'), OcfExit.SUCCESS); // status 0
    assert.equal(await run('status'), OcfExit.SUCCESS);
    const forced = async (code: number): Promise<number> => {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${state}.code`, String(code));
      return run('monitor');
    };
    assert.equal(await forced(1), OcfExit.NOT_RUNNING); // dead, pid file exists
    assert.equal(await forced(2), OcfExit.NOT_RUNNING); // dead, lock file exists
    assert.equal(await forced(4), OcfExit.ERR_GENERIC); // unknown
    assert.equal(await forced(150), OcfExit.ERR_INSTALLED);
    assert.equal(await forced(151), OcfExit.ERR_PERM);
    const { rmSync } = await import('node:fs');
    rmSync(`${state}.code`);
    assert.equal(await run('stop'), OcfExit.SUCCESS);
    assert.equal(await run('monitor'), OcfExit.NOT_RUNNING);
    // Outside status, LSB and OCF share codes 0–7.
    assert.equal(await run("frobnicate"), OcfExit.ERR_UNIMPLEMENTED); // the script says 3
  } finally {
    if (previous === undefined) delete process.env['TDM_LSB_STATE'];
    else process.env['TDM_LSB_STATE'] = previous;
    temp.remove();
  }
});

test('a fence agent gets its options on stdin; status 2 is "off"', async () => {
  const runner = testRunner();
  const monitor = await runner.run(request('stonith:fence_tdmtest', 'fence-rsc', 'monitor', { plug: 'node1', ip: '198.18.0.9' }));
  assert.equal(monitor.rc, OcfExit.SUCCESS);
  assert.match(monitor.stdoutTail, /^option: action=monitor\noption: plug=node1\noption: ip=198\.18\.0\.9\n$/);
  const off = await runner.run(request('stonith:fence_tdmtest', 'fence-rsc', 'status', { plug: 'off' }));
  assert.equal(off.rc, OcfExit.NOT_RUNNING);
  const meta = await runner.run(request('stonith:fence_tdmtest', 'fence-rsc', 'meta-data'));
  assert.match(meta.stdoutTail, /action=metadata/);
  const start = await runner.run(request('stonith:fence_tdmtest', 'fence-rsc', 'start', { plug: 'node1' }));
  assert.match(start.stdoutTail, /^option: action=monitor\n/, 'start checks that the device answers');
  const stop = await runner.run(request('stonith:fence_tdmtest', 'fence-rsc', 'stop'));
  assert.deepEqual([stop.rc, stop.pid], [OcfExit.SUCCESS, undefined], 'stop runs nothing');
});
