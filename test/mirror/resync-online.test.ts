/**
 * Resync while the volume is in use: a leg that was away comes back, the
 * rate-capped resync runs (its progress shows in `tandem mirror status`),
 * fio writes and verifies through the export meanwhile, and at the end the
 * legs are byte-identical. Also: status of an engine that is not running
 * exits 7 (OCF "not running"), which the Mirror agent's monitor will use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, nbdUri, readHead, status, waitFor } from './helpers.js';

const SIZE = 32 * 1024 * 1024;

test('writes during a rate-capped resync are safe; progress is reported', async () => {
  const harness = await Harness.create('online');
  try {
    const [legA, legB] = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', legA, legB, '--size', '32M']);
    await rename(legB, `${legB}.away`);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    await harness.startEngine([legA, legB], exportSock, control, ['--resync-rate', '8M', '--reconnect-interval', '200']);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x3c 0 32M', nbdUri(exportSock)]);
    assert.equal((await status(control)).dirtyBytes, SIZE);

    await rename(`${legB}.away`, legB);
    await waitFor(async () => (await status(control)).resync !== null, 10_000, 'resync to start');
    const fio = execa('fio', ['--name=during-resync', '--ioengine=nbd', `--uri=${nbdUri(exportSock)}`, '--rw=randwrite', '--bs=16k', '--size=32M',
      '--io_size=8M', '--iodepth=8', '--verify=crc32c', '--do_verify=1', '--verify_state_save=0'], { reject: false });
    const during = await status(control);
    assert.ok(during.resync && during.resync.doneBytes < during.resync.totalBytes, 'resync still running while fio writes');
    assert.equal(during.legs[1]!.state, 'resyncing');
    const text = await harness.tandem(['mirror', 'status', '--control', control]);
    assert.match(text.stdout, /resync: .* of 32\.0 MiB to leg 1/);
    const fioResult = await fio;
    assert.equal(fioResult.exitCode, 0, fioResult.stderr);
    await waitFor(async () => (await status(control)).inSync, 60_000, 'resync to finish');
    assert.ok((await readHead(legA, SIZE)).equals(await readHead(legB, SIZE)), 'legs are byte-identical');
  } finally {
    await harness.cleanup();
  }
});

test('status of an engine that is not running exits 7', async () => {
  const harness = await Harness.create('notrunning');
  try {
    const result = await harness.tandem(['mirror', 'status', '--control', harness.path('nothing.sock')], { reject: false });
    assert.equal(result.exitCode, 7);
    assert.match(result.stderr, /no mirror engine answers/);
  } finally {
    await harness.cleanup();
  }
});
