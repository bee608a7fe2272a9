import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReliableInbox, ReliableOutbox } from './reliable-stream.js';
import { encodeFrame, FrameReader, sessionKey } from './message-frames.js';
import { randomBytes } from 'node:crypto';

test('a reconnect resends what was not acknowledged; the receiver delivers each message once, in order', () => {
  const outbox = new ReliableOutbox<string>();
  const inbox = new ReliableInbox();
  const delivered: number[] = [];
  for (const payload of ['a', 'b', 'c', 'd']) outbox.enqueue(payload);
  // first connection: receiver knows nothing, gets 1..3, acks only 1 (the ack of 2..3 was lost with the link)
  const known = inbox.hello(100);
  assert.equal(known, null);
  inbox.start(outbox.firstPending());
  for (const message of outbox.resumeAfter(known).slice(0, 3)) if (inbox.accept(message.sequence) === 'deliver') delivered.push(message.sequence);
  outbox.acknowledge(1);
  // second connection: the receiver says it delivered 3; only 4 is resent
  const resend = outbox.resumeAfter(inbox.hello(100));
  assert.deepEqual(resend.map((message) => message.sequence), [4]);
  for (const message of resend) if (inbox.accept(message.sequence) === 'deliver') delivered.push(message.sequence);
  assert.deepEqual(delivered, [1, 2, 3, 4]);
  assert.equal(inbox.accept(2), 'duplicate');
  assert.equal(inbox.accept(9), 'gap');
});

test('a restarted sender (new incarnation) starts over at the receiver', () => {
  const inbox = new ReliableInbox();
  inbox.hello(1);
  inbox.start(1);
  assert.equal(inbox.accept(1), 'deliver');
  assert.equal(inbox.hello(2), null);
  inbox.start(1);
  assert.equal(inbox.accept(1), 'deliver');
});

test('frames are authenticated; the key can change between frames', () => {
  const key = randomBytes(32);
  const session = sessionKey(key, 'c', 's');
  const reader = new FrameReader(key);
  reader.append(Buffer.concat([encodeFrame({ t: 'start', echo: 's', first: 1 }, key), encodeFrame({ t: 'ack', seq: 5 }, session)]));
  assert.deepEqual(reader.next(), { t: 'start', echo: 's', first: 1 });
  reader.key = session;
  assert.deepEqual(reader.next(), { t: 'ack', seq: 5 });
  assert.equal(reader.next(), undefined);
  const forged = new FrameReader(key);
  forged.append(encodeFrame({ t: 'ack', seq: 1 }, randomBytes(32)));
  assert.equal(forged.next(), 'bad');
  const huge = Buffer.alloc(8);
  huge.writeUInt32BE(0xffffffff);
  const oversized = new FrameReader(key);
  oversized.append(huge);
  assert.equal(oversized.next(), 'bad');
});
