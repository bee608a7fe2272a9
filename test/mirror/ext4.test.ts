/**
 * ext4 on the mirrored volume: nbdfuse turns the export into a file, losetup
 * into a block device; mkfs, mount, write files, unmount; afterwards each
 * leg on its own is a clean ext4 file system holding the files.
 * Everything set up is torn down in `finally` (umount, losetup -d,
 * fusermount -u, processes killed by PID).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, nbdUri, waitFor } from './helpers.js';

test('ext4 on the volume through nbdfuse + losetup: both legs fsck clean and hold the files', async () => {
  const harness = await Harness.create('ext4');
  const fuseDir = harness.path('fuse');
  const mountDir = harness.path('mnt');
  let loopDevice: string | undefined;
  let mounted = false;
  let fuseMounted = false;
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '64M']);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    const engine = await harness.startEngine(legs, exportSock, control);
    await mkdir(fuseDir);
    await mkdir(mountDir);
    // nbdfuse stays in the foreground and writes its pid file once the file is served.
    harness.spawn('nbdfuse', ['-P', harness.path('nbdfuse.pid'), fuseDir + '/', nbdUri(exportSock)]);
    fuseMounted = true;
    await waitFor(() => existsSync(harness.path('nbdfuse.pid')), 10_000, 'nbdfuse to serve');
    loopDevice = (await execa('losetup', ['--find', '--show', '--direct-io=off', `${fuseDir}/nbd`])).stdout.trim();
    await execa('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard', loopDevice]);
    await execa('mount', ['-t', 'ext4', loopDevice, mountDir]);
    mounted = true;
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let index = 0; index < payload.length; index++) payload[index] = (index * 31 + 7) % 251;
    await writeFile(`${mountDir}/data.bin`, payload);
    await mkdir(`${mountDir}/dir`);
    for (let index = 0; index < 50; index++) await writeFile(`${mountDir}/dir/file-${index}.txt`, `file ${index}\n`.repeat(index + 1));
    await execa('sync');
    await execa('umount', [mountDir]);
    mounted = false;
    await execa('losetup', ['-d', loopDevice]);
    loopDevice = undefined;
    await execa('fusermount3', ['-u', fuseDir]);
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
    if (mounted) await execa('umount', ['-l', mountDir], { reject: false });
    if (loopDevice) await execa('losetup', ['-d', loopDevice], { reject: false });
    if (fuseMounted) await execa('fusermount3', ['-u', '-z', fuseDir], { reject: false });
    await harness.cleanup();
  }
});
