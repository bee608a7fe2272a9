import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyWriter } from './reply-writer.js';

/** A connected pair of unix sockets: what the writer writes to, and everything the peer received. */
async function socketPair(): Promise<{ writer: Socket; received: () => Buffer; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tdm-reply-writer-'));
  const path = join(dir, 'sock');
  const chunks: Buffer[] = [];
  let peer: Socket | undefined;
  const server = createServer((socket) => { peer = socket; socket.on('data', (data: Buffer) => chunks.push(data)); });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const writer = createConnection(path);
  await new Promise<void>((resolve) => writer.once('connect', resolve));
  return {
    writer,
    received: () => Buffer.concat(chunks),
    close: async () => {
      writer.destroy();
      peer?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

/** Runs `body` with a ReplyWriter on a fresh socket pair, closed afterwards. */
async function withWriter(body: (replies: ReplyWriter, pair: Awaited<ReturnType<typeof socketPair>>) => Promise<void>): Promise<void> {
  const pair = await socketPair();
  try {
    await body(new ReplyWriter(pair.writer), pair);
  } finally {
    await pair.close();
  }
}

test('gathered replies leave in order: small parts in ordinary memory copied, shared-memory and large ones by reference', () => withWriter(async (replies, pair) => {
  const large = Buffer.alloc(200 * 1024, 7);
  const sent: string[] = [];
  replies.send(Buffer.from('H1'), Buffer.from('small-1'), (error) => sent.push(`small-1 ${String(error ?? 'ok')}`), true);
  replies.send(Buffer.from('H2'), large, (error) => sent.push(`large ${String(error ?? 'ok')}`), true);
  replies.send(Buffer.from('H3'), undefined, undefined, true);
  const shared = Buffer.from(new SharedArrayBuffer(16), 4, 8).fill(0x41);
  replies.send(Buffer.from('H5'), shared, (error) => sent.push(`shared ${String(error ?? 'ok')}`), true);
  // A reply that needs no gathering still waits behind the batch already queued.
  replies.send(Buffer.from('H4'), Buffer.from('small-4'), (error) => sent.push(`small-4 ${String(error ?? 'ok')}`), false);
  assert.deepEqual(sent, [], 'nothing leaves before the check phase');
  await settle();
  const expected = Buffer.concat([Buffer.from('H1small-1H2'), large, Buffer.from('H3H5AAAAAAAAH4small-4')]);
  assert.ok(pair.received().equals(expected), 'bytes arrive in the order the replies were sent');
  assert.deepEqual(sent.sort(), ['large ok', 'shared ok', 'small-1 ok', 'small-4 ok']);
}));

test('a lone reply leaves at once; flushNow empties a gathered batch before the socket is ended', () => withWriter(async (replies, pair) => {
  replies.send(Buffer.from('A'), Buffer.from('aa'));
  replies.send(Buffer.from('B'), undefined, undefined, true);
  replies.flushNow();
  pair.writer.end();
  await settle();
  assert.equal(pair.received().toString(), 'AaaB');
}));

test('replies gathered for a connection that closed report the failure to their senders', () => withWriter(async (replies, pair) => {
  const outcomes: string[] = [];
  replies.send(Buffer.from('H'), Buffer.from('data'), (error) => outcomes.push(error ? 'failed' : 'sent'), true);
  pair.writer.destroy();
  await settle();
  assert.deepEqual(outcomes, ['failed']);
}));
