/**
 * Exact-length reads from a stream socket: `read(n)` resolves with exactly
 * n bytes, or rejects when the peer closes first. Used by the NBD server
 * and client so their loops read like the protocol text.
 */
import type { Socket } from 'node:net';
import { copyBytes } from '../buffer-pool.js';

export class SocketClosedError extends Error {
  constructor() {
    super('connection closed');
    this.name = 'SocketClosedError';
  }
}

export class SocketReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private closed = false;
  private waiter: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void } | undefined;

  /** `allocate` makes the buffer a read spanning several received chunks is gathered into. */
  constructor(private readonly socket: Socket, private readonly allocate: (bytes: number) => Buffer = Buffer.allocUnsafe) {
    socket.on('data', (data: Buffer) => {
      this.chunks.push(data);
      this.bufferedBytes += data.length;
      // Backpressure: stop reading while a lot is buffered and nobody is waiting.
      if (this.bufferedBytes > 64 * 1024 * 1024 && !this.waiter) socket.pause();
      this.serve();
    });
    const close = (): void => {
      this.closed = true;
      this.serve();
    };
    socket.on('end', close);
    socket.on('close', close);
    socket.on('error', close);
  }

  /** Returns exactly `bytes` bytes if they are already buffered (no promise on the hot path), else undefined. */
  tryRead(bytes: number): Buffer | undefined {
    if (this.waiter || this.bufferedBytes < bytes) return undefined;
    const out = this.take(bytes);
    if (this.bufferedBytes < 16 * 1024 * 1024) this.socket.resume();
    return out;
  }

  /** Resolves with exactly `bytes` bytes. @throws SocketClosedError when the peer closes first. */
  read(bytes: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('SocketReader: concurrent read'));
    return new Promise((resolve, reject) => {
      this.waiter = { bytes, resolve, reject };
      this.serve();
    });
  }

  private serve(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    if (this.bufferedBytes >= waiter.bytes) {
      this.waiter = undefined;
      waiter.resolve(this.take(waiter.bytes));
      if (this.bufferedBytes < 16 * 1024 * 1024) this.socket.resume();
      return;
    }
    this.socket.resume();
    if (this.closed) {
      this.waiter = undefined;
      waiter.reject(new SocketClosedError());
    }
  }

  private take(bytes: number): Buffer {
    if (bytes === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first && first.length >= bytes) {
      const out = first.subarray(0, bytes);
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
      this.bufferedBytes -= bytes;
      return out;
    }
    const out = this.allocate(bytes);
    let filled = 0;
    while (filled < bytes) {
      const chunk = this.chunks[0];
      if (!chunk) break;
      const part = Math.min(chunk.length, bytes - filled);
      copyBytes(chunk.subarray(0, part), out, filled);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.bufferedBytes -= bytes;
    return out;
  }
}
