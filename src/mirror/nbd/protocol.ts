/**
 * The NBD wire protocol (fixed newstyle), as pure encoders and decoders.
 * Numbers follow proto.md of the NetworkBlockDevice/nbd repository. No
 * sockets here: the server and client at the edge feed bytes in and out.
 */

export const NBD_MAGIC = 0x4e42444d41474943n; // "NBDMAGIC"
export const IHAVEOPT = 0x49484156454f5054n; // "IHAVEOPT"
export const OPTION_REPLY_MAGIC = 0x3e889045565a9n;
export const REQUEST_MAGIC = 0x25609513;
export const SIMPLE_REPLY_MAGIC = 0x67446698;
export const STRUCTURED_REPLY_MAGIC = 0x668e33ef;

export const HandshakeFlag = { fixedNewstyle: 1, noZeroes: 2 } as const;
export const ClientFlag = { fixedNewstyle: 1, noZeroes: 2 } as const;

export const Opt = {
  exportName: 1,
  abort: 2,
  list: 3,
  startTls: 5,
  info: 6,
  go: 7,
  structuredReply: 8,
  listMetaContext: 9,
  setMetaContext: 10,
} as const;

export const Rep = {
  ack: 1,
  server: 2,
  info: 3,
  metaContext: 4,
  errUnsup: 0x80000001,
  errPolicy: 0x80000002,
  errInvalid: 0x80000003,
  errPlatform: 0x80000004,
  errTlsReqd: 0x80000005,
  errUnknown: 0x80000006,
  errShutdown: 0x80000007,
  errBlockSizeReqd: 0x80000008,
  errTooBig: 0x80000009,
} as const;

export const Info = { export: 0, name: 1, description: 2, blockSize: 3 } as const;

export const TransmissionFlag = {
  hasFlags: 1,
  readOnly: 2,
  sendFlush: 4,
  sendFua: 8,
  rotational: 16,
  sendTrim: 32,
  sendWriteZeroes: 64,
  sendDf: 128,
  canMultiConn: 256,
} as const;

export const Cmd = { read: 0, write: 1, disc: 2, flush: 3, trim: 4, cache: 5, writeZeroes: 6, blockStatus: 7 } as const;
export const CmdFlag = { fua: 1, noHole: 2, df: 4, reqOne: 8, fastZero: 16 } as const;

export const ReplyType = { none: 0, offsetData: 1, offsetHole: 2, blockStatus: 5, error: 0x8001, errorOffset: 0x8002 } as const;
export const ReplyFlag = { done: 1 } as const;

/** errno values carried in NBD replies. */
export const NbdErrno = { eperm: 1, eio: 5, enomem: 12, einval: 22, enospc: 28, eoverflow: 75, enotsup: 95, eshutdown: 108 } as const;

/** The one metadata context we serve. */
export const BASE_ALLOCATION = 'base:allocation';

/** Largest request payload we accept (reads and writes), as advertised in INFO_BLOCK_SIZE. */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
/** Largest option payload we accept before calling the client hostile. */
export const MAX_OPTION_BYTES = 64 * 1024;

export const REQUEST_HEADER_BYTES = 28;
export const OPTION_HEADER_BYTES = 16;

/** Raised when a peer violates the protocol; the connection must be dropped. */
export class NbdProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NbdProtocolError';
  }
}

/** The server's first 18 bytes. */
export function encodeServerGreeting(flags: number): Buffer {
  const out = Buffer.alloc(18);
  out.writeBigUInt64BE(NBD_MAGIC, 0);
  out.writeBigUInt64BE(IHAVEOPT, 8);
  out.writeUInt16BE(flags, 16);
  return out;
}

export interface OptionHeader { option: number; length: number }

/** Decodes a client's option header. @throws NbdProtocolError on a bad magic or an oversized payload. */
export function decodeOptionHeader(bytes: Buffer): OptionHeader {
  if (bytes.readBigUInt64BE(0) !== IHAVEOPT) throw new NbdProtocolError('option without IHAVEOPT magic');
  const option = bytes.readUInt32BE(8);
  const length = bytes.readUInt32BE(12);
  if (length > MAX_OPTION_BYTES) throw new NbdProtocolError(`option ${option} payload of ${length} bytes is too large`);
  return { option, length };
}

export function encodeOption(option: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(OPTION_HEADER_BYTES + data.length);
  out.writeBigUInt64BE(IHAVEOPT, 0);
  out.writeUInt32BE(option, 8);
  out.writeUInt32BE(data.length, 12);
  data.copy(out, 16);
  return out;
}

export function encodeOptionReply(option: number, replyType: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(20 + data.length);
  out.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  out.writeUInt32BE(option, 8);
  out.writeUInt32BE(replyType, 12);
  out.writeUInt32BE(data.length, 16);
  data.copy(out, 20);
  return out;
}

export function encodeInfoExport(sizeBytes: bigint, transmissionFlags: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(Info.export, 0);
  out.writeBigUInt64BE(sizeBytes, 2);
  out.writeUInt16BE(transmissionFlags, 10);
  return out;
}

export function encodeInfoBlockSize(minimum: number, preferred: number, maximum: number): Buffer {
  const out = Buffer.alloc(14);
  out.writeUInt16BE(Info.blockSize, 0);
  out.writeUInt32BE(minimum, 2);
  out.writeUInt32BE(preferred, 6);
  out.writeUInt32BE(maximum, 10);
  return out;
}

export function encodeServerEntry(name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(4 + nameBytes.length);
  out.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(out, 4);
  return out;
}

export function encodeMetaContextReply(contextId: number, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(4 + nameBytes.length);
  out.writeUInt32BE(contextId, 0);
  nameBytes.copy(out, 4);
  return out;
}

/** Reply to NBD_OPT_EXPORT_NAME: size, flags and (unless NO_ZEROES) 124 zero bytes. */
export function encodeExportNameReply(sizeBytes: bigint, transmissionFlags: number, noZeroes: boolean): Buffer {
  const out = Buffer.alloc(10 + (noZeroes ? 0 : 124));
  out.writeBigUInt64BE(sizeBytes, 0);
  out.writeUInt16BE(transmissionFlags, 8);
  return out;
}

/** A bounds-checked reader over an option payload. */
class PayloadReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer, private readonly what: string) {}
  u16(): number { this.need(2); const value = this.bytes.readUInt16BE(this.offset); this.offset += 2; return value; }
  u32(): number { this.need(4); const value = this.bytes.readUInt32BE(this.offset); this.offset += 4; return value; }
  string(length: number): string {
    this.need(length);
    const value = this.bytes.subarray(this.offset, this.offset + length).toString('utf8');
    this.offset += length;
    return value;
  }
  end(): void { if (this.offset !== this.bytes.length) throw new NbdProtocolError(`${this.what}: ${this.bytes.length - this.offset} trailing bytes`); }
  private need(count: number): void { if (this.offset + count > this.bytes.length) throw new NbdProtocolError(`${this.what}: payload too short`); }
}

export interface InfoRequest { exportName: string; infoTypes: number[] }

/** Decodes the payload of NBD_OPT_INFO / NBD_OPT_GO. @throws NbdProtocolError if malformed. */
export function decodeInfoRequest(data: Buffer): InfoRequest {
  const reader = new PayloadReader(data, 'NBD_OPT_GO/INFO');
  const exportName = reader.string(reader.u32());
  const count = reader.u16();
  const infoTypes: number[] = [];
  for (let index = 0; index < count; index++) infoTypes.push(reader.u16());
  reader.end();
  return { exportName, infoTypes };
}

export function encodeInfoRequest(exportName: string, infoTypes: number[] = []): Buffer {
  const nameBytes = Buffer.from(exportName, 'utf8');
  const out = Buffer.alloc(4 + nameBytes.length + 2 + 2 * infoTypes.length);
  out.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(out, 4);
  out.writeUInt16BE(infoTypes.length, 4 + nameBytes.length);
  infoTypes.forEach((type, index) => out.writeUInt16BE(type, 6 + nameBytes.length + 2 * index));
  return out;
}

export interface MetaContextRequest { exportName: string; queries: string[] }

/** Decodes NBD_OPT_SET_META_CONTEXT / LIST_META_CONTEXT. @throws NbdProtocolError if malformed. */
export function decodeMetaContextRequest(data: Buffer): MetaContextRequest {
  const reader = new PayloadReader(data, 'NBD_OPT_*_META_CONTEXT');
  const exportName = reader.string(reader.u32());
  const count = reader.u32();
  const queries: string[] = [];
  for (let index = 0; index < count; index++) queries.push(reader.string(reader.u32()));
  reader.end();
  return { exportName, queries };
}

export interface Request {
  flags: number;
  type: number;
  handle: bigint;
  offset: bigint;
  length: number;
}

/** Decodes a 28-byte request header. @throws NbdProtocolError on a bad magic. */
export function decodeRequest(bytes: Buffer): Request {
  if (bytes.readUInt32BE(0) !== REQUEST_MAGIC) throw new NbdProtocolError(`bad request magic 0x${bytes.readUInt32BE(0).toString(16)}`);
  return {
    flags: bytes.readUInt16BE(4),
    type: bytes.readUInt16BE(6),
    handle: bytes.readBigUInt64BE(8),
    offset: bytes.readBigUInt64BE(16),
    length: bytes.readUInt32BE(24),
  };
}

export function encodeRequest(request: Request): Buffer {
  const out = Buffer.alloc(REQUEST_HEADER_BYTES);
  out.writeUInt32BE(REQUEST_MAGIC, 0);
  out.writeUInt16BE(request.flags, 4);
  out.writeUInt16BE(request.type, 6);
  out.writeBigUInt64BE(request.handle, 8);
  out.writeBigUInt64BE(request.offset, 16);
  out.writeUInt32BE(request.length, 24);
  return out;
}

export function encodeSimpleReply(handle: bigint, errno: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  out.writeUInt32BE(errno, 4);
  out.writeBigUInt64BE(handle, 8);
  return out;
}

/** Header of one structured reply chunk (plus `extraBytes` of room for the payload's start); the payload follows it. */
export function encodeChunkHeader(handle: bigint, flags: number, type: number, payloadBytes: number, extraBytes = 0): Buffer {
  const out = Buffer.alloc(20 + extraBytes);
  out.writeUInt32BE(STRUCTURED_REPLY_MAGIC, 0);
  out.writeUInt16BE(flags, 4);
  out.writeUInt16BE(type, 6);
  out.writeBigUInt64BE(handle, 8);
  out.writeUInt32BE(payloadBytes, 16);
  return out;
}

export function encodeErrorChunk(handle: bigint, errno: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8').subarray(0, 1024);
  const payload = Buffer.alloc(6 + text.length);
  payload.writeUInt32BE(errno, 0);
  payload.writeUInt16BE(text.length, 4);
  text.copy(payload, 6);
  return Buffer.concat([encodeChunkHeader(handle, ReplyFlag.done, ReplyType.error, payload.length), payload]);
}

export interface Extent { lengthBytes: number; flags: number }

export function encodeBlockStatusChunk(handle: bigint, contextId: number, extents: readonly Extent[]): Buffer {
  const payload = Buffer.alloc(4 + 8 * extents.length);
  payload.writeUInt32BE(contextId, 0);
  extents.forEach((extent, index) => {
    payload.writeUInt32BE(extent.lengthBytes, 4 + 8 * index);
    payload.writeUInt32BE(extent.flags, 8 + 8 * index);
  });
  return Buffer.concat([encodeChunkHeader(handle, ReplyFlag.done, ReplyType.blockStatus, payload.length), payload]);
}
