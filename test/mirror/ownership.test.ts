/**
 * Ownership and split brain with the real CLI: a claim left by a node that
 * did not stop is refused to another node unless forced; legs written each
 * without the other are refused until `tandem mirror resolve --keep LEG`,
 * after which the kept leg's data wins on both legs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { createServer } from 'node:net';
import { execa } from 'execa';
import { parseLegSpec } from '../../src/mirror/block-device.js';
import { releaseClaim } from '../../src/mirror/lifecycle.js';
import { Harness, nbdUri, readHead, status, waitFor } from './helpers.js';

const SIZE = 8 * 1024 * 1024;

test('a claim by another node is refused unless forced, and released on stop', async () => {
  const harness = await Harness.create('claim');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '8M']);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    const first = await harness.startEngine(legs, exportSock, control, ['--node', 'node-one']);
    await harness.kill(first, 'SIGKILL');
    const refused = await harness.tandem(['mirror', 'serve', ...legs, '--socket', exportSock, '--node', 'node-two'], { reject: false });
    assert.equal(refused.exitCode, 107);
    assert.match(refused.stderr, /claimed by node 'node-one'/);
    const offline = JSON.parse((await harness.tandem(['mirror', 'status', ...legs, '-o', 'json'])).stdout) as { owner: { node: string; epoch: number } }[];
    assert.equal(offline[0]!.owner.node, 'node-one');
    const forced = await harness.startEngine(legs, exportSock, control, ['--node', 'node-two', '--force']);
    const claimed = await status(control);
    assert.equal(claimed.owner.node, 'node-two');
    assert.equal(claimed.owner.epoch, offline[0]!.owner.epoch + 1);
    forced.kill('SIGTERM');
    await waitFor(() => forced.exitCode !== null, 20_000, 'orderly stop');
    const released = JSON.parse((await harness.tandem(['mirror', 'status', ...legs, '-o', 'json'])).stdout) as { owner: { node: string }; clean: boolean }[];
    for (const leg of released) {
      assert.equal(leg.owner.node, '');
      assert.equal(leg.clean, true);
    }
  } finally {
    await harness.cleanup();
  }
});

test('mirror release frees only the named node\'s claim, keeps the legs dirty, and refuses when no leg is reachable', async () => {
  const harness = await Harness.create('release');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '8M']);
    const engine = await harness.startEngine(legs, harness.path('mirror.sock'), harness.path('control.sock'), ['--node', 'node-one']);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x21 0 1M', nbdUri(harness.path('mirror.sock'))]);
    await harness.kill(engine, 'SIGKILL');
    const offline = async (): Promise<{ owner: { node: string; epoch: number }; clean: boolean; dirtyChunks: number }[]> => JSON.parse((await harness.tandem(['mirror', 'status', ...legs, '-o', 'json'])).stdout) as never;
    const before = await offline();

    const other = await harness.tandem(['mirror', 'release', ...legs, '--node', 'node-two', '-o', 'json']);
    assert.deepEqual((JSON.parse(other.stdout) as { outcome: string }[]).map((entry) => entry.outcome), ['not-held', 'not-held']);
    assert.deepEqual(await offline(), before, 'another node\'s release changes nothing');
    const noNode = await harness.tandem(['mirror', 'release', ...legs], { reject: false });
    assert.notEqual(noNode.exitCode, 0);
    assert.match(noNode.stderr, /--node/);

    const released = await harness.tandem(['mirror', 'release', ...legs, '--node', 'node-one']);
    assert.match(released.stdout, /leg 0: released node-one's claim/);
    const after = await offline();
    for (const [index, leg] of after.entries()) {
      assert.equal(leg.owner.node, '');
      assert.equal(leg.owner.epoch, before[index]!.owner.epoch, 'the epoch stays: the next claim counts on from it');
      assert.equal(leg.clean, false, 'still dirty: the next serve resyncs what the killed engine left');
      assert.equal(leg.dirtyChunks, before[index]!.dirtyChunks);
    }
    const unreachable = await harness.tandem(['mirror', 'release', harness.path('gone-a.img'), harness.path('gone-b.img'), '--node', 'node-one'], { reject: false });
    assert.equal(unreachable.exitCode, 107);
    assert.match(unreachable.stderr, /no leg could be read or written \(leg 0: .*gone-a\.img.*\): node-one's claim stays on them/);
  } finally {
    await harness.cleanup();
  }
});

test('release does not wait on a leg that never answers: that leg is reported failed after the timeout, the other released', async () => {
  const harness = await Harness.create('release-hang');
  const silent = createServer(() => undefined);
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '8M']);
    const engine = await harness.startEngine(legs, harness.path('mirror.sock'), harness.path('control.sock'), ['--node', 'node-one']);
    await harness.kill(engine, 'SIGKILL');
    // Leg 1 is now an array that accepts the connection and never says a word.
    const silentSocket = harness.path('silent.sock');
    await new Promise<void>((resolve) => silent.listen(silentSocket, resolve));
    const started = performance.now();
    // The leg's whole deadline (300 ms) before its open deadline (5 s): the leg's handshake may still hang.
    const outcomes = await releaseClaim([parseLegSpec(legs[0]!), parseLegSpec(nbdUri(silentSocket))], 'node-one', 300, 5000);
    assert.ok(performance.now() - started < 3000, 'answered after the timeout, not the open timeout');
    assert.deepEqual(outcomes.map((entry) => [entry.outcome, entry.timedOut ?? false]), [['released', false], ['failed', true]]);
    // The open deadline first (by default it is at most the whole deadline): the handshake is given up, nothing hangs.
    const again = await releaseClaim([parseLegSpec(legs[0]!), parseLegSpec(nbdUri(silentSocket))], 'node-one', 300);
    assert.deepEqual(again.map((entry) => entry.outcome), ['not-held', 'failed']);
    assert.match(again[1]!.detail ?? '', /300 ms/);
  } finally {
    silent.close();
    await harness.cleanup();
  }
});

test('split brain is detected and refused; resolve --keep 0 makes leg 0 win', async () => {
  const harness = await Harness.create('split');
  try {
    const [legA, legB] = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', legA, legB, '--size', '8M']);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    const serveAlone = async (pattern: number): Promise<void> => {
      const engine = await harness.startEngine([legA, legB], exportSock, control);
      assert.equal((await status(control)).degraded, true);
      await execa('qemu-io', ['-f', 'raw', '-c', `write -P ${pattern} 0 1M`, nbdUri(exportSock)]);
      engine.kill('SIGTERM');
      await waitFor(() => engine.exitCode !== null, 20_000, 'orderly stop');
    };
    // Leg 0 alone (leg 1 unplugged), then leg 1 alone (leg 0 unplugged).
    await rename(legB, `${legB}.away`);
    await serveAlone(0x11);
    await rename(legB + '.away', legB);
    await rename(legA, `${legA}.away`);
    await serveAlone(0x22);
    await rename(legA + '.away', legA);

    const refused = await harness.tandem(['mirror', 'serve', legA, legB, '--socket', exportSock], { reject: false });
    assert.equal(refused.exitCode, 107);
    assert.match(refused.stderr, /split brain/);
    const resolved = await harness.tandem(['mirror', 'resolve', legA, legB, '--keep', '0']);
    assert.match(resolved.stdout, /kept leg 0/);
    await harness.startEngine([legA, legB], exportSock, control);
    await waitFor(async () => (await status(control)).inSync, 30_000, 'resync after resolve');
    const check = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x11 0 1M', nbdUri(exportSock)]);
    assert.doesNotMatch(check.stdout, /Pattern verification failed/);
    assert.ok((await readHead(legA, SIZE)).equals(await readHead(legB, SIZE)));
  } finally {
    await harness.cleanup();
  }
});
