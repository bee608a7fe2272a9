/**
 * tandem:PhysicalVolume on an NBD URI (its own nbdfuse, a loop device, ext4
 * in a private mount namespace) when that nbdfuse dies under it: stop must
 * still leave nothing behind (no loop device on the dead file, no FUSE or
 * ext4 mount), as a node whose nbdfuse crashed recovers by stop and start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { holdNamespaces, runAgent, show } from './agent-runner.js';
import { waitFor } from '../mirror/helpers.js';
import { loopBackingFiles } from '../support/nbd-fuse-leftovers.js';
import { parseMountInfo } from '../../agents/lib/mounts.js';
import { nbdFusePaths } from '../../agents/lib/nbd-fuse.js';

test('nbdfuse killed under a mounted PhysicalVolume: stop succeeds and detaches the loop device and both mounts', { timeout: 90_000 }, async () => {
  const root = mkdtempSync('/tmp/tdm-pv-nbd-');
  const image = path.join(root, 'volume.ext4');
  const socket = path.join(root, 'export.sock');
  const stateDir = path.join(root, 'rsctmp');
  const volume = { device: `nbd+unix:///?socket=${socket}`, directory: path.join(root, 'mnt'), fstype: 'ext4' };
  const fuse = nbdFusePaths(stateDir, 'test-physicalvolume');
  const extraEnv = { HA_RSCTMP: stateDir };
  let nbdkit: ChildProcess | undefined;
  let holder: ChildProcess | undefined;
  try {
    mkdirSync(stateDir);
    mkdirSync(volume.directory);
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard', image, '32M']);
    nbdkit = spawn('nbdkit', ['-f', '--unix', socket, 'file', image], { stdio: 'ignore' });
    await waitFor(() => existsSync(socket), 10_000, 'nbdkit to listen');
    const held = await holdNamespaces();
    holder = held.holder;
    const { placement } = held;
    const mounts = () => parseMountInfo(readFileSync(`/proc/${holder!.pid}/mountinfo`, 'utf8')).filter((entry) => entry.mountPoint === fuse.directory || entry.mountPoint === volume.directory);

    const started = await runAgent('PhysicalVolume', 'start', volume, { placement, extraEnv });
    assert.equal(started.rc, 0, show(started));
    const loops = loopBackingFiles().filter((loop) => loop.backingFile === fuse.file);
    assert.equal(loops.length, 1, `one loop device on ${fuse.file}`);
    assert.equal(mounts().length, 2, 'the FUSE mount and ext4');

    process.kill(Number(readFileSync(fuse.pidFile, 'utf8')), 'SIGKILL');
    const monitored = await runAgent('PhysicalVolume', 'monitor', volume, { placement, extraEnv });
    assert.notEqual(monitored.rc, 0, 'monitor sees the device lost');

    const stopped = await runAgent('PhysicalVolume', 'stop', volume, { placement, extraEnv });
    assert.equal(stopped.rc, 0, show(stopped));
    assert.deepEqual(loopBackingFiles().filter((loop) => loop.device === loops[0]!.device), [], 'the loop device is detached');
    assert.deepEqual(mounts(), [], 'neither mount is left');
    assert.equal((await runAgent('PhysicalVolume', 'monitor', volume, { placement, extraEnv })).rc, 7, 'stopped');
  } finally {
    // What a failed stop left: the loop device on nbdfuse's file, found by its name while the namespace lives
    // (detached lazily if ext4 still holds it: it goes with the namespace).
    for (const loop of loopBackingFiles().filter((entry) => entry.backingFile === fuse.file)) {
      execFileSync('losetup', ['--detach', loop.device], { timeout: 5000 });
    }
    holder?.kill('SIGKILL');
    if (holder) await new Promise((resolve) => holder?.once('exit', resolve));
    nbdkit?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
