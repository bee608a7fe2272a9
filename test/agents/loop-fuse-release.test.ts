/**
 * A loop device on a file of a FUSE mount (nbdfuse serving an nbdkit memory
 * disk), detached while something else still has it open: `losetup
 * --detach` then only marks it for autoclear, the device keeps its file
 * open for a moment, and an unmount of the FUSE mount right away fails with
 * EBUSY. agents/lib's `detachLoopAndWait` waits until the kernel has let
 * go of the file, so the `unmountFuse` after it succeeds; when the device
 * stays held, both fail naming who holds it. The holders: a process with
 * /dev/loopN open, and a mount namespace made while ext4 was mounted from
 * the device (what a concurrent test's `ip netns exec` or `unshare -m`
 * does: this host's mounts do not propagate, so its copy outlives the
 * unmount). ext4 is mounted in a private mount namespace of the test's own,
 * so that no other test's new namespace copies it.
 * detachNbdFuse ends an nbdfuse whose mount lives on in such a namespace.
 * Torn down in `finally`: holders and nbdfuse killed by PID, loop devices
 * on the file detached, the FUSE mount lazily unmounted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../mirror/helpers.js';
import { holdNamespaces, runIn, wrap } from './agent-runner.js';
import { attachLoop, detachLoopAndWait, loopBackingFile, loopBackingFiles } from '../../agents/lib/loop-device.js';
import { unmountFuse } from '../../agents/lib/fuse-unmount.js';
import { detachNbdFuse } from '../../agents/lib/nbd-fuse.js';
import { mountAt, readMounts } from '../../agents/lib/mounts.js';

/** One test's FUSE file, its loop device and whatever holds the device, all removed by `cleanup`. */
class Lab {
  readonly root = mkdtempSync('/tmp/tdm-loop-release-');
  readonly fuseDir = path.join(this.root, 'fuse');
  readonly file = path.join(this.fuseDir, 'nbd');
  readonly mountDir = path.join(this.root, 'mnt');
  readonly pidFile = path.join(this.root, 'nbdfuse.pid');
  readonly messages: string[] = [];
  readonly log = (message: string): void => { this.messages.push(message); };
  nbdfuse: ChildProcess | undefined;
  loop: string | undefined;
  readonly holders: ChildProcess[] = [];

  /** nbdfuse serving a 64 MiB nbdkit memory disk as `file`, attached to a loop device. */
  async start(): Promise<string> {
    mkdirSync(this.fuseDir);
    mkdirSync(this.mountDir);
    this.nbdfuse = spawn('nbdfuse', ['-P', this.pidFile, `${this.fuseDir}/`, '--command', 'nbdkit', '-s', 'memory', '64M'], { stdio: 'ignore' });
    await waitFor(() => existsSync(this.pidFile) && existsSync(this.file), 10_000, 'nbdfuse to serve the memory disk');
    this.loop = await attachLoop(this.file);
    return this.loop;
  }

  /** Runs `argv` and resolves once it has printed "ready": the point from which it holds the loop device. */
  async hold(argv: readonly string[]): Promise<ChildProcess> {
    const [command, ...args] = argv;
    const holder = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.holders.push(holder);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      holder.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('ready')) resolve();
      });
      holder.once('exit', (code) => reject(new Error(`holder ${argv.join(' ')} exited with ${code} before it was ready`)));
      holder.once('error', reject);
    });
    return holder;
  }

  /** A process that opens the loop device, says so, and keeps it open until killed (exec: one pid throughout). */
  holdOpen(): Promise<ChildProcess> {
    return this.hold(['sh', '-c', 'exec 3<"$0" && echo ready && exec sleep 600', this.loop!]);
  }

  mounted(directory: string): boolean {
    return mountAt(readMounts(), directory) !== undefined;
  }

  async cleanup(): Promise<void> {
    for (const holder of this.holders) {
      if (holder.exitCode === null && holder.signalCode === null) {
        holder.kill('SIGKILL');
        await new Promise((resolve) => holder.once('exit', resolve));
      }
    }
    if (this.mounted(this.mountDir)) spawnSync('umount', ['-l', this.mountDir], { stdio: 'ignore' });
    for (const loop of loopBackingFiles().filter((entry) => entry.backingFile === this.file)) spawnSync('losetup', ['--detach', loop.device], { stdio: 'ignore', timeout: 5000 });
    if (this.mounted(this.fuseDir)) spawnSync('fusermount3', ['-u', '-z', this.fuseDir], { stdio: 'ignore', timeout: 5000 });
    const nbdfuse = this.nbdfuse;
    if (nbdfuse !== undefined && nbdfuse.exitCode === null && nbdfuse.signalCode === null) {
      nbdfuse.kill('SIGKILL');
      await new Promise((resolve) => nbdfuse.once('exit', resolve));
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * Nothing left: no loop device on the file, no FUSE mount here. (nbdfuse
   * itself may serve on for a while: a concurrent test's mount namespace
   * made meanwhile holds a copy of the FUSE mount.)
   */
  assertReleased(): void {
    assert.deepEqual(loopBackingFiles().filter((entry) => entry.backingFile === this.file), [], 'no loop device on the file');
    assert.equal(this.mounted(this.fuseDir), false, 'the FUSE mount is gone');
  }
}

test('premise: losetup --detach of a loop device held open returns at once, and the FUSE mount stays busy until it is closed', async () => {
  const lab = new Lab();
  try {
    const loop = await lab.start();
    const holder = await lab.holdOpen();
    execFileSync('losetup', ['--detach', loop]);
    assert.equal(loopBackingFile(loop), lab.file, 'the device still holds its file after losetup --detach');
    const unmount = spawnSync('fusermount3', ['-u', lab.fuseDir], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    assert.notEqual(unmount.status, 0, 'fusermount3 -u succeeded while the loop device held the file');
    assert.match(unmount.stderr, /Device or resource busy/);
    holder.kill('SIGKILL');
    await waitFor(() => loopBackingFile(loop) !== lab.file, 10_000, 'the kernel to release the device once closed');
  } finally {
    await lab.cleanup();
  }
});

test('detachLoopAndWait waits until a device held open for 300 ms more is released; unmountFuse then succeeds and nothing is left', async () => {
  const lab = new Lab();
  try {
    const loop = await lab.start();
    const holder = await lab.holdOpen();
    const closing = setTimeout(() => holder.kill('SIGKILL'), 300);
    try {
      await detachLoopAndWait(loop, 60_000, lab.log);
    } finally {
      clearTimeout(closing);
    }
    assert.notEqual(loopBackingFile(loop), lab.file, 'released when detachLoopAndWait resolves');
    assert.match(lab.messages.join('\n'), new RegExp(`still holds ${lab.file} after losetup --detach \\(open by pid ${holder.pid} \\((sh|sleep)\\) as fd 3\\)`), 'the wait was needed, and says who held the device');
    await unmountFuse(lab.fuseDir, 60_000, lab.log);
    lab.assertReleased();
  } finally {
    await lab.cleanup();
  }
});

test('ext4 unmounted, but still mounted in a mount namespace made meanwhile: detachLoopAndWait waits for that namespace to end', async () => {
  const lab = new Lab();
  let node: ChildProcess | undefined;
  try {
    const loop = await lab.start();
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard', loop]);
    // The "node" that mounts ext4: a private mount namespace of this test's own.
    const held = await holdNamespaces({ seconds: 600 });
    node = held.holder;
    const inNode = async (script: string): Promise<void> => {
      const run = await runIn(held.placement, ['sh', '-c', script]);
      assert.equal(run.rc, 0, `${script}: ${run.stderr}`);
    };
    await inNode(`mount -t ext4 ${loop} ${lab.mountDir} && echo data > ${lab.mountDir}/file`);
    // As `ip netns exec` or `unshare -m` run there (nsenter and unshare exec: one pid): a copy of every mount, this ext4 included.
    const copy = await lab.hold(wrap(held.placement, ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'echo ready && exec sleep 600']));
    await inNode(`umount ${lab.mountDir}`);
    const ending = setTimeout(() => copy.kill('SIGKILL'), 300);
    try {
      await detachLoopAndWait(loop, 60_000, lab.log);
    } finally {
      clearTimeout(ending);
    }
    assert.notEqual(loopBackingFile(loop), lab.file, 'released when detachLoopAndWait resolves');
    assert.match(lab.messages.join('\n'), new RegExp(`mounted at ${lab.mountDir} in the mount namespace of pid ${copy.pid} \\((sh|sleep)\\)`), 'the wait was needed, and names the namespace');
    await unmountFuse(lab.fuseDir, 60_000, lab.log);
    lab.assertReleased();
  } finally {
    if (node !== undefined && node.exitCode === null && node.signalCode === null) {
      const holder = node;
      holder.kill('SIGKILL'); // ends its namespace, and with it any mount left there
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    await lab.cleanup();
  }
});

test('a device held past the timeout: detachLoopAndWait and unmountFuse fail, naming the process that holds it', async () => {
  const lab = new Lab();
  try {
    const loop = await lab.start();
    const holder = await lab.holdOpen();
    await assert.rejects(detachLoopAndWait(loop, 300, lab.log), new RegExp(`${loop} still holds ${lab.file} 300 ms after losetup --detach .*open by pid ${holder.pid} \\((sh|sleep)\\) as fd 3`));
    await assert.rejects(unmountFuse(lab.fuseDir, 300, lab.log), new RegExp(`busy after \\d+ ms: ${loop} is attached to ${lab.file} \\(open by pid ${holder.pid} \\((sh|sleep)\\) as fd 3\\)`));
    assert.equal(lab.mounted(lab.fuseDir), true, 'never unmounted lazily');
    holder.kill('SIGKILL');
    await waitFor(() => loopBackingFile(loop) !== lab.file, 10_000, 'the device to be released once its holder is gone');
    await unmountFuse(lab.fuseDir, 60_000, lab.log);
    lab.assertReleased();
  } finally {
    await lab.cleanup();
  }
});

test('detachNbdFuse ends nbdfuse whose mount lives on in a mount namespace made meanwhile (SIGTERM after 5 s)', async () => {
  const lab = new Lab();
  try {
    const loop = await lab.start();
    await lab.hold(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'echo ready && exec sleep 600']);
    await detachLoopAndWait(loop, 60_000, lab.log);
    await detachNbdFuse({ directory: lab.fuseDir, file: lab.file, pidFile: lab.pidFile }, 60_000, lab.log);
    lab.assertReleased();
    const nbdfuse = lab.nbdfuse!;
    await waitFor(() => nbdfuse.exitCode !== null || nbdfuse.signalCode !== null, 5000, 'nbdfuse to be gone');
    assert.match(lab.messages.join('\n'), /still serves .* after the unmount .*: sending SIGTERM/);
    assert.equal(existsSync(lab.pidFile), false, 'the pid file is removed');
  } finally {
    await lab.cleanup();
  }
});
