/**
 * Legs whose devices were grown: the metadata is found at a device's end,
 * so after the growth neither leg shows any and the volume does not start;
 * `tandem mirror relocate` finds it where the old end was and moves it to
 * the new end, and the volume serves its data again. A device that holds no
 * leg within the scan limit is reported, exit 65, and left as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, nbdUri, readHead, status, waitFor } from './helpers.js';

const SIZE = 8 * 1024 * 1024;

test('relocate moves a grown leg\'s metadata to its new end; the volume starts and serves its data again', { timeout: 120_000 }, async () => {
  const harness = await Harness.create('relocate');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    const created = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'create', ...legs, '--size', '8M', '--assume-clean'])).stdout) as { volumeUuid: string; legSizeBytes: number };
    let engine = await harness.startEngine(legs, harness.path('n1.sock'), harness.path('n1.control'), ['--node', 'n1']);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x6e 0 8M', nbdUri(harness.path('n1.sock'))]);
    await harness.stop(engine, 10_000);

    // Both "LUNs" grown by 40 MiB.
    for (const leg of legs) await execa('truncate', ['-s', '+40M', leg]);
    const grownBytes = (await stat(legs[0]!)).size;
    const lost = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as { error?: string }[];
    for (const leg of lost) assert.match(leg.error ?? '', /no valid tandem mirror metadata \(at its end: if its device was grown, tandem mirror relocate moves it there\)/);
    const refused = await harness.tandem(['mirror', 'serve', ...legs, '--socket', harness.path('refused.sock'), '--node', 'n1'], { reject: false });
    assert.notEqual(refused.exitCode, 0, 'the volume does not start with both legs grown');

    const relocated = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'relocate', ...legs])).stdout) as { outcome: string; legIndex: number; volumeUuid: string; oldEndBytes: number; newEndBytes: number }[];
    assert.deepEqual(relocated.map((entry) => [entry.outcome, entry.legIndex, entry.volumeUuid, entry.oldEndBytes, entry.newEndBytes]),
      [['relocated', 0, created.volumeUuid, created.legSizeBytes, grownBytes], ['relocated', 1, created.volumeUuid, created.legSizeBytes, grownBytes]]);
    const again = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'relocate', legs[0]!])).stdout) as { outcome: string }[];
    assert.equal(again[0]!.outcome, 'in-place', 'a second relocate finds it at the end');

    engine = await harness.startEngine(legs, harness.path('n2.sock'), harness.path('n2.control'), ['--node', 'n2']);
    const served = await status(harness.path('n2.control'));
    assert.equal(served.volumeUuid, created.volumeUuid);
    assert.equal(served.sizeBytes, SIZE, 'the volume keeps its size');
    assert.equal(served.inSync, true, `both legs current: ${JSON.stringify(served.legs)}`);
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x6e 0 8M', nbdUri(harness.path('n2.sock'))]);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);
    await harness.stop(engine, 10_000);
    await waitFor(() => engine.exitCode !== null || engine.signalCode !== null, 10_000, 'the engine to stop');
    assert.ok((await readHead(legs[0]!, SIZE)).equals(await readHead(legs[1]!, SIZE)), 'both legs hold the same data');
  } finally {
    await harness.cleanup();
  }
});

test('relocate refuses a claimed leg (an engine may serve it) unless --force', { timeout: 60_000 }, async () => {
  const harness = await Harness.create('relocate-claimed');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '8M', '--assume-clean']);
    const engine = await harness.startEngine(legs, harness.path('n1.sock'), harness.path('n1.control'), ['--node', 'n1']);
    await harness.kill(engine); // dies holding the claim
    await execa('truncate', ['-s', '+8M', legs[0]!]);
    const refused = await harness.tandem(['mirror', 'relocate', legs[0]!], { reject: false });
    assert.equal(refused.exitCode, 107, refused.stderr);
    assert.match(refused.stderr, /leg 0 is claimed by node 'n1': an engine serving it would go on writing at the old end; stop it first \(--force if it died\)/);
    const lost = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as { error?: string }[];
    assert.match(lost[0]!.error ?? '', /no valid tandem mirror metadata/, 'the refusal wrote nothing');
    const forced = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'relocate', legs[0]!, '--force'])).stdout) as { outcome: string }[];
    assert.equal(forced[0]!.outcome, 'relocated');
    const found = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as { owner?: { node: string } }[];
    assert.deepEqual(found.map((meta) => meta.owner?.node), ['n1', 'n1'], 'the claim moves with the metadata: the next start decides on it');
  } finally {
    await harness.cleanup();
  }
});

test('relocate reports a device that holds no leg within the scan limit, and writes nothing', async () => {
  const harness = await Harness.create('relocate-none');
  try {
    const blank = harness.path('blank.img');
    await execa('truncate', ['-s', '64M', blank]);
    const result = await harness.tandem(['mirror', 'relocate', blank, '--scan-limit', '16M'], { reject: false });
    assert.equal(result.exitCode, 65, result.stderr);
    assert.match(result.stdout, /NOT FOUND: .*no tandem mirror metadata within the last 16777216 bytes/);
    const bytes = await readHead(blank, 64 * 1024 * 1024);
    assert.equal(bytes.some((byte) => byte !== 0), false, 'nothing was written');
    const usage = await harness.tandem(['mirror', 'relocate', blank, '--scan-limit', 'far'], { reject: false });
    assert.equal(usage.exitCode, 64, usage.stderr);
    assert.match(usage.stderr, /--scan-limit: 'far' is not a size/);
  } finally {
    await harness.cleanup();
  }
});
