/**
 * The CLI's side of the local API: one call, one connection. Errors the
 * daemon sends back are rethrown as TandemErrors with the daemon's code and
 * exit code; a daemon that is not running or a caller without permission
 * gets a message saying so.
 */
import path from 'node:path';
import { TandemError, ExitCode, TimeoutError } from '../../errors.js';
import { callJsonLine } from '../../json-lines-socket.js';
import { encodeRequest, type ApiReply } from './protocol.js';

/** tandemd's runtime directory, where its API socket lives; default of --run-dir. */
export const defaultRunDir = '/run/tandem';

/** The local API socket under a runtime directory. */
export function apiSocketPath(runDir: string): string {
  return path.join(runDir, 'api.sock');
}

/** The socket a local client uses: $TANDEM_RUN_DIR/api.sock, default /run/tandem/api.sock. */
export function localApiSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return apiSocketPath(env['TANDEM_RUN_DIR'] ?? defaultRunDir);
}

function connectionError(error: NodeJS.ErrnoException, socketPath: string): TandemError {
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new TandemError('E_PERMISSION', `permission denied on ${socketPath}: run as root or as a member of the haclient group`, { exitCode: ExitCode.insufficientPriv, context: { socketPath }, cause: error });
  }
  if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
    return new TandemError('E_NOT_RUNNING', `tandemd is not running (no daemon on ${socketPath})`, { exitCode: ExitCode.unavailable, context: { socketPath }, cause: error });
  }
  return new TandemError('E_API_IO', `local API ${socketPath}: ${error.message}`, { exitCode: ExitCode.ioErr, context: { socketPath }, cause: error });
}

/**
 * Calls one method of the daemon's API.
 * @throws TandemError with the daemon's code when it refuses; E_PERMISSION,
 * E_NOT_RUNNING or E_TIMEOUT (default 30 s) otherwise.
 */
export async function callApi(method: string, params: Record<string, unknown> = {}, options: { socketPath?: string; timeoutMs?: number } = {}): Promise<unknown> {
  const socketPath = options.socketPath ?? localApiSocketPath();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const line = await callJsonLine(socketPath, encodeRequest({ id: 1, method, params }), timeoutMs, (why) => {
    if (why.kind === 'error') return connectionError(why.error, socketPath);
    if (why.kind === 'timeout') return new TimeoutError(`no answer from tandemd to '${method}' within ${timeoutMs} ms`, { method, timeoutMs });
    return new TandemError('E_API_CLOSED', `tandemd closed the connection before answering '${method}'`, { exitCode: ExitCode.protocol });
  });
  const reply = JSON.parse(line) as ApiReply;
  if (reply.ok) return reply.result;
  throw new TandemError(reply.error.code, reply.error.message, { exitCode: reply.error.exitCode, context: reply.error.context ?? {} });
}
