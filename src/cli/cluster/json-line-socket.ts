/**
 * One JSON object per line over a TCP socket, for the join handshake: read
 * the next message with a deadline, write one. Lines are bounded (64 KiB),
 * so a peer cannot make the other end buffer without limit.
 */
import type { Socket } from 'node:net';
import { TandemError, ExitCode, TimeoutError } from '../../errors.js';
import { BoundedLineSplitter } from '../../json-lines-socket.js';

const maxLineBytes = 64 * 1024;

export type Message = Record<string, unknown>;

export class JsonLineSocket {
  private readonly splitter = new BoundedLineSplitter(maxLineBytes);
  private readonly queue: Message[] = [];
  private failure: TandemError | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly socket: Socket, private readonly peer: string) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error) => this.fail(new TandemError('E_JOIN_IO', `${peer}: ${error.message}`, { exitCode: ExitCode.ioErr, cause: error })));
    socket.on('close', () => this.fail(new TandemError('E_JOIN_CLOSED', `${peer} closed the connection`, { exitCode: ExitCode.protocol })));
  }

  private receive(chunk: string): void {
    const lines = this.splitter.push(chunk);
    if (lines === undefined) return this.fail(new TandemError('E_JOIN_PROTOCOL', `${this.peer} sent a line over ${maxLineBytes} bytes`, { exitCode: ExitCode.protocol }));
    for (const line of lines) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        this.queue.push(parsed as Message);
      } catch {
        return this.fail(new TandemError('E_JOIN_PROTOCOL', `${this.peer} sent something that is not a join message`, { exitCode: ExitCode.protocol }));
      }
    }
    this.wake?.();
  }

  private fail(error: TandemError): void {
    this.failure ??= error;
    this.socket.destroy();
    this.wake?.();
  }

  send(message: Message): void {
    this.socket.write(JSON.stringify(message) + '\n');
  }

  /**
   * The next message, which must have `type` (or be a 'refused' message,
   * returned as is for the caller to report).
   * @throws TandemError on timeout, close, garbage or another type.
   */
  async next(type: string, timeoutMs: number): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`no '${type}' message from ${this.peer} within ${timeoutMs} ms`, { peer: this.peer, timeoutMs });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
      this.wake = undefined;
    }
    const message = this.queue.shift() as Message;
    if (message['type'] !== type && message['type'] !== 'refused') throw new TandemError('E_JOIN_PROTOCOL', `${this.peer} sent '${String(message['type'])}' where '${type}' was expected`, { exitCode: ExitCode.protocol });
    return message;
  }

  /** A field that must be base64 of exactly `bytes` bytes (any length when omitted). */
  static bytes(message: Message, field: string, bytes?: number): Buffer {
    const value = message[field];
    const decoded = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (decoded.length === 0 || (bytes !== undefined && decoded.length !== bytes)) throw new TandemError('E_JOIN_PROTOCOL', `join message '${String(message['type'])}': field '${field}' missing or malformed`, { exitCode: ExitCode.protocol });
    return decoded;
  }

  close(): void {
    this.socket.end();
  }
}
