/**
 * kill -9 of the engine while qemu-io writes: on restart only the regions
 * in the write-intent bitmap are resynced, the legs end identical, and every
 * write qemu-io saw acknowledged is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { ChunkBitmap } from '../../src/mirror/bitmap.js';
import { parseLegSpec } from '../../src/mirror/block-device.js';
import { readAllMetadata } from '../../src/mirror/lifecycle.js';
import { Harness, nbdUri, readHead, status, waitFor } from './helpers.js';

const SIZE = 64 * 1024 * 1024;
const WRITE_BYTES = 64 * 1024;
const WRITES = 400;

test('kill -9 during writes: restart resyncs only bitmap regions and keeps every acknowledged write', async () => {
  const harness = await Harness.create('crash');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '64M']);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    const engine = await harness.startEngine(legs, exportSock, control, ['--sweep-interval', '300']);

    // Sequential 64 KiB writes across 25 MiB, each a distinct pattern, paced so the kill lands mid-run.
    const commands: string[] = [];
    const patternOf = (index: number): number => (index % 250) + 1;
    for (let index = 0; index < WRITES; index++) commands.push('-c', `write -P ${patternOf(index)} ${index * WRITE_BYTES} ${WRITE_BYTES}`, '-c', 'sleep 8');
    const writer = execa('qemu-io', ['-f', 'raw', ...commands, nbdUri(exportSock)], { reject: false, buffer: true });
    const acked = new Set<number>();
    let partialLine = '';
    writer.stdout!.on('data', (data: Buffer) => {
      const lines = (partialLine + data.toString()).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^wrote \d+\/\d+ bytes at offset (\d+)/.exec(line);
        if (match) acked.add(Number(match[1]) / WRITE_BYTES);
      }
    });
    await waitFor(() => acked.size >= 200, 60_000, '200 acknowledged writes');
    await harness.kill(engine, 'SIGKILL');
    await writer;
    const ackedAtKill = [...acked];
    assert.ok(ackedAtKill.length >= 200 && ackedAtKill.length < WRITES, `acked ${ackedAtKill.length}`);

    const metas = await readAllMetadata(legs.map(parseLegSpec));
    const union = new ChunkBitmap(SIZE / (1024 * 1024));
    for (const meta of metas) {
      assert.ok(!('error' in meta), 'metadata readable after the crash');
      if ('error' in meta) continue;
      assert.equal(meta.clean, false, 'a crash leaves the volume marked dirty');
      union.unionWith(meta.bitmap);
    }
    const dirtyBytes = union.count() * 1024 * 1024;
    assert.ok(union.count() > 0 && dirtyBytes < SIZE, `dirty ${dirtyBytes}`);

    await harness.startEngine(legs, exportSock, control, ['--sweep-interval', '300']);
    await waitFor(async () => {
      const now = await status(control);
      return now.inSync && now.finishedResyncs.some((resync) => resync.outcome === 'done');
    }, 60_000, 'crash resync');
    const resync = (await status(control)).finishedResyncs.find((entry) => entry.outcome === 'done')!;
    assert.equal(resync.bytes, dirtyBytes, 'only the bitmap regions were resynced');

    const reads: string[] = [];
    for (const index of ackedAtKill) reads.push('-c', `read -P ${patternOf(index)} ${index * WRITE_BYTES} ${WRITE_BYTES}`);
    const check = await execa('qemu-io', ['-f', 'raw', ...reads, nbdUri(exportSock)], { reject: false });
    assert.equal(check.exitCode, 0, check.stderr.slice(0, 500));
    assert.doesNotMatch(check.stdout, /Pattern verification failed/);
    assert.equal((check.stdout.match(/^read /gm) ?? []).length, ackedAtKill.length);
    assert.ok((await readHead(legs[0]!, SIZE)).equals(await readHead(legs[1]!, SIZE)), 'legs are byte-identical');
  } finally {
    await harness.cleanup();
  }
});
