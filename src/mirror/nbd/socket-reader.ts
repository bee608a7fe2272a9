/**
 * Exact-length reads from a stream socket: `read(n)` resolves with exactly
 * n bytes, or rejects when the peer closes first. Used by the NBD server
 * and client so their loops read like the protocol text.
 *
 * The socket reads into this reader's memory (Node's `onread` option), not
 * into a fresh 64 KiB buffer per read with a 'data' event each: small
 * reads (request headers, 4k payloads) come from one reused staging
 * buffer, and the rest of a large payload goes from the kernel straight
 * into its destination (`readInto`: an arena block the legs' threads write
 * from). At 1 MiB writes that is one copy of the payload fewer, and a few
 * reads per MiB instead of sixteen allocations and events.
 */
import { Socket } from 'node:net';
import { copyBytes, ioBuffers } from '../buffer-pool.js';

export class SocketClosedError extends Error {
  constructor() {
    super('connection closed');
    this.name = 'SocketClosedError';
  }
}

/** The staging buffer's size: reads land there unless a large payload's destination is waiting. */
const STAGING_BYTES = 1024 * 1024;
/** The least room a read into the staging buffer is given; with less unread data waiting, the socket pauses. */
const MIN_READ_BYTES = 64 * 1024;

interface Fill { target: Buffer; filledBytes: number; resolve: () => void; reject: (error: Error) => void }

export class SocketReader {
  private staging = Buffer.allocUnsafe(STAGING_BYTES);
  /** Unread data is staging[start, end). */
  private start = 0;
  private end = 0;
  /** The buffer handed to the socket for its next read. */
  private registered: Uint8Array | undefined;
  private fill: Fill | undefined;
  private socket: Socket | undefined;
  private paused = false;
  private closed = false;

  /** Pass as the socket's `onread` option (Socket constructor or connect()), then attach() the socket. */
  readonly onread = {
    buffer: (): Uint8Array => this.nextReadBuffer(),
    callback: (bytes: number, buffer: Uint8Array): boolean => this.received(bytes, buffer),
  };

  /** Starts following the socket's end and errors (reads come through `onread`). */
  attach(socket: Socket): void {
    this.socket = socket;
    const close = (): void => {
      this.closed = true;
      this.settle();
    };
    socket.on('end', close);
    socket.on('close', close);
    socket.on('error', close);
  }

  /** Bytes received and not yet read. */
  get bufferedBytes(): number { return this.end - this.start; }

  /** Returns exactly `bytes` bytes (a copy) if they are already buffered (no promise on the hot path), else undefined. */
  tryRead(bytes: number): Buffer | undefined {
    if (this.fill || this.bufferedBytes < bytes) return undefined;
    const out = Buffer.allocUnsafe(bytes);
    this.take(out, 0, bytes);
    return out;
  }

  /** Resolves with exactly `bytes` bytes. @throws SocketClosedError when the peer closes first. */
  read(bytes: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(bytes);
    const filling = this.readInto(out);
    return filling ? filling.then(() => out) : Promise.resolve(out);
  }

  /**
   * Fills all of `target`: what is buffered now is copied, the rest is read
   * from the socket straight into it. Returns undefined when it is filled
   * at once, else a promise. @throws SocketClosedError (through the
   * promise) when the peer closes first; an Error when a read is pending.
   */
  readInto(target: Buffer): Promise<void> | undefined {
    if (this.fill) return Promise.reject(new Error('SocketReader: concurrent read'));
    const copied = this.take(target, 0, target.length);
    if (copied === target.length) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.fill = { target, filledBytes: copied, resolve, reject };
      this.settle();
    });
  }

  /**
   * Reads `lengthBytes` into a buffer of the engine's pool (an arena block
   * when one is free, which the legs' threads can use): the buffer itself
   * when all of it was buffered already, else a promise of it. The buffer is
   * the caller's to give back; if the read fails it goes back to the pool.
   */
  readPooled(lengthBytes: number): Buffer | Promise<Buffer> {
    const block = ioBuffers.take(lengthBytes);
    const filling = this.readInto(block);
    if (!filling) return block;
    return filling.then(() => block, (error: unknown) => {
      ioBuffers.give(block);
      throw error;
    });
  }

  /** Copies up to `bytes` buffered bytes into target at `at`; returns how many. */
  private take(target: Buffer, at: number, bytes: number): number {
    const count = Math.min(bytes, this.bufferedBytes);
    if (count === 0) return 0;
    copyBytes(this.staging.subarray(this.start, this.start + count), target, at);
    this.start += count;
    if (this.start === this.end && this.registered?.byteOffset !== this.staging.byteOffset + this.end) {
      this.start = 0;
      this.end = 0;
    }
    this.resumeIfRoom();
    return count;
  }

  /** Node asks where the next read goes (once at the start, then after each read). */
  private nextReadBuffer(): Uint8Array {
    const fill = this.fill;
    if (fill) {
      this.registered = fill.target.subarray(fill.filledBytes);
      return this.registered;
    }
    // Nothing is registered in the staging buffer now (Node asks only between reads): moving it is safe.
    this.makeRoom(MIN_READ_BYTES);
    this.registered = this.staging.subarray(this.end);
    return this.registered;
  }

  /** A read landed in `buffer` (the one registered). Returns false to pause the socket. */
  private received(bytes: number, buffer: Uint8Array): boolean {
    const fill = this.fill;
    if (fill && buffer.buffer === fill.target.buffer && buffer.byteOffset === fill.target.byteOffset + fill.filledBytes) {
      fill.filledBytes += bytes;
    } else if (buffer.buffer === this.staging.buffer && buffer.byteOffset === this.staging.byteOffset + this.end) {
      this.end += bytes;
    } else {
      // Not where this reader last pointed (cannot happen with Node's onread as documented): keep the bytes all the same.
      this.stage(buffer.subarray(0, bytes));
    }
    this.registered = undefined;
    this.settle();
    this.paused = !this.fill && this.staging.length - this.bufferedBytes < MIN_READ_BYTES;
    return !this.paused;
  }

  private stage(bytes: Uint8Array): void {
    this.makeRoom(bytes.length);
    this.staging.set(bytes, this.end);
    this.end += bytes.length;
  }

  /**
   * Leaves at least `roomBytes` free after the unread data: moves it to the
   * front, or into a larger buffer when it would not fit. Only while no read
   * is registered in the staging buffer.
   */
  private makeRoom(roomBytes: number): void {
    if (this.staging.length - this.end >= roomBytes) return;
    const unread = this.bufferedBytes;
    if (unread + roomBytes > this.staging.length) {
      const larger = Buffer.allocUnsafe(unread + roomBytes);
      this.staging.copy(larger, 0, this.start, this.end);
      this.staging = larger;
    } else {
      this.staging.copy(this.staging, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = unread;
  }

  /** Completes the pending fill from buffered bytes, or fails it once the socket closed. */
  private settle(): void {
    const fill = this.fill;
    if (!fill) return;
    fill.filledBytes += this.take(fill.target, fill.filledBytes, fill.target.length - fill.filledBytes);
    if (fill.filledBytes === fill.target.length) {
      this.fill = undefined;
      fill.resolve();
      return;
    }
    if (this.closed) {
      this.fill = undefined;
      fill.reject(new SocketClosedError());
      return;
    }
    this.resumeIfRoom();
  }

  private resumeIfRoom(): void {
    if (!this.paused || this.closed) return;
    if (!this.fill && this.staging.length - this.bufferedBytes < MIN_READ_BYTES) return;
    this.paused = false;
    this.socket?.resume();
  }
}

/**
 * Takes over a socket a net.Server accepted (created with `pauseOnConnect`,
 * so it has read nothing) as a socket that reads through `reader`. Node's
 * server offers no `onread`; its accepted handle is moved to a new Socket,
 * and the old one is destroyed without it so the server's connection count
 * drops.
 */
export function adoptAcceptedSocket(accepted: Socket, reader: SocketReader): Socket {
  // `_handle` is Node's own (undocumented) field for the socket's libuv handle; there is no public way to pass it on.
  const holder = accepted as unknown as { _handle: unknown };
  const handle = holder._handle;
  holder._handle = null;
  accepted.destroy();
  const options = { handle, readable: true, writable: true, onread: reader.onread };
  const socket = new Socket(options);
  reader.attach(socket);
  socket.resume();
  return socket;
}
