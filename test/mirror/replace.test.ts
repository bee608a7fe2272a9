/**
 * A dead array replaced by a new one: `tandem mirror replace` puts the new
 * device in the failed leg's place and the whole volume is copied onto it,
 * offline (the next serve copies) and online (a running engine copies at
 * once, while it serves; killed during the copy, it copies it all again). What is not a replacement is refused with the
 * reason, and nothing is written: a device holding this volume's leg or
 * another volume's, one too small, a claimed volume offline, a stale
 * source, a leg that works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, nbdUri, readHead, status, waitFor } from './helpers.js';

const SIZE = 16 * 1024 * 1024;

interface OfflineLeg { leg?: number; error?: string; legStates: string[]; dirtyChunks: number; eventCounter: number; owner: { node: string } }

async function offlineStatus(harness: Harness, legs: string[]): Promise<OfflineLeg[]> {
  return JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as OfflineLeg[];
}

async function waitInSync(control: string): Promise<void> {
  let last: unknown;
  await waitFor(async () => { const now = await status(control); last = now; return now.inSync; }, 60_000, 'both legs in sync')
    .catch((error: unknown) => { throw new Error(`${(error as Error).message}; last status ${JSON.stringify(last)}`); });
}

test('offline: a new device in a dead leg\'s place gets the whole volume on the next serve; what is not a replacement is refused and nothing changes', { timeout: 120_000 }, async () => {
  const harness = await Harness.create('replace-offline');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '16M']);
    let engine = await harness.startEngine(legs, harness.path('n1.sock'), harness.path('n1.control'), ['--node', 'n1']);
    await waitInSync(harness.path('n1.control'));
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x71 0 4M', '-c', 'write -P 0x72 12M 4M', nbdUri(harness.path('n1.sock'))]);
    await harness.stop(engine, 10_000);

    // Refusals, each leaving the legs as they are.
    const before = await offlineStatus(harness, legs);
    const other = [harness.path('other-a.img'), harness.path('other-b.img')];
    await harness.tandem(['mirror', 'create', ...other, '--size', '16M', '--assume-clean']);
    const small = harness.path('small.img');
    await execa('truncate', ['-s', '1M', small]);
    const replace = (args: string[]) => harness.tandem(['mirror', 'replace', ...args], { reject: false });
    for (const [args, exitCode, message] of [
      [[legs[0]!, other[1]!, '--leg', '1'], 107, /holds leg 1 of another volume .*--force if it is no longer used/],
      [[...legs, '--leg', '1'], 107, /holds this volume's leg 1: .*resyncs only what changed by itself/],
      [[legs[0]!, small, '--leg', '1'], 1, /has 1048576 bytes; leg 1 needs/],
      [[...legs, '--leg', '2'], 64, /--leg: '2' is neither 0 nor 1/],
      [[legs[0]!, '--leg', '1'], 64, /exactly two legs/],
    ] as const) {
      const result = await replace([...args]);
      assert.equal(result.exitCode, exitCode, `replace ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.deepEqual(await offlineStatus(harness, legs), before, 'the refusals wrote nothing');

    // Array B dies for good; its replacement is a new, empty device at the same path.
    await rm(legs[1]!);
    const replaced = await harness.tandem(['--output', 'json', 'mirror', 'replace', ...legs, '--leg', '1']);
    assert.deepEqual(JSON.parse(replaced.stdout), { leg: 1, sourceLeg: 0, copyBytes: SIZE });
    const after = await offlineStatus(harness, legs);
    assert.deepEqual(after.map((meta) => meta.legStates), [['in-sync', 'failed'], ['in-sync', 'failed']], 'both legs record leg 1 as stale');
    assert.deepEqual(after.map((meta) => meta.dirtyChunks), [16, 16], 'every chunk to copy, on both legs');
    // A replacement is a stale leg: replacing leg 0 from it is refused.
    const fromStale = await replace([...legs, '--leg', '0', '--force']);
    assert.equal(fromStale.exitCode, 107, fromStale.stderr);
    assert.match(fromStale.stderr, /leg 1 is stale itself/);

    engine = await harness.startEngine(legs, harness.path('n2.sock'), harness.path('n2.control'), ['--node', 'n2']);
    await waitInSync(harness.path('n2.control'));
    const copied = (await status(harness.path('n2.control'))).finishedResyncs.filter((entry) => entry.outcome === 'done').at(-1);
    assert.equal(copied?.bytes, SIZE, 'the whole volume was copied onto the replacement');
    assert.ok((await readHead(legs[0]!, SIZE)).equals(await readHead(legs[1]!, SIZE)), 'both legs hold the same data');
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x71 0 4M', '-c', 'read -P 0x72 12M 4M', nbdUri(harness.path('n2.sock'))]);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);

    // Offline replace of a claimed volume (an engine serves it) is refused.
    const claimed = await replace([...legs, '--leg', '1']);
    assert.equal(claimed.exitCode, 107, claimed.stderr);
    assert.match(claimed.stderr, /claimed by node 'n2': while its engine serves it, replace online/);
    await harness.stop(engine, 10_000);
  } finally {
    await harness.cleanup();
  }
});

test('online: the engine takes a new array in the failed leg\'s place and copies the volume onto it while serving; a crash during the copy resumes the whole copy', { timeout: 120_000 }, async () => {
  const harness = await Harness.create('replace-online');
  try {
    const arrayFile = harness.path('array-b.img');
    const arraySocket = harness.path('array-b.sock');
    await execa('truncate', ['-s', '24M', arrayFile]);
    let array = await harness.startNbdkit(arrayFile, arraySocket);
    const legs = [harness.path('a.img'), nbdUri(arraySocket)];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '16M']);
    const control = harness.path('control.sock');
    const exportUri = nbdUri(harness.path('mirror.sock'));
    const tuning = ['--node', 'n1', '--io-timeout', '2000', '--reconnect-interval', '300'];
    let engine = await harness.startEngine(legs, harness.path('mirror.sock'), control, tuning);
    await waitInSync(control);
    const working = await harness.tandem(['mirror', 'replace', '--control', control, '--leg', '1'], { reject: false });
    assert.equal(working.exitCode, 107, working.stderr);
    assert.match(working.stderr, /leg 1 is in-sync: only a failed leg is replaced/);

    // Array B dies while the volume serves; its replacement answers at the same address, empty.
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x81 0 8M', exportUri]);
    await harness.kill(array);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x82 8M 8M', exportUri]);
    assert.equal((await status(control)).legs[1]!.state, 'failed');
    await rm(arraySocket, { force: true });
    await rm(arrayFile);
    await execa('truncate', ['-s', '24M', arrayFile]);
    array = await harness.startNbdkit(arrayFile, arraySocket);
    // The engine's own reconnection does not take an empty device: it is not this volume's leg.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const kept = (await status(control)).legs[1]!;
    assert.equal(kept.state, 'failed', 'an empty device is not taken in unasked');
    assert.match(kept.failure ?? '', /no valid tandem mirror metadata .*; if it is a new array in place of the failed one: tandem mirror replace --control SOCKET --leg 1/, 'status says what to do');

    // The copy held back (64 KiB/s), so that the engine dies in the middle of it.
    await harness.tandem(['mirror', 'tune', '--control', control, '--resync-rate', '64K']);
    const replaced = await harness.tandem(['--output', 'json', 'mirror', 'replace', '--control', control, '--leg', '1']);
    assert.equal((JSON.parse(replaced.stdout) as { legs: { state: string }[] }).legs[1]!.state, 'resyncing', 'taken in at once');
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x83 4M 1M', exportUri]); // written during the copy

    // kill -9 during the copy: the restarted engine copies the whole volume again, as both legs recorded.
    await harness.kill(engine);
    engine = await harness.startEngine(legs, harness.path('mirror.sock'), control, tuning);
    await waitInSync(control);
    const copied = (await status(control)).finishedResyncs.filter((entry) => entry.outcome === 'done').at(-1);
    assert.equal(copied?.bytes, SIZE, 'after the crash, the whole volume was copied onto the replacement');
    assert.ok((await readHead(legs[0]!, SIZE)).equals(await readHead(arrayFile, SIZE)), 'both legs hold the same data');
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x81 0 4M', '-c', 'read -P 0x83 4M 1M', '-c', 'read -P 0x81 5M 3M', '-c', 'read -P 0x82 8M 8M', exportUri]);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);
  } finally {
    await harness.cleanup();
  }
});
