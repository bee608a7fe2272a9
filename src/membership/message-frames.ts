/**
 * Frames of the messaging TCP stream: u32 length, JSON body, HMAC-SHA256 of
 * the body (under the cluster key during the handshake, under the session key
 * after it). A frame that fails its MAC or is too large ends the connection.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Longest accepted frame body. */
export const maxFrameBytes = 16 << 20;
const macBytes = 32;

export type Frame =
  | { t: 'hello'; cluster: number; from: number; to: number; incarnation: number; nonce: string }
  | { t: 'welcome'; from: number; incarnation: number; nonce: string; echo: string; delivered: number | null }
  | { t: 'start'; echo: string; first: number }
  | { t: 'msg'; seq: number; view: number; payload: unknown }
  | { t: 'ack'; seq: number };

export function encodeFrame(frame: Frame, key: Buffer): Buffer {
  const body = Buffer.from(JSON.stringify(frame), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body, createHmac('sha256', key).update(body).digest()]);
}

/** Splits a byte stream into authenticated frames; the key may change between frames. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(public key: Buffer) {}

  append(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
  }

  /**
   * The next complete frame, undefined when more bytes are needed, or 'bad'
   * on a MAC failure, an oversized length or unparsable JSON (the caller
   * drops the connection).
   */
  next(): Frame | 'bad' | undefined {
    if (this.buffered.length < 4) return undefined;
    const length = this.buffered.readUInt32BE(0);
    if (length > maxFrameBytes) return 'bad';
    if (this.buffered.length < 4 + length + macBytes) return undefined;
    const body = this.buffered.subarray(4, 4 + length);
    const mac = this.buffered.subarray(4 + length, 4 + length + macBytes);
    this.buffered = this.buffered.subarray(4 + length + macBytes);
    if (!timingSafeEqual(createHmac('sha256', this.key).update(body).digest(), mac)) return 'bad';
    try {
      const frame = JSON.parse(body.toString('utf8')) as Frame;
      return typeof frame === 'object' && frame !== null && typeof frame.t === 'string' ? frame : 'bad';
    } catch {
      return 'bad';
    }
  }
}

/** The session key both ends derive from the cluster key and both nonces. */
export function sessionKey(clusterKey: Buffer, clientNonce: string, serverNonce: string): Buffer {
  return createHmac('sha256', clusterKey).update(`session:${clientNonce}:${serverNonce}`).digest();
}
