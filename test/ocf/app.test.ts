// tandem:App through its launcher, against real servers: one slow to listen,
// one that dies, one that stops answering, one that ignores SIGTERM, a
// leader whose children outlive it, and a pid file whose pid was reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ocfTester, runAgent, scratchDir } from './helpers.js';
import { freePort, isAlive, killGroup, pidFromFile, serverScript } from './app-fixtures.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Runs `body` with a scratch directory, then stops the app and kills what is left of it. */
interface AppFiles { readonly pidfile: string; readonly logfile: string }

async function withApp(label: string, body: (directory: string, params: AppFiles) => Promise<void>): Promise<void> {
  const directory = scratchDir(label);
  const params = { pidfile: join(directory, 'app.pid'), logfile: join(directory, 'app.log') };
  try {
    await body(directory, params);
  } finally {
    const pid = pidFromFile(params.pidfile);
    killGroup(pid);
    rmSync(directory, { recursive: true, force: true });
  }
}

test('ocf-tester passes for tandem:App running a real HTTP server with a health check', async () => {
  await withApp('app-tester', async (directory, params) => {
    const port = await freePort();
    const script = serverScript(directory, 'server', { port, delayMs: 300 });
    const result = ocfTester('App', { ...params, command: process.execPath, args: script, check_http: `http://127.0.0.1:${port}/` });
    assert.equal(result.rc, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /passed all tests/);
  });
});

test('a server that takes 1.5 s to listen: start returns 0 only once it answers', async () => {
  await withApp('app-slow', async (directory, params) => {
    const port = await freePort();
    const app = { ...params, command: process.execPath, args: serverScript(directory, 'slow', { port, delayMs: 1500 }), check_tcp: `127.0.0.1:${port}` };
    const started = runAgent('App', 'start', app);
    assert.equal(started.rc, 0, started.stderr);
    assert.equal(await canConnect(port), true, 'listening when start returned');
    assert.equal(runAgent('App', 'monitor', app, { OCF_CHECK_LEVEL: '10' }).rc, 0);
    const pid = pidFromFile(params.pidfile);
    assert.ok(pid !== undefined && isAlive(pid));
    const status = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    assert.equal(Number(status[2]), pid, 'process group of its own');
    assert.equal(Number(status[3]), pid, 'session of its own');
    assert.match(readFileSync(params.logfile, 'utf8'), new RegExp(`listening on ${port}`));
    assert.equal(runAgent('App', 'stop', app).rc, 0);
    assert.equal(isAlive(pid), false);
    assert.equal(existsSync(params.pidfile), false);
    assert.equal(runAgent('App', 'monitor', app).rc, 7);
    assert.equal(runAgent('App', 'stop', app).rc, 0, 'stop of a stopped app');
  });
});

test('a server that never gets ready: start fails with the reason before its timeout', async () => {
  await withApp('app-never', async (directory, params) => {
    const port = await freePort();
    const app = { ...params, command: process.execPath, args: serverScript(directory, 'never', { port, delayMs: 60_000 }), check_tcp: `127.0.0.1:${port}` };
    const started = runAgent('App', 'start', app, { OCF_RESKEY_CRM_meta_timeout: '3000' });
    assert.equal(started.rc, 1);
    assert.match(started.stderr, /ocf-exit-reason:not ready before the timeout: tcp 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    assert.equal(runAgent('App', 'stop', app).rc, 0);
  });
});

test('a server that dies during start: start fails naming its exit code and last log line', async () => {
  await withApp('app-crash', async (directory, params) => {
    const port = await freePort();
    const app = { ...params, command: process.execPath, args: serverScript(directory, 'crash', { port, delayMs: 60_000, dieAfterMs: 300, exitCode: 3 }), check_tcp: `127.0.0.1:${port}` };
    const started = runAgent('App', 'start', app);
    assert.equal(started.rc, 1);
    assert.match(started.stderr, /ocf-exit-reason:the application exited with code 3 during start: dying/);
    assert.equal(runAgent('App', 'stop', app).rc, 0);
  });
});

test('a server that dies later: monitor says 7 with a reason, stop cleans up', async () => {
  await withApp('app-dies', async (directory, params) => {
    const port = await freePort();
    const app = { ...params, command: process.execPath, args: serverScript(directory, 'dies', { port, delayMs: 0, dieAfterMs: 3000 }), check_tcp: `127.0.0.1:${port}` };
    assert.equal(runAgent('App', 'start', app).rc, 0);
    const pid = pidFromFile(params.pidfile) as number;
    while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
    const monitored = runAgent('App', 'monitor', app);
    assert.equal(monitored.rc, 7);
    assert.match(monitored.stderr, new RegExp(`ocf-exit-reason:the application \\(pid ${pid}\\) exited`));
    assert.equal(runAgent('App', 'stop', app).rc, 0);
    assert.equal(existsSync(params.pidfile), false);
  });
});

test('a live server that stops answering: 0 at check level 0, 1 (not 7) at level 10', async () => {
  await withApp('app-sick', async (directory, params) => {
    const port = await freePort();
    const app = { ...params, command: process.execPath, args: serverScript(directory, 'sick', { port, delayMs: 0, closeAfterMs: 2500 }), check_http: `http://127.0.0.1:${port}/` };
    assert.equal(runAgent('App', 'start', app).rc, 0);
    while (!readFileSync(params.logfile, 'utf8').includes('closed')) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(runAgent('App', 'monitor', app).rc, 0);
    const deep = runAgent('App', 'monitor', app, { OCF_CHECK_LEVEL: '10' });
    assert.equal(deep.rc, 1);
    assert.match(deep.stderr, /ocf-exit-reason:pid \d+ runs but is not healthy: http http:\/\/127\.0\.0\.1:\d+\/: connect ECONNREFUSED/);
    assert.equal(runAgent('App', 'stop', app).rc, 0);
  });
});

test('pid reuse: a pid file naming a live unrelated process is not ours; monitor 7, stop leaves it alone', async () => {
  await withApp('app-reuse', async (_directory, params) => {
    // An unrelated process in a session of its own, with the very command line the pid file records.
    const stranger = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    try {
      const pid = stranger.pid as number;
      const startTicks = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19]);
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      writeFileSync(params.pidfile, `${pid}\n${JSON.stringify({ bootId, startTicks: startTicks - 1, cmdline: ['sleep', '1000'] })}\n`);
      const app = { ...params, command: 'sleep', args: '1000' };
      const monitored = runAgent('App', 'monitor', app);
      assert.equal(monitored.rc, 7);
      assert.match(monitored.stderr, new RegExp(`ocf-exit-reason:pid ${pid} is now another process`));
      assert.equal(runAgent('App', 'monitor', app, { OCF_RESKEY_CRM_meta_interval: '0' }).rc, 7, 'probe');
      assert.equal(runAgent('App', 'stop', app).rc, 0);
      assert.equal(isAlive(pid), true, 'the stranger survives our stop');
      assert.equal(existsSync(params.pidfile), false, 'the stale pid file is gone');
    } finally {
      killGroup(stranger.pid);
    }
  });
});

test('a leader that exits leaving children: monitor 1 (not cleanly stopped), stop ends the children', async () => {
  await withApp('app-orphans', async (directory, params) => {
    const marker = join(directory, 'child.pid');
    const app = { ...params, command: '/bin/sh', args: `-c 'sleep 1000 & echo $! > ${marker}; sleep 1'` };
    assert.equal(runAgent('App', 'start', app).rc, 0);
    const leader = pidFromFile(params.pidfile) as number;
    while (isAlive(leader)) await new Promise((resolve) => setTimeout(resolve, 100));
    const child = pidFromFile(marker) as number;
    assert.equal(isAlive(child), true);
    const monitored = runAgent('App', 'monitor', app);
    assert.equal(monitored.rc, 1);
    assert.match(monitored.stderr, new RegExp(`exited but its processes ${child} still run`));
    assert.equal(runAgent('App', 'stop', app).rc, 0);
    assert.equal(isAlive(child), false);
    assert.equal(runAgent('App', 'monitor', app).rc, 7);
  });
});

test('an app that ignores SIGTERM is killed before the stop timeout', async () => {
  await withApp('app-stubborn', async (_directory, params) => {
    const app = { ...params, command: '/bin/sh', args: `-c 'trap "" TERM; while :; do sleep 0.2; done'` };
    assert.equal(runAgent('App', 'start', app).rc, 0);
    const pid = pidFromFile(params.pidfile) as number;
    const stopped = runAgent('App', 'stop', app, { OCF_RESKEY_CRM_meta_timeout: '3000' });
    assert.equal(stopped.rc, 0, stopped.stderr);
    assert.equal(isAlive(pid), false);
  });
});

test('configuration errors: a missing binary is 5, a bad check 6, and a probe says 7 for both', async () => {
  await withApp('app-config', async (_directory, params) => {
    const missing = { ...params, command: '/usr/bin/tdm-no-such-binary' };
    assert.equal(runAgent('App', 'start', missing).rc, 5);
    assert.equal(runAgent('App', 'validate-all', missing).rc, 5);
    assert.match(runAgent('App', 'validate-all', missing).stderr, /ocf-exit-reason:command '\/usr\/bin\/tdm-no-such-binary' is not an executable file here/);
    assert.equal(runAgent('App', 'monitor', missing, { OCF_RESKEY_CRM_meta_interval: '0' }).rc, 7);
    const badCheck = { ...params, command: 'sleep', args: '1', check_tcp: 'localhost' };
    assert.equal(runAgent('App', 'validate-all', badCheck).rc, 6);
    assert.equal(runAgent('App', 'start', { ...params }).rc, 6, 'command is required');
    assert.equal(runAgent('App', 'monitor', { ...params }, { OCF_RESKEY_CRM_meta_interval: '0' }).rc, 7, 'probe without command');
    assert.equal(runAgent('App', 'start', { ...params, command: 'sleep', args: '1', user: 'tdm-no-such-user' }).rc, 2);
  });
});

test('user, working directory and environment reach the application', async () => {
  await withApp('app-user', async (directory, params) => {
    chmodSync(directory, 0o777); // the app runs as nobody and writes here
    const out = join(directory, 'env.txt');
    writeFileSync(join(directory, 'probe.sh'), `#!/bin/sh\n{ id -un; pwd; echo "$GREETING"; } > ${out}\nexec sleep 1000\n`, { mode: 0o755 });
    const app = { ...params, command: join(directory, 'probe.sh'), user: 'nobody', workdir: '/tmp', environment: 'GREETING="hello world"', check_command: `test -s ${out} && test "$(id -un)" = nobody` };
    const started = runAgent('App', 'start', app);
    assert.equal(started.rc, 0, started.stderr);
    assert.deepEqual(readFileSync(out, 'utf8').split('\n'), ['nobody', '/tmp', 'hello world', '']);
    assert.equal(runAgent('App', 'stop', app).rc, 0);
  });
});
