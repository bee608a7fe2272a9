/**
 * The member's local control socket: a unix socket under the run dir,
 * one JSON request per line, one JSON answer per line. Requests:
 * {cmd:'status'}, {cmd:'send', to, payload}, and {cmd:'stall', ms} (only when
 * the member runs with stalls allowed; benchmarks use it to block the main loop).
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { callJsonLine, JsonLinesServer, socketAnswers } from '../json-lines-socket.js';
import { logger } from '../log.js';
import { MemberUnavailableError } from './errors.js';

export type ControlRequest = { cmd: 'status' } | { cmd: 'send'; to: string; payload: unknown } | { cmd: 'stall'; ms: number };

const log = logger('membership.control');

/** Path of a member's control socket. */
export function controlSocketPath(runDir: string, nodeName: string): string {
  return join(runDir, `membership-${nodeName}.sock`);
}

/**
 * Serves the control socket. A stale socket file (nobody answering) is
 * replaced. @throws MemberUnavailableError when another member answers on it.
 */
export async function serveControlSocket(path: string, handle: (request: ControlRequest) => Promise<unknown>): Promise<JsonLinesServer> {
  if (await socketAnswers(path)) throw new MemberUnavailableError(`another member already answers on ${path}`, { socket: path });
  const server = await JsonLinesServer.listen({
    socketPath: path, log, maxLineBytes: 1 << 20,
    handle: async (line) => {
      try {
        return JSON.stringify({ ok: true, result: await handle(JSON.parse(line) as ControlRequest) });
      } catch (error) {
        return JSON.stringify({ ok: false, error: (error as Error).message });
      }
    },
  });
  // the socket can queue messages to peers: only its owner may use it
  await chmod(path, 0o600);
  return server;
}

/**
 * Sends one request to a member's control socket and returns its result.
 * @throws MemberUnavailableError when nobody answers within `timeoutMs`
 * (default 5000) or the member refused the request.
 */
export async function requestControl(path: string, request: ControlRequest, timeoutMs = 5000): Promise<unknown> {
  const line = await callJsonLine(path, JSON.stringify(request), timeoutMs, (why) => {
    if (why.kind === 'timeout') return new MemberUnavailableError(`no answer from the member on ${path} within ${timeoutMs} ms`, { socket: path });
    if (why.kind === 'error') return new MemberUnavailableError(`no member is running on ${path} (${why.error.message})`, { socket: path }, why.error);
    return new MemberUnavailableError(`the member on ${path} closed the connection before answering`, { socket: path });
  });
  const reply = JSON.parse(line) as { ok: boolean; result?: unknown; error?: string };
  if (reply.ok) return reply.result;
  throw new MemberUnavailableError(`member refused: ${reply.error ?? 'unknown error'}`, { socket: path });
}
