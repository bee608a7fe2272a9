/**
 * Metadata survives a torn update: with the newest header copy destroyed,
 * the leg is read from the other copy and the volume serves. Legs can also
 * be NBD exports over TCP (nbdkit --port on loopback).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { FileBlockDevice } from '../../src/mirror/file-device.js';
import { decodeHeader, HEADER_BYTES } from '../../src/mirror/superblock.js';
import { Harness, nbdUri, readHead, status, waitFor } from './helpers.js';

async function headerSequences(path: string): Promise<(number | undefined)[]> {
  const device = await FileBlockDevice.open(path);
  try {
    const headers = await device.read(device.sizeBytes - 2 * HEADER_BYTES, 2 * HEADER_BYTES);
    return [0, 1].map((slot) => decodeHeader(headers.subarray(slot * HEADER_BYTES, (slot + 1) * HEADER_BYTES))?.sequence);
  } finally {
    await device.close();
  }
}

test('a torn newest metadata copy falls back to the other copy', async () => {
  const harness = await Harness.create('torn');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '8M']);
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    const engine = await harness.startEngine(legs, exportSock, control);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5e 0 1M', nbdUri(exportSock)]);
    engine.kill('SIGTERM');
    await waitFor(() => engine.exitCode !== null, 20_000, 'orderly stop');

    const sequences = await headerSequences(legs[0]!);
    assert.ok(sequences.every((sequence) => sequence !== undefined), 'both copies written');
    const newest = sequences[0]! > sequences[1]! ? 0 : 1;
    const handle = await open(legs[0]!, 'r+');
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(512, 0xff), 0, 512, size - 2 * HEADER_BYTES + newest * HEADER_BYTES + 100);
    await handle.close();
    assert.equal((await headerSequences(legs[0]!))[newest], undefined, 'the newest copy is now invalid');

    const offline = JSON.parse((await harness.tandem(['mirror', 'status', ...legs, '-o', 'json'])).stdout) as { volumeUuid?: string; error?: string }[];
    assert.equal(offline[0]!.error, undefined);
    assert.equal(offline[0]!.volumeUuid, offline[1]!.volumeUuid);
    await harness.startEngine(legs, exportSock, control);
    const check = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x5e 0 1M', nbdUri(exportSock)]);
    assert.doesNotMatch(check.stdout, /Pattern verification failed/);
    assert.equal((await status(control)).legs[0]!.state, 'in-sync');
  } finally {
    await harness.cleanup();
  }
});

test('legs served over TCP by nbdkit', async () => {
  const harness = await Harness.create('tcplegs');
  try {
    const files = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...files, '--size', '8M']);
    const ports = [30000 + (process.pid % 10000), 40000 + (process.pid % 10000)];
    for (const [index, file] of files.entries()) {
      harness.spawn('nbdkit', ['-f', '-i', '127.0.0.1', '-p', String(ports[index]), 'file', file!]);
    }
    const legs = ports.map((port) => `nbd://127.0.0.1:${port}`);
    await waitFor(async () => (await execa('nbdinfo', ['--size', legs[1]!], { reject: false })).exitCode === 0, 10_000, 'nbdkit on TCP');
    await waitFor(async () => (await execa('nbdinfo', ['--size', legs[0]!], { reject: false })).exitCode === 0, 10_000, 'nbdkit on TCP');
    const exportSock = harness.path('mirror.sock');
    const control = harness.path('control.sock');
    await harness.startEngine(legs, exportSock, control);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x2b 512k 3M', '-c', 'read -P 0x2b 512k 3M', nbdUri(exportSock)]);
    assert.equal((await status(control)).inSync, true);
    assert.ok((await readHead(files[0]!, 8 * 1024 * 1024)).equals(await readHead(files[1]!, 8 * 1024 * 1024)));
    assert.equal((await readHead(files[1]!, 1024 * 1024))[600 * 1024], 0x2b);
  } finally {
    await harness.cleanup();
  }
});
