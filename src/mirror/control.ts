/**
 * The engine's control socket: one JSON request per line, one JSON reply per
 * line. `status`, `verify` (optionally repairing) and `stop`. This is how
 * the CLI and, later, the Mirror OCF agent query a running engine.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { unlink } from 'node:fs/promises';
import { asTandemError, ExitCode, TandemError } from '../errors.js';
import { logger } from '../log.js';
import { MirrorError } from './errors.js';

const log = logger('mirror.control');

export type ControlRequest = { command: 'status' } | { command: 'verify'; repair?: boolean } | { command: 'stop' };
export type ControlHandler = (request: ControlRequest) => Promise<unknown>;

function parseRequest(line: string): ControlRequest {
  let parsed: unknown;
  try { parsed = JSON.parse(line); } catch { throw new MirrorError('E_CONTROL', 'control request is not JSON'); }
  const command = (parsed as { command?: unknown } | null)?.command;
  if (command === 'status' || command === 'stop') return { command };
  if (command === 'verify') return { command, repair: (parsed as { repair?: unknown }).repair === true };
  throw new MirrorError('E_CONTROL', `unknown control command ${JSON.stringify(command)}`);
}

/** Listens on a unix socket path; every line is one request. */
export async function serveControl(socketPath: string, handle: ControlHandler): Promise<Server> {
  await unlink(socketPath).catch(() => undefined);
  const server = createServer((socket) => {
    let buffered = '';
    socket.on('error', (error) => log.debug({ err: error }, 'control client error'));
    socket.on('data', (data) => {
      buffered += data.toString('utf8');
      if (buffered.length > 65536) { socket.destroy(); return; }
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        void (async () => {
          try {
            const result = await handle(parseRequest(line));
            socket.write(JSON.stringify({ ok: true, result }) + '\n');
          } catch (error) {
            socket.write(JSON.stringify({ ok: false, error: asTandemError(error).toJSON() }) + '\n');
          }
        })();
      }
    });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(socketPath, () => resolve()); });
  return server;
}

/**
 * Sends one request to a running engine and returns its result.
 * @throws TandemError E_NOT_RUNNING (exit 7) when nothing listens; the engine's own error otherwise.
 */
export async function callControl(socketPath: string, request: ControlRequest, timeoutMs = 600_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new TandemError('E_TIMEOUT', `no answer from ${socketPath} within ${timeoutMs} ms`, { exitCode: ExitCode.timeout })); }, timeoutMs);
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(new TandemError('E_NOT_RUNNING', `no mirror engine answers on ${socketPath}: ${error.message}`, { exitCode: ExitCode.notRunning, cause: error }));
    });
    socket.on('data', (data) => {
      buffered += data.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      const reply = JSON.parse(buffered.slice(0, newline)) as { ok: boolean; result?: unknown; error?: { code: string; message: string; exitCode: number } };
      if (reply.ok) resolve(reply.result);
      else reject(new TandemError(reply.error?.code ?? 'E_CONTROL', reply.error?.message ?? 'engine error', { exitCode: reply.error?.exitCode ?? 1 }));
    });
  });
}
