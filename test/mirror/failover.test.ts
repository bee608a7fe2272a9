/**
 * Two "arrays" served by Debian's nbdkit, mirrored by the engine, written by
 * fio (nbd engine, --verify=crc32c). One nbdkit is killed mid-run: fio sees
 * no error and the volume is degraded. The nbdkit comes back: the resync
 * copies exactly the dirty regions, and then both legs are byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, compareExportWithLeg, nbdUri, readHead, status, waitFor } from './helpers.js';

const SIZE = 64 * 1024 * 1024;

test('a leg killed under fio load: no client error, degraded, then resync of only the dirty regions', async () => {
  const harness = await Harness.create('failover');
  try {
    const [legA, legB] = [harness.path('array-a.img'), harness.path('array-b.img')];
    const [sockA, sockB] = [harness.path('array-a.sock'), harness.path('array-b.sock')];
    await harness.tandem(['mirror', 'create', legA, legB, '--size', '64M']);
    await harness.startNbdkit(legA, sockA);
    let nbdkitB = await harness.startNbdkit(legB, sockB);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    await harness.startEngine([nbdUri(sockA), nbdUri(sockB)], exportSock, control, ['--io-timeout', '3000', '--reconnect-interval', '300', '--sweep-interval', '500']);

    // Sequential writes over the first 40 MiB at a capped rate, verified with crc32c.
    const fio = execa('fio', ['--name=mirror-failover', '--ioengine=nbd', `--uri=${nbdUri(exportSock)}`, '--rw=write', '--bs=64k', '--size=40M',
      '--iodepth=8', '--rate=10m', '--verify=crc32c', '--do_verify=1', '--verify_state_save=0', '--output-format=json'], { reject: false });
    await waitFor(async () => (await status(control)).dirtyChunks > 0, 10_000, 'first writes');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await harness.kill(nbdkitB);
    await waitFor(async () => (await status(control)).degraded, 10_000, 'the engine to notice the dead leg');
    const fioResult = await fio;
    assert.equal(fioResult.exitCode, 0, `fio failed: ${fioResult.stderr}`);
    const report = JSON.parse(fioResult.stdout.slice(fioResult.stdout.indexOf('{'))) as { jobs: { error: number; write: { io_bytes: number } }[] };
    assert.equal(report.jobs[0]!.error, 0);
    assert.equal(report.jobs[0]!.write.io_bytes, 40 * 1024 * 1024);

    const degraded = await status(control);
    assert.equal(degraded.degraded, true);
    assert.equal(degraded.legs[1]!.state, 'failed');
    assert.ok(degraded.dirtyBytes > 0 && degraded.dirtyBytes < SIZE, `dirty ${degraded.dirtyBytes}`);

    await rm(sockB, { force: true });
    nbdkitB = await harness.startNbdkit(legB, sockB);
    await waitFor(async () => {
      const now = await status(control);
      return now.inSync && now.finishedResyncs.some((resync) => resync.outcome === 'done');
    }, 60_000, 'resync to finish');
    const after = await status(control);
    const resync = after.finishedResyncs.find((entry) => entry.outcome === 'done')!;
    assert.equal(resync.bytes, degraded.dirtyBytes, 'resync copied exactly the dirty regions');
    assert.equal(resync.chunks, degraded.dirtyChunks);

    assert.match(await compareExportWithLeg(exportSock, legA, SIZE), /Images are identical/);
    assert.match(await compareExportWithLeg(exportSock, legB, SIZE), /Images are identical/);
    assert.ok((await readHead(legA, SIZE)).equals(await readHead(legB, SIZE)), 'legs are byte-identical');
  } finally {
    await harness.cleanup();
  }
});
