/**
 * ext4 on the mirrored volume: nbdfuse turns the export into a file, losetup
 * into a block device; mkfs, mount, write files, unmount; afterwards each
 * leg on its own is a clean ext4 file system holding the files.
 * ext4 is mounted in a private mount namespace of this test's own (a "node",
 * as in test/agents): this host's mounts do not propagate, so a mount
 * namespace that a concurrent test makes (`ip netns exec`, `unshare -m`)
 * copies every mount of the host's, and its copy would keep ext4, and with
 * it the loop device and the FUSE mount, busy after the unmount here. The
 * loop device is detached and nbdfuse ended as PhysicalVolume's stop does
 * it (agents/lib: detachLoopAndWait, detachNbdFuse).
 * Everything set up is torn down in `finally` (the namespace ended, losetup
 * -d, fusermount -u, processes killed by PID).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, nbdUri, waitFor } from './helpers.js';
import { holdNamespaces, runIn, show, type Placement } from '../agents/agent-runner.js';
import { detachLoopAndWait } from '../../agents/lib/loop-device.js';
import { detachNbdFuse } from '../../agents/lib/nbd-fuse.js';

/** Logs agents/lib's messages as TAP comments. */
const log = (message: string): void => { process.stderr.write(`# ${message}\n`); };

test('ext4 on the volume through nbdfuse + losetup: both legs fsck clean and hold the files', async () => {
  const harness = await Harness.create('ext4');
  const fuseDir = harness.path('fuse');
  const mountDir = harness.path('mnt');
  let loopDevice: string | undefined;
  let node: ChildProcess | undefined;
  let fuseMounted = false;
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '64M']);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    const engine = await harness.startEngine(legs, exportSock, control);
    await mkdir(fuseDir);
    await mkdir(mountDir);
    // The node, made before the FUSE mount: it needs only the loop device, and a
    // copy of the FUSE mount there would keep nbdfuse serving after the unmount.
    const held = await holdNamespaces({ seconds: 600 });
    node = held.holder;
    const placement: Placement = held.placement;
    // nbdfuse stays in the foreground and writes its pid file once the file is served.
    harness.spawn('nbdfuse', ['-P', harness.path('nbdfuse.pid'), fuseDir + '/', nbdUri(exportSock)]);
    fuseMounted = true;
    await waitFor(() => existsSync(harness.path('nbdfuse.pid')), 10_000, 'nbdfuse to serve');
    loopDevice = (await execa('losetup', ['--find', '--show', '--direct-io=off', `${fuseDir}/nbd`])).stdout.trim();
    await execa('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard', loopDevice]);
    const mountRun = await runIn(placement, ['mount', '-t', 'ext4', loopDevice, mountDir]);
    assert.equal(mountRun.rc, 0, show(mountRun));
    // The node's view of the file system tree, mounts included.
    const inNode = `/proc/${node.pid}/root${mountDir}`;
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let index = 0; index < payload.length; index++) payload[index] = (index * 31 + 7) % 251;
    await writeFile(`${inNode}/data.bin`, payload);
    await mkdir(`${inNode}/dir`);
    for (let index = 0; index < 50; index++) await writeFile(`${inNode}/dir/file-${index}.txt`, `file ${index}\n`.repeat(index + 1));
    await execa('sync');
    const umountRun = await runIn(placement, ['umount', mountDir]);
    assert.equal(umountRun.rc, 0, show(umountRun));
    await detachLoopAndWait(loopDevice, 60_000, log);
    loopDevice = undefined;
    await detachNbdFuse({ directory: fuseDir, file: `${fuseDir}/nbd`, pidFile: harness.path('nbdfuse.pid') }, 60_000, log);
    fuseMounted = false;
    await harness.tandem(['mirror', 'stop', '--control', control]);
    await waitFor(() => engine.exitCode !== null, 20_000, 'the engine to stop');
    assert.equal(engine.exitCode, 0);

    for (const leg of legs) {
      const fsck = await execa('e2fsck', ['-f', '-n', leg], { reject: false });
      assert.equal(fsck.exitCode, 0, `e2fsck ${leg}: ${fsck.stdout}\n${fsck.stderr}`);
      const listing = await execa('debugfs', ['-R', 'cat /data.bin', leg], { encoding: 'buffer', reject: false });
      assert.ok(Buffer.from(listing.stdout).equals(payload), `data.bin intact on ${leg}`);
      const small = await execa('debugfs', ['-R', 'cat /dir/file-49.txt', leg]);
      assert.equal(small.stdout, 'file 49\n'.repeat(50).trimEnd());
    }
    assert.ok((await readFile(legs[0]!)).subarray(0, 64 * 1024 * 1024).equals((await readFile(legs[1]!)).subarray(0, 64 * 1024 * 1024)));
  } finally {
    if (node !== undefined && node.exitCode === null && node.signalCode === null) {
      const holder = node;
      const gone = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL'); // ends the namespace, and with it ext4 if it is still mounted there
      await gone;
    }
    if (loopDevice) await execa('losetup', ['-d', loopDevice], { reject: false });
    if (fuseMounted) await execa('fusermount3', ['-u', '-z', fuseDir], { reject: false });
    await harness.cleanup();
  }
});
