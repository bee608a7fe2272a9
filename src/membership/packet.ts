/**
 * The heartbeat packet: compact big-endian binary, authenticated with
 * HMAC-SHA256 under the cluster key. Decoding never throws: a bad packet
 * comes back as a reason, which the receiver counts.
 *
 * Layout (offsets in bytes):
 *   0  magic 'TH' (2)        2 version (1)        3 link index (1)
 *   4  cluster id (4)        8 node id (2)       10 member count n (1)
 *  11  flags (1)            12 incarnation (8)   20 sequence (4)
 *  24  send time ms (8)     32 view id (4)       36 member digest (8)
 *  44  n × member node id (2)
 *  44+2n  HMAC-SHA256 over everything before it (32)
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const packetVersion = 1;
const magic = 0x5448; // 'TH'
const headerBytes = 44;
const macBytes = 32;
/** Larger datagrams are dropped unread. */
export const maxPacketBytes = 1024;

export interface Heartbeat {
  clusterId: number;
  nodeId: number;
  linkIndex: number;
  /** Boot generation of the sender: its start time in ms, rises on every restart. */
  incarnation: number;
  sequence: number;
  sendTimeMs: number;
  viewId: number;
  /** 8-byte digest of the sender's member list (see memberDigest). */
  digest: Buffer;
  /** Node ids in the sender's current view. */
  members: number[];
}

export type DropReason = 'truncated' | 'oversized' | 'garbage' | 'version' | 'otherCluster' | 'badMac' | 'unknownNode' | 'replay';

export type DecodeResult = { ok: true; heartbeat: Heartbeat } | { ok: false; reason: DropReason };

/**
 * The digest of a member list: node id and incarnation of each, sorted, so two
 * members that agree on who is in the view (and which boot of them) agree on it.
 */
export function memberDigest(members: ReadonlyArray<{ id: number; incarnation: number }>): Buffer {
  const text = [...members].sort((a, b) => a.id - b.id).map((member) => `${member.id}:${member.incarnation}`).join(',');
  return createHash('sha256').update(text).digest().subarray(0, 8);
}

/** Encodes and signs a heartbeat. Member lists longer than 255 are cut. */
export function encodeHeartbeat(heartbeat: Heartbeat, key: Buffer): Buffer {
  const members = heartbeat.members.slice(0, 255);
  const body = Buffer.alloc(headerBytes + members.length * 2);
  body.writeUInt16BE(magic, 0);
  body.writeUInt8(packetVersion, 2);
  body.writeUInt8(heartbeat.linkIndex, 3);
  body.writeUInt32BE(heartbeat.clusterId >>> 0, 4);
  body.writeUInt16BE(heartbeat.nodeId, 8);
  body.writeUInt8(members.length, 10);
  body.writeUInt8(0, 11);
  body.writeBigUInt64BE(BigInt(Math.floor(heartbeat.incarnation)), 12);
  body.writeUInt32BE(heartbeat.sequence >>> 0, 20);
  body.writeBigUInt64BE(BigInt(Math.floor(heartbeat.sendTimeMs)), 24);
  body.writeUInt32BE(heartbeat.viewId >>> 0, 32);
  heartbeat.digest.copy(body, 36, 0, 8);
  members.forEach((id, index) => body.writeUInt16BE(id, headerBytes + index * 2));
  const mac = createHmac('sha256', key).update(body).digest();
  return Buffer.concat([body, mac]);
}

/**
 * Decodes and authenticates a datagram. The cluster id is checked before the
 * MAC so that a neighbouring cluster's traffic is counted as such.
 */
export function decodeHeartbeat(packet: Buffer, key: Buffer, clusterId: number): DecodeResult {
  if (packet.length > maxPacketBytes) return { ok: false, reason: 'oversized' };
  if (packet.length < headerBytes + macBytes) return { ok: false, reason: packet.length >= 2 && packet.readUInt16BE(0) === magic ? 'truncated' : 'garbage' };
  if (packet.readUInt16BE(0) !== magic) return { ok: false, reason: 'garbage' };
  if (packet.readUInt8(2) !== packetVersion) return { ok: false, reason: 'version' };
  const memberCount = packet.readUInt8(10);
  const bodyBytes = headerBytes + memberCount * 2;
  if (packet.length < bodyBytes + macBytes) return { ok: false, reason: 'truncated' };
  if (packet.length > bodyBytes + macBytes) return { ok: false, reason: 'garbage' };
  if (packet.readUInt32BE(4) !== clusterId >>> 0) return { ok: false, reason: 'otherCluster' };
  const body = packet.subarray(0, bodyBytes);
  const expected = createHmac('sha256', key).update(body).digest();
  if (!timingSafeEqual(expected, packet.subarray(bodyBytes))) return { ok: false, reason: 'badMac' };
  const members: number[] = [];
  for (let index = 0; index < memberCount; index++) members.push(packet.readUInt16BE(headerBytes + index * 2));
  return {
    ok: true,
    heartbeat: {
      clusterId: packet.readUInt32BE(4),
      linkIndex: packet.readUInt8(3),
      nodeId: packet.readUInt16BE(8),
      incarnation: Number(packet.readBigUInt64BE(12)),
      sequence: packet.readUInt32BE(20),
      sendTimeMs: Number(packet.readBigUInt64BE(24)),
      viewId: packet.readUInt32BE(32),
      digest: Buffer.from(packet.subarray(36, 44)),
      members,
    },
  };
}
