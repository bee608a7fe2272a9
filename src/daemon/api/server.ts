/**
 * The local API server of tandemd: a unix socket under /run/tandem that the
 * `tandem` CLI talks to. A bad request gets an error reply naming what is
 * wrong; a handler that throws gets an error reply; neither harms the daemon.
 */
import { TandemError, ExitCode, asTandemError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { JsonLinesServer, socketAnswers } from '../../json-lines-socket.js';
import { decodeRequest, encodeReply, errorBody, maxFrameBytes, BadRequestError, type ApiReply } from './protocol.js';
import { secureSocket, secureSocketDirectory } from './socket-access.js';

export type ApiHandler = (params: Record<string, unknown>) => Promise<unknown>;

export interface ApiServerOptions {
  socketPath: string;
  handlers: ReadonlyMap<string, ApiHandler>;
  log: Logger;
  /** Group allowed besides root; default haclient. */
  group?: string;
}

export class ApiServer {
  private server: JsonLinesServer | undefined;

  constructor(private readonly options: ApiServerOptions) {}

  /**
   * Listens on the socket with root/haclient-only permissions.
   * @throws TandemError E_SOCKET_IN_USE when another daemon already listens there.
   */
  async start(): Promise<void> {
    const { socketPath, log } = this.options;
    const gid = await secureSocketDirectory(socketPath, this.options.group);
    if (await socketAnswers(socketPath)) {
      throw new TandemError('E_SOCKET_IN_USE', `another daemon is already listening on ${socketPath}`, { exitCode: ExitCode.exists, context: { socketPath } });
    }
    this.server = await JsonLinesServer.listen({
      socketPath, log, maxLineBytes: maxFrameBytes,
      handle: async (line) => encodeReply(await this.handle(line)),
      oversizeReply: () => encodeReply({ id: 0, ok: false, error: errorBody(new BadRequestError(`request larger than ${maxFrameBytes} bytes`, { field: 'body' })) }),
    });
    await secureSocket(socketPath, gid);
    log.info({ socketPath }, 'local API listening');
  }

  /** Closes the socket and every open connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  private async handle(line: string): Promise<ApiReply> {
    let id = 0;
    try {
      const request = decodeRequest(line);
      id = request.id;
      const handler = this.options.handlers.get(request.method);
      if (!handler) throw new BadRequestError(`unknown method '${request.method}'`, { field: 'method', method: request.method });
      const result = await handler(request.params);
      return { id, ok: true, result: result ?? null };
    } catch (thrown) {
      const error = asTandemError(thrown);
      if (error.exitCode === ExitCode.software) this.options.log.error({ err: thrown, id }, 'api handler failed');
      else this.options.log.info({ code: error.code, id, message: error.message }, 'api request refused');
      return { id, ok: false, error: errorBody(error) };
    }
  }
}
