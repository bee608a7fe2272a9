import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeHeartbeat, encodeHeartbeat, memberDigest, type Heartbeat } from './packet.js';

const key = randomBytes(32);
const heartbeat: Heartbeat = {
  clusterId: 0xdeadbeef, nodeId: 7, linkIndex: 1, incarnation: 1764000000123, sequence: 42,
  sendTimeMs: 1764000000999, viewId: 9, digest: memberDigest([{ id: 7, incarnation: 1 }, { id: 2, incarnation: 5 }]), members: [2, 7],
};

test('encode then decode gives the heartbeat back', () => {
  const packet = encodeHeartbeat(heartbeat, key);
  assert.equal(packet.length, 44 + 4 + 32);
  assert.deepEqual(decodeHeartbeat(packet, key, 0xdeadbeef), { ok: true, heartbeat });
});

test('member digest ignores order and sees incarnations', () => {
  assert.ok(memberDigest([{ id: 1, incarnation: 1 }, { id: 2, incarnation: 1 }]).equals(memberDigest([{ id: 2, incarnation: 1 }, { id: 1, incarnation: 1 }])));
  assert.ok(!memberDigest([{ id: 1, incarnation: 1 }]).equals(memberDigest([{ id: 1, incarnation: 2 }])));
});

test('bad packets are classified, never thrown', () => {
  const packet = encodeHeartbeat(heartbeat, key);
  const reason = (bytes: Buffer, withKey = key, cluster = 0xdeadbeef): string => {
    const result = decodeHeartbeat(bytes, withKey, cluster);
    return result.ok ? 'ok' : result.reason;
  };
  assert.equal(reason(packet, randomBytes(32)), 'badMac');
  assert.equal(reason(packet, key, 1), 'otherCluster');
  assert.equal(reason(packet.subarray(0, 50)), 'truncated');
  assert.equal(reason(packet.subarray(0, packet.length - 1)), 'truncated');
  assert.equal(reason(Buffer.alloc(5000)), 'oversized');
  assert.equal(reason(Buffer.alloc(0)), 'garbage');
  const flipped = Buffer.from(packet);
  flipped[25] = (flipped[25] ?? 0) ^ 1;
  assert.equal(reason(flipped), 'badMac');
  for (let trial = 0; trial < 2000; trial++) {
    const result = reason(randomBytes(Math.floor(Math.random() * 200)));
    assert.notEqual(result, 'ok');
  }
});
