import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as P from './protocol.js';

test('request header round-trips and a bad magic is a protocol error', () => {
  const request = { flags: P.CmdFlag.fua, type: P.Cmd.write, handle: 0x1122334455667788n, offset: 1n << 40n, length: 4096 };
  assert.deepEqual(P.decodeRequest(P.encodeRequest(request)), request);
  const bad = P.encodeRequest(request);
  bad[0] = 0;
  assert.throws(() => P.decodeRequest(bad), P.NbdProtocolError);
});

test('option payloads are bounds-checked', () => {
  assert.deepEqual(P.decodeInfoRequest(P.encodeInfoRequest('disk', [P.Info.blockSize])), { exportName: 'disk', infoTypes: [3] });
  assert.throws(() => P.decodeInfoRequest(Buffer.from([0, 0, 0, 9, 1])), /too short/);
  assert.throws(() => P.decodeInfoRequest(Buffer.concat([P.encodeInfoRequest(''), Buffer.from([1])])), /trailing/);
  const header = P.encodeOption(P.Opt.go, Buffer.alloc(0));
  header.writeUInt32BE(P.MAX_OPTION_BYTES + 1, 12);
  assert.throws(() => P.decodeOptionHeader(header), /too large/);
});

test('meta context queries decode; structured chunks carry the spec magic', () => {
  const names = ['base:allocation', 'qemu:dirty-bitmap:x'];
  const parts = [Buffer.from([0, 0, 0, 0]), Buffer.from([0, 0, 0, 2])];
  for (const name of names) { const length = Buffer.alloc(4); length.writeUInt32BE(name.length); parts.push(length, Buffer.from(name)); }
  assert.deepEqual(P.decodeMetaContextRequest(Buffer.concat(parts)), { exportName: '', queries: names });
  const chunk = P.encodeBlockStatusChunk(5n, 1, [{ lengthBytes: 4096, flags: 3 }]);
  assert.equal(chunk.readUInt32BE(0), 0x668e33ef);
  assert.equal(chunk.readUInt16BE(6), P.ReplyType.blockStatus);
  assert.equal(chunk.readUInt32BE(16), 12);
});
