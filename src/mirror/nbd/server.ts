/**
 * NBD server (fixed newstyle) over unix sockets and TCP. One export, served
 * under any name (the name is echoed in NBD_OPT_LIST). Requests on one
 * connection run concurrently; replies go out as they complete. A client
 * that violates the protocol is disconnected; the export is never touched
 * by a request that did not parse.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import { logger } from '../../log.js';
import { TandemError } from '../../errors.js';
import type { BlockExport } from './export.js';
import * as P from './protocol.js';
import { adoptAcceptedSocket, SocketClosedError, SocketReader } from './socket-reader.js';
import { ReplyWriter, type DataSent } from './reply-writer.js';
import { ioBuffers } from '../buffer-pool.js';

const log = logger('mirror.nbd');

/** Where to listen: a unix socket path, or a TCP host and port (port 0 = any). */
export type ListenAddress = { socketPath: string } | { host: string; port: number };

export interface NbdServerOptions {
  exportName?: string;
  /** Requests in flight per connection before we stop reading more. Default 64. */
  maxInFlightPerConnection?: number;
}

const BASE_ALLOCATION_CONTEXT_ID = 1;

/** Maps an error from the export to the errno sent to the client. */
function errnoOf(error: unknown): number {
  if (error instanceof TandemError) {
    if (error.code === 'E_RANGE') return P.NbdErrno.einval;
    if (error.code === 'E_NO_SPACE') return P.NbdErrno.enospc;
    if (error.code === 'E_SHUTDOWN') return P.NbdErrno.eshutdown;
  }
  return P.NbdErrno.eio;
}

export class NbdServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly exportName: string;
  private readonly maxInFlight: number;

  constructor(private readonly blockExport: BlockExport, options: NbdServerOptions = {}) {
    this.exportName = options.exportName ?? '';
    this.maxInFlight = options.maxInFlightPerConnection ?? 64;
  }

  /** Starts listening; resolves with the TCP port (0 for a unix socket). */
  async listen(address: ListenAddress): Promise<number> {
    // Paused: the socket is handed to a SocketReader before it reads anything.
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => this.accept(accepted));
    this.server = server;
    if ('socketPath' in address) await unlink(address.socketPath).catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if ('socketPath' in address) server.listen(address.socketPath, () => resolve());
      else server.listen(address.port, address.host, () => resolve());
    });
    const bound = server.address();
    return typeof bound === 'object' && bound ? bound.port : 0;
  }

  /** Stops accepting and drops every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get connectionCount(): number { return this.sockets.size; }

  private accept(accepted: Socket): void {
    const reader = new SocketReader();
    const socket = adoptAcceptedSocket(accepted, reader);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (error) => log.debug({ err: error }, 'client socket error'));
    const connection = new Connection(socket, reader, this.blockExport, this.exportName, this.maxInFlight);
    connection.run().catch((error: unknown) => {
      if (!(error instanceof SocketClosedError)) log.warn({ err: error }, 'disconnecting NBD client');
      socket.destroy();
    });
  }
}

class Connection {
  private readonly replies: ReplyWriter;
  private structuredReplies = false;
  private baseAllocation = false;
  private inFlight = 0;
  private slotWaiter: (() => void) | undefined;
  private drainWaiter: (() => void) | undefined;

  constructor(private readonly socket: Socket, private readonly reader: SocketReader, private readonly blockExport: BlockExport, private readonly exportName: string, private readonly maxInFlight: number) {
    this.replies = new ReplyWriter(socket);
  }

  async run(): Promise<void> {
    this.socket.write(P.encodeServerGreeting(P.HandshakeFlag.fixedNewstyle | P.HandshakeFlag.noZeroes));
    const clientFlags = (await this.reader.read(4)).readUInt32BE(0);
    if ((clientFlags & ~(P.ClientFlag.fixedNewstyle | P.ClientFlag.noZeroes)) !== 0) throw new P.NbdProtocolError(`unknown client flags 0x${clientFlags.toString(16)}`);
    const noZeroes = (clientFlags & P.ClientFlag.noZeroes) !== 0;
    if (!(await this.negotiate(noZeroes))) return;
    await this.transmit();
  }

  private get transmissionFlags(): number {
    let flags = P.TransmissionFlag.hasFlags | P.TransmissionFlag.sendFlush | P.TransmissionFlag.sendFua | P.TransmissionFlag.sendTrim | P.TransmissionFlag.sendWriteZeroes;
    if (this.blockExport.flushCoversAllConnections) flags |= P.TransmissionFlag.canMultiConn;
    if (this.structuredReplies) flags |= P.TransmissionFlag.sendDf;
    return flags;
  }

  /** Option haggling. Returns true when the client moved to transmission. */
  private async negotiate(noZeroes: boolean): Promise<boolean> {
    for (;;) {
      const header = P.decodeOptionHeader(await this.reader.read(P.OPTION_HEADER_BYTES));
      const data = await this.reader.read(header.length);
      const reply = (type: number, payload?: Buffer): void => { this.socket.write(P.encodeOptionReply(header.option, type, payload)); };
      switch (header.option) {
        case P.Opt.exportName:
          this.socket.write(P.encodeExportNameReply(BigInt(this.blockExport.sizeBytes), this.transmissionFlags, noZeroes));
          return true;
        case P.Opt.abort:
          reply(P.Rep.ack);
          this.socket.end();
          return false;
        case P.Opt.list:
          if (data.length !== 0) { reply(P.Rep.errInvalid); break; }
          reply(P.Rep.server, P.encodeServerEntry(this.exportName));
          reply(P.Rep.ack);
          break;
        case P.Opt.structuredReply:
          if (data.length !== 0) { reply(P.Rep.errInvalid); break; }
          this.structuredReplies = true;
          reply(P.Rep.ack);
          break;
        case P.Opt.info:
        case P.Opt.go: {
          const request = P.decodeInfoRequest(data);
          reply(P.Rep.info, P.encodeInfoExport(BigInt(this.blockExport.sizeBytes), this.transmissionFlags));
          reply(P.Rep.info, P.encodeInfoBlockSize(1, 4096, P.MAX_PAYLOAD_BYTES));
          log.debug({ exportName: request.exportName, infoTypes: request.infoTypes }, 'info/go');
          reply(P.Rep.ack);
          if (header.option === P.Opt.go) return true;
          break;
        }
        case P.Opt.listMetaContext:
        case P.Opt.setMetaContext: {
          if (!this.structuredReplies) { reply(P.Rep.errInvalid); break; }
          const request = P.decodeMetaContextRequest(data);
          const listing = header.option === P.Opt.listMetaContext;
          const matches = request.queries.length === 0 ? listing : request.queries.some((query) => query === P.BASE_ALLOCATION || (listing && query === 'base:'));
          if (matches) {
            if (!listing) this.baseAllocation = true;
            reply(P.Rep.metaContext, P.encodeMetaContextReply(listing ? 0 : BASE_ALLOCATION_CONTEXT_ID, P.BASE_ALLOCATION));
          } else if (!listing) {
            this.baseAllocation = false;
          }
          reply(P.Rep.ack);
          break;
        }
        default:
          reply(P.Rep.errUnsup);
      }
    }
  }

  private async transmit(): Promise<void> {
    for (;;) {
      const request = P.decodeRequest(this.reader.tryRead(P.REQUEST_HEADER_BYTES) ?? await this.reader.read(P.REQUEST_HEADER_BYTES));
      if (request.type === P.Cmd.disc) {
        await this.drain();
        this.replies.flushNow();
        this.socket.end();
        return;
      }
      let payload: Buffer | undefined;
      if (request.type === P.Cmd.write) {
        if (request.length > P.MAX_PAYLOAD_BYTES) throw new P.NbdProtocolError(`write of ${request.length} bytes exceeds the maximum`);
        // In a buffer of the pool, which the export may recycle; no promise when it is all here (queue depth).
        const pooled = this.reader.readPooled(request.length);
        payload = pooled instanceof Promise ? await pooled : pooled;
      }
      while (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => { this.slotWaiter = resolve; });
      this.inFlight++;
      void this.handle(request, payload).finally(() => {
        this.inFlight--;
        const waiter = this.slotWaiter;
        this.slotWaiter = undefined;
        waiter?.();
        if (this.inFlight === 0) { const drain = this.drainWaiter; this.drainWaiter = undefined; drain?.(); }
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => { this.drainWaiter = resolve; });
  }

  private async handle(request: P.Request, payload: Buffer | undefined): Promise<void> {
    const size = this.blockExport.sizeBytes;
    const offset = Number(request.offset);
    const fua = (request.flags & P.CmdFlag.fua) !== 0;
    try {
      if (request.type !== P.Cmd.flush && (request.offset + BigInt(request.length) > BigInt(size))) {
        this.replyError(request.handle, P.NbdErrno.einval, 'request beyond the end of the export');
        return;
      }
      switch (request.type) {
        case P.Cmd.read: {
          if (request.length > P.MAX_PAYLOAD_BYTES) { this.replyError(request.handle, P.NbdErrno.eoverflow, 'read too large'); return; }
          const data = await this.blockExport.read(offset, request.length);
          // The reply holds the last reference; once it left, the buffer can serve another read.
          const sent: DataSent = (error) => { if (!error) ioBuffers.give(data); };
          if (this.structuredReplies) {
            const header = P.encodeChunkHeader(request.handle, P.ReplyFlag.done, P.ReplyType.offsetData, 8 + data.length, 8);
            header.writeBigUInt64BE(request.offset, 20);
            this.send(header, data, sent);
          } else {
            this.send(P.encodeSimpleReply(request.handle, 0), data, sent);
          }
          return;
        }
        case P.Cmd.write:
          await this.blockExport.write(offset, payload ?? Buffer.alloc(0), fua);
          break;
        case P.Cmd.flush:
          await this.blockExport.flush();
          break;
        case P.Cmd.trim:
          await this.blockExport.trim(offset, request.length, fua);
          break;
        case P.Cmd.writeZeroes:
          await this.blockExport.writeZeroes(offset, request.length, fua);
          break;
        case P.Cmd.cache:
          break;
        case P.Cmd.blockStatus: {
          if (!this.structuredReplies || !this.baseAllocation) { this.replyError(request.handle, P.NbdErrno.einval, 'no metadata context negotiated'); return; }
          const extents = await this.blockExport.blockStatus(offset, request.length);
          const limited = (request.flags & P.CmdFlag.reqOne) !== 0 ? extents.slice(0, 1) : extents;
          this.send(P.encodeBlockStatusChunk(request.handle, BASE_ALLOCATION_CONTEXT_ID, limited));
          return;
        }
        default:
          this.replyError(request.handle, P.NbdErrno.einval, `unknown command ${request.type}`);
          return;
      }
      this.replyOk(request.handle);
    } catch (error) {
      log.warn({ err: error, type: request.type, offset, length: request.length }, 'request failed');
      this.replyError(request.handle, errnoOf(error), error instanceof Error ? error.message : 'I/O error');
    }
  }

  /** Sends one reply; while other requests are in flight it leaves with the others completed in this turn (see ReplyWriter). */
  private send(header: Buffer, data?: Buffer, dataSent?: DataSent): void {
    this.replies.send(header, data, dataSent, this.inFlight > 1);
  }

  private replyOk(handle: bigint): void {
    if (this.structuredReplies) this.send(P.encodeChunkHeader(handle, P.ReplyFlag.done, P.ReplyType.none, 0));
    else this.send(P.encodeSimpleReply(handle, 0));
  }

  private replyError(handle: bigint, errno: number, message: string): void {
    if (this.structuredReplies) this.send(P.encodeErrorChunk(handle, errno, message));
    else this.send(P.encodeSimpleReply(handle, errno));
  }
}
