/**
 * The engine's control socket: one JSON request per line, one JSON reply per
 * line. `status`, `verify` (optionally repairing), `replace` (a failed leg by
 * a new device), `tune` (the resync rate cap) and `stop`. This is how
 * the CLI and, later, the Mirror OCF agent query a running engine.
 */
import { callJsonLine, JsonLinesServer } from '../json-lines-socket.js';
import { asTandemError, ExitCode, TandemError } from '../errors.js';
import { logger } from '../log.js';
import { MirrorError } from './errors.js';

const log = logger('mirror.control');

export type ControlRequest = { command: 'status' } | { command: 'verify'; repair?: boolean } | { command: 'stop' } | { command: 'replace'; leg: number; force?: boolean }
  | { command: 'tune'; resyncRateBytesPerSec: number };
export type ControlHandler = (request: ControlRequest) => Promise<unknown>;

function parseRequest(line: string): ControlRequest {
  let parsed: unknown;
  try { parsed = JSON.parse(line); } catch { throw new MirrorError('E_CONTROL', 'control request is not JSON'); }
  const command = (parsed as { command?: unknown } | null)?.command;
  if (command === 'status' || command === 'stop') return { command };
  if (command === 'verify') return { command, repair: (parsed as { repair?: unknown }).repair === true };
  if (command === 'tune') {
    const rate = (parsed as { resyncRateBytesPerSec?: unknown }).resyncRateBytesPerSec;
    if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 0) throw new MirrorError('E_CONTROL', `tune: resyncRateBytesPerSec must be a whole number ≥ 0, got ${JSON.stringify(rate)}`);
    return { command, resyncRateBytesPerSec: rate };
  }
  if (command === 'replace') {
    const { leg, force } = parsed as { leg?: unknown; force?: unknown };
    if (leg !== 0 && leg !== 1) throw new MirrorError('E_CONTROL', `replace: leg must be 0 or 1, got ${JSON.stringify(leg)}`);
    return { command, leg, force: force === true };
  }
  throw new MirrorError('E_CONTROL', `unknown control command ${JSON.stringify(command)}`);
}

/** Listens on a unix socket path; every line is one request. */
export async function serveControl(socketPath: string, handle: ControlHandler): Promise<JsonLinesServer> {
  return JsonLinesServer.listen({
    socketPath, log, maxLineBytes: 65536,
    handle: async (line) => {
      try {
        return JSON.stringify({ ok: true, result: await handle(parseRequest(line)) });
      } catch (error) {
        return JSON.stringify({ ok: false, error: asTandemError(error).toJSON() });
      }
    },
  });
}

/**
 * Sends one request to a running engine and returns its result.
 * @throws TandemError E_NOT_RUNNING (exit 7) when nothing listens; the engine's own error otherwise.
 */
export async function callControl(socketPath: string, request: ControlRequest, timeoutMs = 600_000): Promise<unknown> {
  const line = await callJsonLine(socketPath, JSON.stringify(request), timeoutMs, (why) => {
    if (why.kind === 'timeout') return new TandemError('E_TIMEOUT', `no answer from ${socketPath} within ${timeoutMs} ms`, { exitCode: ExitCode.timeout });
    if (why.kind === 'error') return new TandemError('E_NOT_RUNNING', `no mirror engine answers on ${socketPath}: ${why.error.message}`, { exitCode: ExitCode.notRunning, cause: why.error });
    return new TandemError('E_CONTROL', `the mirror engine on ${socketPath} closed the connection before answering`, { exitCode: ExitCode.protocol });
  });
  const reply = JSON.parse(line) as { ok: boolean; result?: unknown; error?: { code: string; message: string; exitCode: number } };
  if (reply.ok) return reply.result;
  throw new TandemError(reply.error?.code ?? 'E_CONTROL', reply.error?.message ?? 'engine error', { exitCode: reply.error?.exitCode ?? 1 });
}
