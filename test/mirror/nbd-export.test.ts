/**
 * The mirror's NBD export against independent clients: qemu-io pattern
 * checks (unix socket and TCP), nbdinfo (info, --list, --map), nbdcopy and
 * qemu-img compare against each leg; a client that sends garbage is
 * disconnected and the volume is not harmed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { execa } from 'execa';
import { Harness, compareExportWithLeg, nbdUri, readHead, status } from './helpers.js';

const SIZE = 32 * 1024 * 1024;
let harness: Harness;
let socketPath: string;
let controlPath: string;

before(async () => {
  harness = await Harness.create('export');
  await harness.tandem(['mirror', 'create', harness.path('a.img'), harness.path('b.img'), '--size', '32M']);
  socketPath = harness.path('nbd.sock');
  controlPath = harness.path('control.sock');
  await harness.startEngine([harness.path('a.img'), harness.path('b.img')], socketPath, controlPath);
});

after(async () => { await harness.cleanup(); });

test('qemu-io writes patterns (plain, FUA, zeroes, discard) and reads them back', async () => {
  const result = await execa('qemu-io', ['-f', 'raw',
    '-c', 'write -P 0xa5 0 1M', '-c', 'write -P 0x5a 1536k 8k', '-c', 'write -f -P 0x33 3M 4k',
    '-c', 'write -z 4M 2M', '-c', 'discard 8M 64k', '-c', 'flush',
    '-c', 'read -P 0xa5 0 1M', '-c', 'read -P 0x5a 1536k 8k', '-c', 'read -P 0x33 3M 4k', '-c', 'read -P 0 4M 2M',
    nbdUri(socketPath)]);
  assert.doesNotMatch(result.stdout + result.stderr, /Pattern verification failed|error/i);
  assert.equal((result.stdout.match(/^read /gm) ?? []).length, 4);
});

test('both legs hold every byte of the export (qemu-img compare, nbdcopy)', async () => {
  for (const leg of ['a.img', 'b.img']) {
    assert.match(await compareExportWithLeg(socketPath, harness.path(leg), SIZE), /Images are identical/);
  }
  await execa('nbdcopy', [nbdUri(socketPath), harness.path('copy.img')]);
  const copy = await readHead(harness.path('copy.img'), SIZE);
  assert.ok(copy.equals(await readHead(harness.path('a.img'), SIZE)));
  assert.equal(copy[0], 0xa5);
});

test('nbdinfo reports size, multi-conn, base:allocation and a map', async () => {
  const info = await execa('nbdinfo', ['--json', nbdUri(socketPath)]);
  const parsed = JSON.parse(info.stdout) as { exports: { 'export-size': number; can_multi_conn: boolean; can_fua: boolean; contexts: string[]; block_size_maximum: number }[] };
  const exported = parsed.exports[0]!;
  assert.equal(exported['export-size'], SIZE);
  assert.equal(exported.can_multi_conn, true);
  assert.equal(exported.can_fua, true);
  assert.ok(exported.contexts.includes('base:allocation'));
  assert.ok(exported.block_size_maximum >= 1024 * 1024);
  const map = await execa('nbdinfo', ['--map', nbdUri(socketPath)]);
  assert.match(map.stdout, new RegExp(`^\\s*0\\s+${SIZE}\\s+0\\s+data`, 'm'));
  const list = await execa('nbdinfo', ['--list', nbdUri(socketPath)]);
  assert.match(list.stdout, /export-size: 33554432/);
});

test('TCP export on loopback works with qemu-io and nbdinfo', async () => {
  await harness.tandem(['mirror', 'create', harness.path('c.img'), harness.path('d.img'), '--size', '8M']);
  const port = 20000 + (process.pid % 20000);
  await harness.startEngine([harness.path('c.img'), harness.path('d.img')], `127.0.0.1:${port}`, harness.path('control-tcp.sock'));
  const uri = `nbd://127.0.0.1:${port}`;
  const result = await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x77 64k 128k', '-c', 'read -P 0x77 64k 128k', uri]);
  assert.doesNotMatch(result.stdout + result.stderr, /Pattern verification failed/);
  const info = await execa('nbdinfo', ['--size', uri]);
  assert.equal(info.stdout.trim(), String(8 * 1024 * 1024));
});

/** Opens a raw socket, runs `talk`, and returns every byte the server sent until it closed. */
function rawSession(talk: (send: (bytes: Buffer) => void) => void): Promise<{ received: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve({ received: Buffer.concat(chunks), closedByServer: false }); }, 5000);
    socket.on('data', (data) => chunks.push(data));
    socket.on('error', reject);
    socket.on('close', () => { clearTimeout(timer); resolve({ received: Buffer.concat(chunks), closedByServer: true }); });
    socket.on('connect', () => talk((bytes) => socket.write(bytes)));
  });
}

function option(code: number, data = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(16);
  header.write('IHAVEOPT', 0, 'latin1');
  header.writeUInt32BE(code, 8);
  header.writeUInt32BE(data.length, 12);
  return Buffer.concat([header, data]);
}

test('an unknown option is answered with NBD_REP_ERR_UNSUP, then abort is acknowledged', async () => {
  const flags = Buffer.alloc(4);
  flags.writeUInt32BE(3, 0);
  const { received, closedByServer } = await rawSession((send) => send(Buffer.concat([flags, option(4242), option(2)])));
  assert.equal(closedByServer, true);
  // greeting (18) + reply to 4242 (20) + ack of abort (20)
  assert.equal(received.length, 58);
  assert.equal(received.readUInt32BE(18 + 8), 4242);
  assert.equal(received.readUInt32BE(18 + 12), 0x80000001);
  assert.equal(received.readUInt32BE(38 + 12), 1);
});

test('garbage clients are disconnected and the volume is not harmed', async () => {
  const before = await readHead(harness.path('a.img'), SIZE);
  const flags = Buffer.alloc(4);
  flags.writeUInt32BE(1, 0);
  // Garbage instead of an option.
  const first = await rawSession((send) => send(Buffer.concat([flags, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])));
  assert.equal(first.closedByServer, true);
  // A valid handshake, then a request with a bad magic that claims to be a write.
  const go = Buffer.alloc(6);
  const bogus = Buffer.alloc(28 + 4096, 0xee);
  bogus.writeUInt32BE(0xdeadbeef, 0);
  bogus.writeUInt16BE(1, 6);
  const second = await rawSession((send) => send(Buffer.concat([flags, option(7, go), bogus])));
  assert.equal(second.closedByServer, true);
  // Unknown client flags.
  const third = await rawSession((send) => send(Buffer.from([0xff, 0xff, 0xff, 0xff])));
  assert.equal(third.closedByServer, true);
  // Random bytes of every kind.
  const fourth = await rawSession((send) => send(Buffer.from(Array.from({ length: 4096 }, (_v, index) => (index * 7919) % 256))));
  assert.equal(fourth.closedByServer, true);
  const volume = await status(controlPath);
  assert.equal(volume.inSync, true);
  assert.ok((await readHead(harness.path('a.img'), SIZE)).equals(before));
  const check = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0xa5 0 1M', nbdUri(socketPath)]);
  assert.doesNotMatch(check.stdout, /Pattern verification failed/);
});
