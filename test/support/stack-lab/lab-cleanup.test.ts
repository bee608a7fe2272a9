/**
 * The lab's cleanup of a powered-off node's nbdfuse, against the real
 * thing: nbdkit's memory plugin served by nbdfuse in a private mount
 * namespace (as a node's tandemd has), its file attached to a loop device,
 * nbdfuse stopped with a read waiting on its FUSE connection (the state a
 * fenced node's stuck nbdfuse leaves). dropNbdFuseUnder must abort that
 * connection, end the nbdfuse and detach the loop device, so that
 * `losetup --list` answers at once, and must leave another nbdfuse mount
 * (not under the node's directory) alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dropNbdFuseUnder } from './lab-cleanup.js';
import { findNbdFuseMounts, fuseConnectionOf, fuseConnectionsDir, loopBackingFiles, type NbdFuseMount } from '../nbd-fuse-leftovers.js';

/** Runs a command; resolves by `timeoutMs` even if it hangs in D state (it is then SIGKILLed and left behind). */
function bounded(file: string, args: readonly string[], timeoutMs: number): Promise<{ exitCode: number | null; stdout: string; timedOut: boolean; ms: number }> {
  const startMs = performance.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.unref();
      resolve({ exitCode: null, stdout, timedOut: true, ms: performance.now() - startMs });
    }, timeoutMs);
    child.once('error', () => { clearTimeout(timer); resolve({ exitCode: null, stdout, timedOut: false, ms: performance.now() - startMs }); });
    child.once('exit', (exitCode) => { clearTimeout(timer); resolve({ exitCode, stdout, timedOut: false, ms: performance.now() - startMs }); });
  });
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function signal(child: ChildProcess | undefined, name: NodeJS.Signals): void {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try { child.kill(name); } catch { /* exited meanwhile */ }
}

/** nbdfuse serving `uri` at `directory`, alone in a private mount namespace (unshare execs it: same pid). */
function startNbdFuse(directory: string, uri: string): ChildProcess {
  mkdirSync(directory, { recursive: true });
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'nbdfuse', `${directory}/`, uri], { stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

function mountOf(child: ChildProcess, under: string): NbdFuseMount | undefined {
  return child.pid === undefined ? undefined : findNbdFuseMounts({ pids: [child.pid], under })[0];
}

test('fuseConnectionOf: the fusectl name is the kernel dev_t (major << 20 | minor)', () => {
  assert.equal(fuseConnectionOf('0:39'), '39');
  assert.equal(fuseConnectionOf('8:1'), String(8 * 2 ** 20 + 1));
  assert.equal(fuseConnectionOf('bogus'), undefined);
});

test('a stopped nbdfuse with a read waiting under a loop device: dropNbdFuseUnder aborts only its connection, detaches the loop, losetup --list answers', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync('/tmp/tdm-labfuse-');
  const nodeDir = path.join(dir, 'rsctmp-n1');
  const socket = path.join(dir, 'export.sock');
  const uri = `nbd+unix:///?socket=${socket}`;
  let nbdkit: ChildProcess | undefined;
  let ours: ChildProcess | undefined;
  let foreign: ChildProcess | undefined;
  let reader: ChildProcess | undefined;
  let loop: string | undefined;
  let connection: string | undefined;
  let file: string | undefined;
  try {
    nbdkit = spawn('nbdkit', ['-f', '--unix', socket, 'memory', '64M'], { stdio: 'ignore' });
    await waitFor(() => existsSync(socket) || undefined, 10_000, 'nbdkit to listen');
    ours = startNbdFuse(path.join(nodeDir, 'PhysicalVolume-volume-fs.nbdfuse'), uri);
    foreign = startNbdFuse(path.join(dir, 'foreign.nbdfuse'), uri);
    const ourMount = await waitFor(() => mountOf(ours!, nodeDir), 10_000, 'our nbdfuse mount');
    const foreignMount = await waitFor(() => mountOf(foreign!, dir), 10_000, 'the other nbdfuse mount');
    connection = ourMount.connection;
    assert.notEqual(foreignMount.connection, connection);
    file = path.join(ourMount.mountPoint, 'nbd');
    await waitFor(() => existsSync(`/proc/${ours!.pid}/root${file}`) || undefined, 10_000, 'nbdfuse to serve its file');
    const attached = await bounded('nsenter', ['-t', String(ours.pid), '-m', 'losetup', '--find', '--show', file], 10_000);
    assert.equal(attached.exitCode, 0, 'losetup --find --show in the node\'s mount namespace');
    loop = attached.stdout.trim();
    assert.deepEqual(loopBackingFiles().filter((entry) => entry.device === loop), [{ device: loop, backingFile: file }]);

    // The stuck state: the FUSE server does not answer, a read through the loop device waits on it.
    signal(ours, 'SIGSTOP');
    reader = spawn('dd', [`if=${loop}`, 'of=/dev/null', 'bs=64k', 'count=16', 'iflag=direct'], { stdio: 'ignore' });
    const readerExit = new Promise<number | null>((resolve) => reader!.once('exit', (code) => resolve(code)));
    const waitingFile = path.join(fuseConnectionsDir, connection, 'waiting');
    await waitFor(() => (Number(readFileSync(waitingFile, 'utf8')) > 0 ? true : undefined), 10_000, 'a FUSE request waiting');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(reader.exitCode, null, 'the read waits on the stopped nbdfuse');

    const startMs = performance.now();
    await dropNbdFuseUnder(nodeDir);
    t.diagnostic(`dropNbdFuseUnder: ${Math.round(performance.now() - startMs)} ms`);

    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([readerExit.then(() => true), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), 5000); })]);
    clearTimeout(timer);
    assert.ok(ended, 'the waiting read ended');
    assert.notEqual(reader.exitCode, 0, 'the read failed (the connection was aborted), it did not succeed');
    const listed = await bounded('losetup', ['--list', '--noheadings', '--output', 'NAME'], 5000);
    assert.equal(listed.timedOut, false, 'losetup --list answers');
    assert.equal(listed.exitCode, 0);
    assert.ok(!listed.stdout.split('\n').map((line) => line.trim()).includes(loop), `${loop} is detached: ${listed.stdout}`);
    t.diagnostic(`losetup --list afterwards: ${Math.round(listed.ms)} ms`);
    await waitFor(() => (ours!.exitCode !== null || ours!.signalCode !== null) || undefined, 5000, 'our nbdfuse to be gone');

    // The other nbdfuse's connection is untouched and still serves.
    assert.ok(existsSync(path.join(fuseConnectionsDir, foreignMount.connection)), 'the other connection is still there');
    const read = await bounded('nsenter', ['-t', String(foreign.pid), '-m', 'dd', `if=${foreignMount.mountPoint}/nbd`, 'of=/dev/null', 'bs=4k', 'count=4', 'iflag=direct'], 10_000);
    assert.equal(read.exitCode, 0, 'the other nbdfuse still serves its file');
  } finally {
    signal(reader, 'SIGKILL');
    // If the cleanup under test failed, do its work so nothing is left hanging the machine.
    if (connection !== undefined && ours?.exitCode === null && ours.signalCode === null && existsSync(path.join(fuseConnectionsDir, connection, 'abort'))) {
      writeFileSync(path.join(fuseConnectionsDir, connection, 'abort'), '1');
    }
    for (const child of [ours, foreign]) { signal(child, 'SIGCONT'); signal(child, 'SIGKILL'); }
    const left = loopBackingFiles().find((entry) => entry.device === loop && (entry.backingFile === file || entry.backingFile === '/nbd'));
    if (left !== undefined) await bounded('losetup', ['--detach', left.device], 5000);
    signal(nbdkit, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
