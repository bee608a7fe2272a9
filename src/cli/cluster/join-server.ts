/**
 * The serving side of `tandem cluster join`: `tandem cluster serve-join`, a
 * short-lived listener on this node's cluster address that hands the config
 * and key to joiners who prove they know the one-time token it printed.
 *
 * Why a process of its own rather than a listener in tandemd: the first
 * node is set up before any daemon runs, and a listener that can hand out
 * the cluster key should exist only while an administrator is adding a
 * node — not for the daemon's whole life. It serves `joins` successful
 * joins, then exits; after `maxFailures` wrong proofs the token is burnt.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { TandemError, ExitCode, TimeoutError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { deriveSessionKeys, joinProof, proofMatches, seal, sessionAad } from './join-crypto.js';
import { JsonLineSocket } from './json-line-socket.js';

export const defaultJoinPort = 5411;

export interface JoinPayload { configText: string; key: Buffer }

export interface ServeJoinOptions {
  token: string;
  payload: JoinPayload;
  host: string;
  port: number;
  /** Successful joins to serve before exiting (default 1). */
  joins: number;
  /** Give up when no join completed within this long. */
  timeoutMs: number;
  /** Wrong proofs accepted before the token is burnt (default 5). */
  maxFailures: number;
  log: Logger;
  /** Called once listening (for printing the token and address). */
  onListening?: (address: net.AddressInfo) => void;
}

const stepTimeoutMs = 10_000;

/** One joiner's session. Resolves true when it received the config and confirmed. */
async function serveOne(socket: net.Socket, options: ServeJoinOptions): Promise<boolean> {
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const line = new JsonLineSocket(socket, `joiner ${peer}`);
  const hello = await line.next('hello', stepTimeoutMs);
  if (hello['version'] !== 1) {
    line.send({ type: 'refused', reason: `unsupported join protocol version ${String(hello['version'])}` });
    line.close();
    return false;
  }
  const clientNonce = JsonLineSocket.bytes(hello, 'clientNonce', 32);
  const serverNonce = randomBytes(32);
  const salt = randomBytes(16);
  line.send({ type: 'challenge', salt: salt.toString('base64'), serverNonce: serverNonce.toString('base64') });
  const keys = deriveSessionKeys(options.token, salt, clientNonce, serverNonce);
  const proof = await line.next('proof', stepTimeoutMs);
  if (!proofMatches(joinProof(keys, 'client', clientNonce, serverNonce), JsonLineSocket.bytes(proof, 'proof'))) {
    options.log.warn({ peer, node: hello['node'] }, 'join refused: wrong token');
    line.send({ type: 'refused', reason: 'wrong join token' });
    line.close();
    return false;
  }
  const plain = Buffer.from(JSON.stringify({ configText: options.payload.configText, key: options.payload.key.toString('base64') }));
  line.send({ type: 'config', proof: joinProof(keys, 'server', clientNonce, serverNonce).toString('base64'), box: seal(keys, plain, sessionAad(clientNonce, serverNonce)) });
  await line.next('done', stepTimeoutMs);
  line.close();
  options.log.info({ peer, node: hello['node'] }, 'node joined: config and key sent');
  return true;
}

/**
 * Listens until `joins` joins succeeded.
 * @throws TimeoutError when the time is up first; TandemError E_JOIN_BURNT
 * after too many wrong tokens; E_JOIN_LISTEN when the address cannot be bound.
 */
export async function serveJoin(options: ServeJoinOptions): Promise<void> {
  let joined = 0;
  let failures = 0;
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new TandemError('E_JOIN_LISTEN', `cannot listen on ${options.host}:${options.port}: ${error.message}`, { exitCode: ExitCode.osErr, cause: error })));
    server.listen(options.port, options.host, () => resolve());
  });
  try {
    options.onListening?.(server.address() as net.AddressInfo);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`no node joined within ${options.timeoutMs} ms (${joined} of ${options.joins} joined)`, { joined })), options.timeoutMs);
      // one session at a time: the token is a secret guessed against, not a throughput path
      let busy = Promise.resolve();
      server.on('connection', (socket) => {
        busy = busy.then(async () => {
          const ok = await serveOne(socket, options).catch((error: unknown) => {
            options.log.warn({ err: error }, 'join session failed');
            socket.destroy();
            return false;
          });
          if (ok) joined++; else failures++;
          if (joined >= options.joins) { clearTimeout(timer); resolve(); }
          else if (failures >= options.maxFailures) {
            clearTimeout(timer);
            reject(new TandemError('E_JOIN_BURNT', `${failures} failed join attempts: the token is withdrawn; run serve-join again for a new one`, { exitCode: ExitCode.noPermission }));
          }
        });
      });
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
