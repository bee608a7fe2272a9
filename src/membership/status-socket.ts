/**
 * The member's local control socket: a unix socket under the run dir,
 * one JSON request per line, one JSON answer per line. Requests:
 * {cmd:'status'}, {cmd:'send', to, payload}, and {cmd:'stall', ms} (only when
 * the member runs with stalls allowed; benchmarks use it to block the main loop).
 */
import { createConnection, createServer, type Server } from 'node:net';
import { chmod, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MemberUnavailableError } from './errors.js';

export type ControlRequest = { cmd: 'status' } | { cmd: 'send'; to: string; payload: unknown } | { cmd: 'stall'; ms: number };

/** Path of a member's control socket. */
export function controlSocketPath(runDir: string, nodeName: string): string {
  return join(runDir, `membership-${nodeName}.sock`);
}

/**
 * Serves the control socket. A stale socket file (nobody answering) is
 * replaced. @throws MemberUnavailableError when another member answers on it.
 */
export async function serveControlSocket(path: string, handle: (request: ControlRequest) => Promise<unknown>): Promise<Server> {
  const alive = await requestControl(path, { cmd: 'status' }, 500).then(() => true, () => false);
  if (alive) throw new MemberUnavailableError(`another member already answers on ${path}`, { socket: path });
  await unlink(path).catch(() => undefined);
  const server = createServer((connection) => {
    let buffered = '';
    connection.on('error', () => connection.destroy());
    connection.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      if (buffered.length > 1 << 20) { connection.destroy(); return; }
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        void answer(line).then((reply) => connection.write(JSON.stringify(reply) + '\n'));
        newline = buffered.indexOf('\n');
      }
    });
  });
  const answer = async (line: string): Promise<unknown> => {
    try {
      return { ok: true, result: await handle(JSON.parse(line) as ControlRequest) };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  };
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, () => resolve()); });
  // the socket can queue messages to peers: only its owner may use it
  await chmod(path, 0o600);
  return server;
}

/**
 * Sends one request to a member's control socket and returns its result.
 * @throws MemberUnavailableError when nobody answers within `timeoutMs`
 * (default 5000) or the member refused the request.
 */
export function requestControl(path: string, request: ControlRequest, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffered = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new MemberUnavailableError(`no answer from the member on ${path} within ${timeoutMs} ms`, { socket: path })); }, timeoutMs);
    socket.on('error', (cause) => { clearTimeout(timer); reject(new MemberUnavailableError(`no member is running on ${path} (${cause.message})`, { socket: path }, cause)); });
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      const reply = JSON.parse(buffered.slice(0, newline)) as { ok: boolean; result?: unknown; error?: string };
      if (reply.ok) resolve(reply.result);
      else reject(new MemberUnavailableError(`member refused: ${reply.error ?? 'unknown error'}`, { socket: path }));
    });
  });
}
