import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { withTempDir } from '../../../test/support/temp-dir.js';
import { adoptAcceptedSocket, SocketClosedError, SocketReader } from './socket-reader.js';

interface Pair { server: Server; reader: SocketReader; accepted: Socket; client: Socket }

/** A unix-socket connection whose accepted end reads through a SocketReader, as the NBD server's do. */
async function withPair(run: (pair: Pair) => Promise<void>): Promise<void> {
  await withTempDir('tdm-socket-reader-', async (dir) => {
    const path = join(dir, 'reader.sock');
    const reader = new SocketReader();
    let resolveAccepted: (socket: Socket) => void = () => undefined;
    const acceptedSocket = new Promise<Socket>((resolve) => { resolveAccepted = resolve; });
    const server = createServer({ pauseOnConnect: true }, (raw) => resolveAccepted(adoptAcceptedSocket(raw, reader)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = connect(path);
    const accepted = await acceptedSocket;
    try {
      await run({ server, reader, accepted, client });
    } finally {
      client.destroy();
      accepted.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('headers and payloads of every size come through intact, however the sender cuts them', async () => {
  await withPair(async ({ reader, client }) => {
    const sizes = [0, 1, 28, 4096, 65_536, 65_537, 1 << 20, 3 << 20, 512, 5 << 20, 7];
    const payloads = sizes.map((size) => randomBytes(size));
    const stream = Buffer.concat(payloads.flatMap((payload) => { const header = Buffer.alloc(4); header.writeUInt32BE(payload.length); return [header, payload]; }));
    const sending = (async () => {
      // Pieces of random sizes with pauses, so reads end mid-header and mid-payload.
      let at = 0;
      while (at < stream.length) {
        const piece = Math.min(stream.length - at, 1 + Math.floor(Math.random() * 300_000));
        client.write(stream.subarray(at, at + piece));
        at += piece;
        if (Math.random() < 0.3) await pause(1);
      }
    })();
    for (const [index, expected] of payloads.entries()) {
      const header = reader.tryRead(4) ?? await reader.read(4);
      assert.equal(header.readUInt32BE(0), expected.length, `header ${index}`);
      const payload = Buffer.alloc(expected.length);
      await reader.readInto(payload);
      assert.ok(payload.equals(expected), `payload ${index} (${expected.length} bytes)`);
    }
    await sending;
  });
});

test('a reader that stops reading stops the socket: received data stays bounded, and all of it arrives once reading resumes', async () => {
  await withPair(async ({ reader, client }) => {
    const data = randomBytes(16 << 20);
    let flushed = false;
    client.write(data, () => { flushed = true; });
    await pause(300);
    assert.ok(reader.bufferedBytes <= 2 << 20, `${reader.bufferedBytes} bytes buffered while nobody read`);
    assert.equal(flushed, false, 'the sender could not finish: the reader pushed back');
    const back = Buffer.alloc(data.length);
    await reader.readInto(back);
    assert.ok(back.equals(data));
  });
});

test('a read still waiting when the peer closes fails with SocketClosedError; so does a second read at once', async () => {
  await withPair(async ({ reader, client }) => {
    client.write(Buffer.alloc(10, 7));
    const target = Buffer.alloc(100);
    const filling = reader.readInto(target);
    assert.ok(filling, 'not complete at once');
    await assert.rejects(reader.read(1), /concurrent read/);
    client.end();
    await assert.rejects(filling, SocketClosedError);
    assert.equal(target.subarray(0, 10).toString('hex'), Buffer.alloc(10, 7).toString('hex'));
    await assert.rejects(reader.read(1), SocketClosedError);
  });
});

test('an adopted connection counts as closed for its server once destroyed', async () => {
  await withPair(async ({ server, accepted }) => {
    accepted.destroy();
    await pause(20);
    const connections = await new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    assert.equal(connections, 0);
  });
});
