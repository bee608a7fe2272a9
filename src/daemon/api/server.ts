/**
 * The local API server of tandemd: a unix socket under /run/tandem that the
 * `tandem` CLI talks to. A bad request gets an error reply naming what is
 * wrong; a handler that throws gets an error reply; neither harms the daemon.
 */
import net from 'node:net';
import { unlink } from 'node:fs/promises';
import { TandemError, ExitCode, asTandemError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { decodeRequest, encodeReply, errorBody, LineSplitter, BadRequestError, type ApiReply } from './protocol.js';
import { secureSocket, secureSocketDirectory } from './socket-access.js';

export type ApiHandler = (params: Record<string, unknown>) => Promise<unknown>;

export interface ApiServerOptions {
  socketPath: string;
  handlers: ReadonlyMap<string, ApiHandler>;
  log: Logger;
  /** Group allowed besides root; default haclient. */
  group?: string;
}

/** Refuses to start when another daemon already listens on the socket. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const inUse = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (inUse) {
    throw new TandemError('E_SOCKET_IN_USE', `another daemon is already listening on ${socketPath}`, { exitCode: ExitCode.exists, context: { socketPath } });
  }
  await unlink(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

export class ApiServer {
  private server: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();

  constructor(private readonly options: ApiServerOptions) {}

  /** Listens on the socket with root/haclient-only permissions. */
  async start(): Promise<void> {
    const { socketPath } = this.options;
    const gid = await secureSocketDirectory(socketPath, this.options.group);
    await removeStaleSocket(socketPath);
    const server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => { server.off('error', reject); resolve(); });
    });
    server.on('error', (error) => this.options.log.error({ err: error }, 'api socket error'));
    await secureSocket(socketPath, gid);
    this.server = server;
    this.options.log.info({ socketPath }, 'local API listening');
  }

  /** Closes the socket and every open connection. */
  async stop(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(this.options.socketPath).catch(() => undefined);
  }

  private serve(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setEncoding('utf8');
    const splitter = new LineSplitter();
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', (error) => this.options.log.debug({ err: error }, 'api connection error'));
    socket.on('data', (chunk: string) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (error) {
        // An oversized frame: answer once and drop the connection, the
        // stream can no longer be trusted to be in step.
        this.reply(socket, { id: 0, ok: false, error: errorBody(asTandemError(error)) });
        socket.end();
        return;
      }
      for (const line of lines) void this.handle(socket, line);
    });
  }

  private async handle(socket: net.Socket, line: string): Promise<void> {
    let id = 0;
    try {
      const request = decodeRequest(line);
      id = request.id;
      const handler = this.options.handlers.get(request.method);
      if (!handler) throw new BadRequestError(`unknown method '${request.method}'`, { field: 'method', method: request.method });
      const result = await handler(request.params);
      this.reply(socket, { id, ok: true, result: result ?? null });
    } catch (thrown) {
      const error = asTandemError(thrown);
      if (error.exitCode === ExitCode.software) this.options.log.error({ err: thrown, id }, 'api handler failed');
      else this.options.log.info({ code: error.code, id, message: error.message }, 'api request refused');
      this.reply(socket, { id, ok: false, error: errorBody(error) });
    }
  }

  private reply(socket: net.Socket, reply: ApiReply): void {
    if (!socket.destroyed && socket.writable) socket.write(encodeReply(reply));
  }
}
