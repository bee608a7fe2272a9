/**
 * Local request/reply over a unix socket, one JSON text per line: the
 * plumbing shared by tandemd's local API, the membership member's control
 * socket and the mirror engine's control socket. Each of those keeps its own
 * request format and errors; this module only frames lines, bounds their
 * size, tracks connections and times out calls.
 */
import net from 'node:net';
import { unlink } from 'node:fs/promises';
import type { Logger } from './log.js';

/** What the server does with one line; the promise's text is sent back as one line. */
export type LineHandler = (line: string) => Promise<string>;

export interface JsonLinesServerOptions {
  socketPath: string;
  handle: LineHandler;
  log: Logger;
  /** A line longer than this ends the connection (after `oversizeReply`, if given). */
  maxLineBytes: number;
  /** Sent once before a connection is dropped for an oversized line. */
  oversizeReply?: () => string;
}

/**
 * Splits a stream into lines, refusing any line over `maxBytes`. Feed chunks
 * with `push`; it returns the complete, non-blank lines so far, or
 * undefined once the pending line has grown over the limit.
 */
export class BoundedLineSplitter {
  private pending = '';
  constructor(readonly maxBytes: number) {}

  push(chunk: string): string[] | undefined {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (Buffer.byteLength(this.pending) > this.maxBytes) return undefined;
    return lines.filter((line) => line.trim() !== '');
  }
}

/** True when something accepts connections on the socket (a live server, not a stale file). */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
}

/** A listening JSON-lines server; `close()` also ends open connections and removes the socket file. */
export class JsonLinesServer {
  private readonly connections = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, private readonly options: JsonLinesServerOptions) {
    server.on('connection', (socket) => this.serve(socket));
    server.on('error', (error) => options.log.error({ err: error, socketPath: options.socketPath }, 'socket error'));
  }

  /**
   * Listens on `options.socketPath`. The caller decides beforehand what to
   * do with a file already there (see `socketAnswers`); a stale one is
   * removed here.
   * @throws the listen error (EADDRINUSE, EACCES, ...).
   */
  static async listen(options: JsonLinesServerOptions): Promise<JsonLinesServer> {
    await unlink(options.socketPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socketPath, () => { server.off('error', reject); resolve(); });
    });
    return new JsonLinesServer(server, options);
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await unlink(this.options.socketPath).catch(() => undefined);
  }

  private serve(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setEncoding('utf8');
    const splitter = new BoundedLineSplitter(this.options.maxLineBytes);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', (error) => this.options.log.debug({ err: error }, 'connection error'));
    socket.on('data', (chunk: string) => {
      const lines = splitter.push(chunk);
      if (lines === undefined) {
        // The stream can no longer be trusted to be in step: answer once, drop it.
        const reply = this.options.oversizeReply?.();
        if (reply !== undefined) this.send(socket, reply);
        socket.end();
        return;
      }
      for (const line of lines) {
        this.options.handle(line).then(
          (reply) => this.send(socket, reply),
          (error: unknown) => { this.options.log.error({ err: error }, 'line handler failed'); socket.destroy(); },
        );
      }
    });
  }

  private send(socket: net.Socket, reply: string): void {
    if (!socket.destroyed && socket.writable) socket.write(reply + '\n');
  }
}

/** Why a call failed before a reply line arrived. */
export type CallFailure =
  | { kind: 'error'; error: NodeJS.ErrnoException }
  | { kind: 'timeout' }
  | { kind: 'closed' };

/**
 * Sends one line and resolves with the first line of the reply, on a
 * connection of its own.
 * @throws what `failure` makes of a connection error, a timeout after
 * `timeoutMs`, or a connection closed before a reply.
 */
export function callJsonLine(socketPath: string, line: string, timeoutMs: number, failure: (why: CallFailure) => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffered = '';
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      action();
    };
    const timer = setTimeout(() => finish(() => reject(failure({ kind: 'timeout' }))), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(line + '\n'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(failure({ kind: 'error', error }))));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) finish(() => resolve(buffered.slice(0, newline)));
    });
    socket.on('close', () => finish(() => reject(failure({ kind: 'closed' }))));
  });
}
