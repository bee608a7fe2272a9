/**
 * A serial heartbeat link through a socat pty pair (a null-modem cable in
 * software): two members with no other link agree on a view over it, and
 * lose each other when the line goes away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, waitUntil } from './netns-cluster.js';
import { controlSocketPath, requestControl } from '../../src/membership/status-socket.js';
import type { MemberStatus } from '../../src/membership/member.js';

test('heartbeats over a serial line (socat pty pair)', async () => {
  const dir = await mkdtemp(join(tmpdir(), `tdm-mb-${process.pid}-serial-`));
  const children: ChildProcess[] = [];
  const stop = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  try {
    const [ttyA, ttyB] = [join(dir, 'ttyA'), join(dir, 'ttyB')];
    const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${ttyA}`, `pty,raw,echo=0,link=${ttyB}`], { stdio: 'ignore' });
    children.push(socat);
    await waitUntil(() => existsSync(ttyA) && existsSync(ttyB), 5000, 'socat ptys');
    await writeFile(join(dir, 'key'), randomBytes(32), { mode: 0o600 });
    const config = join(dir, 'membership.conf');
    await writeFile(config, [
      '[cluster]', 'name = serial-test', `key = ${join(dir, 'key')}`, `run_dir = ${join(dir, 'run')}`,
      '[link tty0]', 'transport = serial', 'baud = 115200',
      '[node s1]', 'id = 1', `tty0 = ${ttyA}`,
      '[node s2]', 'id = 2', `tty0 = ${ttyB}`, '',
    ].join('\n'));
    for (const node of ['s1', 's2']) {
      children.push(spawn(process.execPath, [cliPath, 'membership', 'run', '--config', config, '--node', node], { stdio: 'ignore', env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } }));
    }
    const status = async (node: string) => await requestControl(controlSocketPath(join(dir, 'run'), node), { cmd: 'status' }, 3000) as MemberStatus;
    await waitUntil(async () => (await status('s1')).view.agreed && (await status('s2')).view.agreed && (await status('s1')).view.members.length === 2, 15000, 'agreement over the serial line');
    const one = await status('s1');
    assert.deepEqual(one.view.members, ['s1', 's2']);
    assert.equal(one.peers[0]?.links[0]?.name, 'tty0');
    assert.equal(one.peers[0]?.links[0]?.state, 'up');
    assert.ok(one.counters.received > 0);
    assert.equal((await status('s2')).view.id, one.view.id);
    await stop(socat);
    await waitUntil(async () => (await status('s1')).view.members.length === 1, 10000, 's2 lost after the line is gone');
    assert.ok((await status('s1')).events.some((event) => event.type === 'linkDown' && event.link === 'tty0'));
  } finally {
    for (const child of children) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
});
