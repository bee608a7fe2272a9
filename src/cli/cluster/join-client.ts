/**
 * The joining side of `tandem cluster join`: proves knowledge of the token
 * to the peer, checks the peer's proof in turn (a stranger posing as the
 * peer cannot hand out a config), and returns the decrypted config and key.
 * Writes nothing: the caller installs the files once all is verified.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { TandemError, ExitCode } from '../../errors.js';
import { deriveSessionKeys, joinProof, open, proofMatches, sessionAad, type SealedBox } from './join-crypto.js';
import type { JoinPayload } from './join-server.js';
import { JsonLineSocket } from './json-line-socket.js';

export interface JoinRequest {
  host: string;
  port: number;
  token: string;
  /** This node's name, for the peer's log. */
  nodeName: string;
  timeoutMs: number;
}

async function connect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => { socket.setTimeout(0); resolve(socket); });
    socket.once('timeout', () => { socket.destroy(); reject(new TandemError('E_JOIN_CONNECT', `cannot reach ${host}:${port} within ${timeoutMs} ms (is 'tandem cluster serve-join' running there?)`, { exitCode: ExitCode.unavailable })); });
    socket.once('error', (error) => reject(new TandemError('E_JOIN_CONNECT', `cannot connect to ${host}:${port}: ${error.message} (is 'tandem cluster serve-join' running there?)`, { exitCode: ExitCode.unavailable, cause: error })));
  });
}

/**
 * Fetches config and key from the peer.
 * @throws TandemError E_JOIN_REFUSED (exit 77) for a wrong token,
 * E_JOIN_PEER_UNTRUSTED when the peer does not know the token, E_JOIN_CONNECT,
 * E_JOIN_PROTOCOL, E_TIMEOUT.
 */
export async function fetchJoinPayload(request: JoinRequest): Promise<JoinPayload> {
  const peer = `${request.host}:${request.port}`;
  const line = new JsonLineSocket(await connect(request.host, request.port, request.timeoutMs), `peer ${peer}`);
  try {
    const clientNonce = randomBytes(32);
    line.send({ type: 'hello', version: 1, node: request.nodeName, clientNonce: clientNonce.toString('base64') });
    const challenge = await line.next('challenge', request.timeoutMs);
    if (challenge['type'] === 'refused') throw refused(peer, challenge);
    const serverNonce = JsonLineSocket.bytes(challenge, 'serverNonce', 32);
    const keys = deriveSessionKeys(request.token, JsonLineSocket.bytes(challenge, 'salt', 16), clientNonce, serverNonce);
    line.send({ type: 'proof', proof: joinProof(keys, 'client', clientNonce, serverNonce).toString('base64') });
    const reply = await line.next('config', request.timeoutMs);
    if (reply['type'] === 'refused') throw refused(peer, reply);
    if (!proofMatches(joinProof(keys, 'server', clientNonce, serverNonce), JsonLineSocket.bytes(reply, 'proof'))) {
      throw new TandemError('E_JOIN_PEER_UNTRUSTED', `${peer} does not know the join token: not trusting its configuration`, { exitCode: ExitCode.noPermission });
    }
    const box = reply['box'] as SealedBox | undefined;
    if (box === undefined || typeof box !== 'object') throw new TandemError('E_JOIN_PROTOCOL', `${peer} sent no sealed configuration`, { exitCode: ExitCode.protocol });
    const plain = JSON.parse(open(keys, box, sessionAad(clientNonce, serverNonce)).toString('utf8')) as { configText?: unknown; key?: unknown };
    if (typeof plain.configText !== 'string' || typeof plain.key !== 'string') throw new TandemError('E_JOIN_PROTOCOL', `${peer} sent an incomplete configuration`, { exitCode: ExitCode.protocol });
    line.send({ type: 'done' });
    return { configText: plain.configText, key: Buffer.from(plain.key, 'base64') };
  } finally {
    line.close();
  }
}

function refused(peer: string, message: Record<string, unknown>): TandemError {
  return new TandemError('E_JOIN_REFUSED', `${peer} refused the join: ${String(message['reason'] ?? 'no reason given')}`, { exitCode: ExitCode.noPermission });
}
