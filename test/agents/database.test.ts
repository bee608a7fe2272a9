/**
 * tandem:Database against Debian's PostgreSQL 15: a data directory made by
 * initdb in a temporary directory owned by `postgres`, driven through the
 * agent's OCF launcher and through ocf-tester.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { runAgent, runOcfTester, show } from './agent-runner.js';

const bindir = '/usr/lib/postgresql/15/bin';

function postgresUser(): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function postmasterPid(dataDirectory: string): number {
  return Number(readFileSync(path.join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

test('Database on PostgreSQL 15: start, monitor, crash, takeover leftovers, refusals, ocf-tester', async (t) => {
  assert.ok(existsSync(path.join(bindir, 'pg_ctl')), `PostgreSQL 15 is not installed at ${bindir} (make deps installs it)`);
  const user = postgresUser();
  const root = mkdtempSync('/tmp/tdm-agents-db-');
  chmodSync(root, 0o755);
  const dataDirectory = path.join(root, 'data');
  const socketDirectory = path.join(root, 'sock');
  for (const directory of [dataDirectory, socketDirectory]) {
    mkdirSync(directory);
    chownSync(directory, user.uid, user.gid);
  }
  execFileSync('runuser', ['-u', 'postgres', '--', path.join(bindir, 'initdb'), '-A', 'trust', '-D', dataDirectory], { stdio: 'ignore' });
  const port = await freePort();
  const params = { pgdata: dataDirectory, bindir, pgport: String(port), socketdir: socketDirectory, listen_addresses: '127.0.0.1' };
  const blockers: Server[] = [];
  try {
    await t.test('start returns when queries work; monitor at levels 0 and 10; start and stop are idempotent', async () => {
      assert.equal((await runAgent('Database', 'monitor', params)).rc, 7);
      const started = await runAgent('Database', 'start', params);
      assert.equal(started.rc, 0, show(started));
      assert.equal((await runAgent('Database', 'start', params)).rc, 0);
      assert.equal((await runAgent('Database', 'monitor', params)).rc, 0);
      const deep = await runAgent('Database', 'monitor', params, { extraEnv: { OCF_CHECK_LEVEL: '10' } });
      assert.equal(deep.rc, 0, show(deep));
      const beats = execFileSync('runuser', ['-u', 'postgres', '--', path.join(bindir, 'psql'), '-X', '-A', '-t', '-h', socketDirectory, '-p', String(port),
        '-d', 'postgres', '-c', 'SELECT count(*) FROM tandem_heartbeat'], { encoding: 'utf8' });
      assert.equal(beats.trim(), '1');
    });

    await t.test('a second server on a data directory a live postmaster uses is refused', async () => {
      const otherPort = await freePort();
      const refused = await runAgent('Database', 'start', { ...params, pgport: String(otherPort) });
      assert.equal(refused.rc, 1, show(refused));
      assert.match(refused.exitReason ?? '', /in use by postmaster pid \d+/);
    });

    await t.test('kill -9 of the postmaster: monitor says not running, start recovers', async () => {
      const pid = postmasterPid(dataDirectory);
      process.kill(pid, 'SIGKILL');
      for (let tries = 0; tries < 50 && !processGone(pid); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      const dead = await runAgent('Database', 'monitor', params);
      assert.equal(dead.rc, 7, show(dead));
      assert.match(dead.exitReason ?? '', /not running/);
      const restarted = await runAgent('Database', 'start', params);
      assert.equal(restarted.rc, 0, show(restarted));
      assert.notEqual(postmasterPid(dataDirectory), pid);
      assert.match(readFileSync(path.join(dataDirectory, 'tandem-postgresql.log'), 'utf8'), /database system was interrupted|not properly shut down/);
      assert.equal((await runAgent('Database', 'monitor', params)).rc, 0);
      const stopped = await runAgent('Database', 'stop', params);
      assert.equal(stopped.rc, 0, show(stopped));
      assert.equal((await runAgent('Database', 'stop', params)).rc, 0);
      assert.equal((await runAgent('Database', 'monitor', params)).rc, 7);
    });

    await t.test('a stale postmaster.pid naming a live process that is not a postmaster of this directory is cleared', async () => {
      const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
      try {
        writeFileSync(path.join(dataDirectory, 'postmaster.pid'), `${stranger.pid}\n/srv/other-node/data\n1700000000\n${port}\n${socketDirectory}\n127.0.0.1\n  1 2\nready   \n`);
        chownSync(path.join(dataDirectory, 'postmaster.pid'), user.uid, user.gid);
        assert.equal((await runAgent('Database', 'monitor', params)).rc, 7);
        const started = await runAgent('Database', 'start', params);
        assert.equal(started.rc, 0, show(started));
        assert.match(started.stderr, /removing stale postmaster\.pid/);
        assert.notEqual(postmasterPid(dataDirectory), stranger.pid);
        assert.equal((await runAgent('Database', 'stop', params)).rc, 0);
      } finally {
        stranger.kill('SIGKILL');
      }
    });

    await t.test('port in use: start fails naming the port and leaves nothing running', async () => {
      const blocker = createServer();
      blockers.push(blocker);
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      const refused = await runAgent('Database', 'start', params);
      assert.equal(refused.rc, 1, show(refused));
      assert.match(refused.exitReason ?? '', new RegExp(`port ${port} is in use`));
      assert.equal((await runAgent('Database', 'monitor', params)).rc, 7);
      await new Promise((resolve) => blocker.close(resolve));
    });

    await t.test('validate-all names the parameter: binaries missing (5), not a data directory (6), wrong owner (4)', async () => {
      const missing = await runAgent('Database', 'validate-all', { ...params, bindir: path.join(root, 'no-such-bin') });
      assert.equal(missing.rc, 5, show(missing));
      assert.match(missing.exitReason ?? '', /parameter 'bindir'/);
      const empty = path.join(root, 'empty');
      mkdirSync(empty, { mode: 0o700 });
      chownSync(empty, user.uid, user.gid);
      const notData = await runAgent('Database', 'validate-all', { ...params, pgdata: empty });
      assert.equal(notData.rc, 6, show(notData));
      assert.match(notData.exitReason ?? '', /parameter 'pgdata'.*no PG_VERSION/);
      const rootOwned = path.join(root, 'root-owned');
      cpSync(dataDirectory, rootOwned, { recursive: true });
      chownSync(rootOwned, 0, 0);
      const wrongOwner = await runAgent('Database', 'validate-all', { ...params, pgdata: rootOwned });
      assert.equal(wrongOwner.rc, 4, show(wrongOwner));
      assert.match(wrongOwner.exitReason ?? '', /owned by uid 0, not by postgres/);
      const badPort = await runAgent('Database', 'validate-all', { ...params, pgport: '70000' });
      assert.equal(badPort.rc, 6);
      assert.match(badPort.exitReason ?? '', /parameter 'pgport'/);
    });

    await t.test('start gives up before the action timeout when the server never accepts connections', async () => {
      // A standby without hot_standby never accepts connections: upstream pgsql loops here until killed.
      const standbySignal = path.join(dataDirectory, 'standby.signal');
      writeFileSync(standbySignal, '');
      chownSync(standbySignal, user.uid, user.gid);
      try {
        const timeoutMs = 8000;
        const stuck = await runAgent('Database', 'start', { ...params, options: '-c hot_standby=off' }, {
          extraEnv: { OCF_RESKEY_CRM_meta_timeout: String(timeoutMs) }, killAfterMs: timeoutMs,
        });
        assert.equal(stuck.rc, 1, `the agent answered by itself, before the manager's kill: ${show(stuck)}`);
        assert.match(stuck.exitReason ?? '', /did not accept connections within the action timeout \(8000 ms\)/);
        const stopped = await runAgent('Database', 'stop', params);
        assert.equal(stopped.rc, 0, show(stopped));
        assert.equal((await runAgent('Database', 'monitor', params)).rc, 7);
      } finally {
        rmSync(standbySignal, { force: true });
      }
    });

    await t.test('a server that dies during start is reported with its log', async () => {
      const crashed = await runAgent('Database', 'start', { ...params, options: '-c shared_preload_libraries=tdm_no_such_library' });
      assert.equal(crashed.rc, 1, show(crashed));
      assert.match(crashed.exitReason ?? '', /exited during start: .*tdm_no_such_library/);
    });

    await t.test('stop escalates from smart to immediate shutdown when a client keeps the server up', async () => {
      assert.equal((await runAgent('Database', 'start', params)).rc, 0);
      const client = spawn('runuser', ['-u', 'postgres', '--', path.join(bindir, 'psql'), '-X', '-h', socketDirectory, '-p', String(port), '-d', 'postgres'], { stdio: ['pipe', 'ignore', 'ignore'] });
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const stopped = await runAgent('Database', 'stop', { ...params, stop_mode: 'smart' }, { extraEnv: { OCF_RESKEY_CRM_meta_timeout: '9000' }, killAfterMs: 9000 });
        assert.equal(stopped.rc, 0, show(stopped));
        assert.match(stopped.stderr, /stopping postmaster pid \d+ \(smart\)/);
        assert.match(stopped.stderr, /stopping postmaster pid \d+ \(immediate\)/);
        assert.equal((await runAgent('Database', 'monitor', params)).rc, 7);
      } finally {
        client.kill('SIGKILL');
      }
    });

    await t.test('ocf-tester passes', async () => {
      const tester = await runOcfTester('Database', params);
      assert.equal(tester.rc, 0, show(tester));
      assert.match(tester.stdout, /passed all tests/);
    });
  } finally {
    for (const blocker of blockers) blocker.close();
    await runAgent('Database', 'stop', params).catch((error: unknown) => console.error('cleanup: stopping the server failed', error));
    rmSync(root, { recursive: true, force: true });
  }
});
