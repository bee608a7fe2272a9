/**
 * Resync while the volume is in use: a leg that was away comes back, the
 * rate-capped resync runs (its progress shows in `tandem mirror status`),
 * fio writes and verifies through the export meanwhile, and at the end the
 * legs are byte-identical. The cap of a resync under way changes with
 * `tandem mirror tune`. Also: status of an engine that is not running
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

test('tandem mirror tune changes the cap of a resync under way: held back at 64K/s, it finishes once the cap is lifted; bad rates are refused', { timeout: 120_000 }, async () => {
  const harness = await Harness.create('tune');
  try {
    const [legA, legB] = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', legA, legB, '--size', '32M']);
    await rename(legB, `${legB}.away`);
    const control = harness.path('control.sock');
    const exportSock = harness.path('mirror.sock');
    // 64 KiB/s: the 32 MiB this resync copies would take over eight minutes.
    await harness.startEngine([legA, legB], exportSock, control, ['--resync-rate', '64K', '--reconnect-interval', '200']);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5d 0 32M', nbdUri(exportSock)]);
    await rename(`${legB}.away`, legB);
    await waitFor(async () => (await status(control)).resync !== null, 10_000, 'resync to start');
    assert.equal((await status(control)).resyncRateBytesPerSec, 64 * 1024);
    assert.match((await harness.tandem(['mirror', 'status', '--control', control])).stdout, /resync: .* of 32\.0 MiB to leg 1, capped at 64\.0 KiB\/s/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const held = (await status(control)).resync;
    assert.ok(held && held.doneBytes < held.totalBytes / 4, `the cap holds the copy back: ${JSON.stringify(held)}`);

    for (const rate of ['fast', '-1']) {
      const refused = await harness.tandem(['mirror', 'tune', '--control', control, '--resync-rate', rate], { reject: false });
      assert.equal(refused.exitCode, 64, refused.stderr);
      assert.match(refused.stderr, /--resync-rate: .* is not a size/);
    }
    assert.equal((await status(control)).resyncRateBytesPerSec, 64 * 1024, 'refusals changed nothing');

    const tuned = await harness.tandem(['--output', 'json', 'mirror', 'tune', '--control', control, '--resync-rate', '0']);
    assert.equal((JSON.parse(tuned.stdout) as { resyncRateBytesPerSec: number }).resyncRateBytesPerSec, 0);
    await waitFor(async () => (await status(control)).inSync, 60_000, 'the resync to finish once the cap is lifted');
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
