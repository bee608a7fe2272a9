/**
 * NBD client: a remote export (an array on the storage network) as a
 * BlockDevice. Fixed newstyle, NBD_OPT_GO, simple replies, many requests
 * pipelined on one connection. When the connection drops, every request in
 * flight fails and the device stays dead; the leg manager reconnects.
 */
import { connect, type Socket } from 'node:net';
import type { BlockDevice } from '../block-device.js';
import { LegIoError } from '../errors.js';
import * as P from './protocol.js';
import { SocketReader } from './socket-reader.js';

interface Pending {
  readLength: number;
  resolve: (data: Buffer) => void;
  reject: (error: Error) => void;
}

export class NbdClientDevice implements BlockDevice {
  private nextHandle = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private deadReason: string | undefined;

  private constructor(
    readonly description: string,
    private readonly socket: Socket,
    private readonly reader: SocketReader,
    readonly sizeBytes: number,
    private readonly transmissionFlags: number,
  ) {
    socket.on('error', (error) => this.die(error.message));
    socket.on('close', () => this.die('connection closed'));
    void this.receiveLoop();
  }

  /**
   * Connects and negotiates with OPT_GO. @throws LegIoError when the server
   * is unreachable, not fixed-newstyle, or refuses the export.
   */
  static async connect(description: string, address: { socketPath: string } | { host: string; port: number }, exportName: string, timeoutMs = 10_000): Promise<NbdClientDevice> {
    const reader = new SocketReader();
    const socket = 'socketPath' in address ? connect({ path: address.socketPath, onread: reader.onread }) : connect({ port: address.port, host: address.host, onread: reader.onread });
    reader.attach(socket);
    socket.setNoDelay(true);
    // The read waiting when the deadline destroys the socket fails as "connection closed": the deadline is the reason to report.
    let expired: string | undefined;
    const timer = setTimeout(() => {
      expired = `no handshake within ${timeoutMs} ms`;
      socket.destroy(new Error(expired));
    }, timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
      const greeting = await reader.read(18);
      if (greeting.readBigUInt64BE(0) !== P.NBD_MAGIC || greeting.readBigUInt64BE(8) !== P.IHAVEOPT) throw new P.NbdProtocolError('not a newstyle NBD server');
      const serverFlags = greeting.readUInt16BE(16);
      if ((serverFlags & P.HandshakeFlag.fixedNewstyle) === 0) throw new P.NbdProtocolError('server is not fixed-newstyle');
      const clientFlags = Buffer.alloc(4);
      clientFlags.writeUInt32BE(P.ClientFlag.fixedNewstyle | (serverFlags & P.HandshakeFlag.noZeroes), 0);
      socket.write(clientFlags);
      socket.write(P.encodeOption(P.Opt.go, P.encodeInfoRequest(exportName, [P.Info.export])));
      let sizeBytes: number | undefined;
      let transmissionFlags = 0;
      for (;;) {
        const header = await reader.read(20);
        if (header.readBigUInt64BE(0) !== P.OPTION_REPLY_MAGIC) throw new P.NbdProtocolError('bad option reply magic');
        const type = header.readUInt32BE(12);
        const data = await reader.read(header.readUInt32BE(16));
        if (type === P.Rep.ack) break;
        if (type >= 0x80000000) throw new P.NbdProtocolError(`server refused NBD_OPT_GO (reply 0x${type.toString(16)})`);
        if (type === P.Rep.info && data.length >= 12 && data.readUInt16BE(0) === P.Info.export) {
          sizeBytes = Number(data.readBigUInt64BE(2));
          transmissionFlags = data.readUInt16BE(10);
        }
      }
      if (sizeBytes === undefined) throw new P.NbdProtocolError('server sent no NBD_INFO_EXPORT');
      clearTimeout(timer);
      return new NbdClientDevice(description, socket, reader, sizeBytes, transmissionFlags);
    } catch (error) {
      clearTimeout(timer);
      socket.destroy();
      throw new LegIoError(`cannot connect to NBD leg ${description}: ${expired ?? (error as Error).message}`, { leg: description }, error);
    }
  }

  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return this.send(P.Cmd.read, 0, offsetBytes, lengthBytes, undefined);
  }

  async write(offsetBytes: number, data: Buffer, fua = false): Promise<void> {
    const canFua = (this.transmissionFlags & P.TransmissionFlag.sendFua) !== 0;
    await this.send(P.Cmd.write, fua && canFua ? P.CmdFlag.fua : 0, offsetBytes, data.length, data);
    if (fua && !canFua) await this.flush();
  }

  async flush(): Promise<void> {
    if ((this.transmissionFlags & P.TransmissionFlag.sendFlush) === 0) return;
    await this.send(P.Cmd.flush, 0, 0, 0, undefined);
  }

  async close(): Promise<void> {
    // NBD_CMD_DISC only on a quiet connection: with requests in flight (a leg being
    // failed) the connection is just dropped; servers need not cope with DISC mid-stream.
    if (this.deadReason === undefined && this.pending.size === 0) {
      this.socket.write(P.encodeRequest({ flags: 0, type: P.Cmd.disc, handle: 0n, offset: 0n, length: 0 }));
      this.socket.end();
    }
    this.die('closed');
    this.socket.destroy();
  }

  private send(type: number, flags: number, offsetBytes: number, lengthBytes: number, payload: Buffer | undefined): Promise<Buffer> {
    if (this.deadReason !== undefined) return Promise.reject(new LegIoError(`NBD leg ${this.description}: ${this.deadReason}`, { leg: this.description }));
    const handle = this.nextHandle++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(handle, { readLength: type === P.Cmd.read ? lengthBytes : 0, resolve, reject });
      this.socket.cork();
      this.socket.write(P.encodeRequest({ flags, type, handle, offset: BigInt(offsetBytes), length: lengthBytes }));
      if (payload) this.socket.write(payload);
      this.socket.uncork();
    });
  }

  private async receiveLoop(): Promise<void> {
    let receiving: Pending | undefined;
    try {
      for (;;) {
        const header = await this.reader.read(16);
        if (header.readUInt32BE(0) !== P.SIMPLE_REPLY_MAGIC) throw new P.NbdProtocolError('bad reply magic');
        const errno = header.readUInt32BE(4);
        const handle = header.readBigUInt64BE(8);
        const request = this.pending.get(handle);
        if (!request) throw new P.NbdProtocolError(`reply for unknown handle ${handle}`);
        this.pending.delete(handle);
        if (errno !== 0) {
          request.reject(new LegIoError(`NBD leg ${this.description}: server returned errno ${errno}`, { leg: this.description, errno }));
          continue;
        }
        if (request.readLength === 0) { request.resolve(Buffer.alloc(0)); continue; }
        // In a buffer of the pool: the caller gives it back.
        receiving = request;
        request.resolve(await this.reader.readPooled(request.readLength));
        receiving = undefined;
      }
    } catch (error) {
      // The request whose data was arriving is no longer pending: fail it here, with the rest.
      receiving?.reject(new LegIoError(`NBD leg ${this.description}: ${(error as Error).message}`, { leg: this.description }));
      this.die((error as Error).message);
      this.socket.destroy();
    }
  }

  private die(reason: string): void {
    if (this.deadReason === undefined) this.deadReason = reason;
    for (const [handle, request] of this.pending) {
      this.pending.delete(handle);
      request.reject(new LegIoError(`NBD leg ${this.description}: ${reason}`, { leg: this.description }));
    }
  }
}
