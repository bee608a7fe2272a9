/**
 * The join handshake over loopback TCP, in-process: the right token gets
 * the config and key; a wrong token is refused; a peer that does not know
 * the token is not trusted; repeated wrong tokens burn the token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { logger } from '../../log.js';
import { TandemError } from '../../errors.js';
import { checkTokenShape, newJoinToken } from './join-crypto.js';
import { fetchJoinPayload } from './join-client.js';
import { serveJoin, type ServeJoinOptions } from './join-server.js';
import { JsonLineSocket } from './json-line-socket.js';

const payload = { configText: '[cluster]\nname = t\n', key: randomBytes(64) };

async function serving(overrides: Partial<ServeJoinOptions> = {}): Promise<{ port: number; token: string; done: Promise<void> }> {
  const token = newJoinToken();
  let resolvePort: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolve) => { resolvePort = resolve; });
  const done = serveJoin({ token, payload, host: '127.0.0.1', port: 0, joins: 1, timeoutMs: 20_000, maxFailures: 5, log: logger('join-test'), onListening: (address) => resolvePort(address.port), ...overrides });
  done.catch(() => undefined);
  return { port: await port, token, done };
}

const request = (port: number, token: string) => ({ host: '127.0.0.1', port, token, nodeName: 'test', timeoutMs: 10_000 });

test('the right token gets the config and the key; the server then exits', async () => {
  const server = await serving();
  const got = await fetchJoinPayload(request(server.port, server.token));
  assert.equal(got.configText, payload.configText);
  assert.deepEqual(got.key, payload.key);
  await server.done;
});

test('a wrong token is refused and the token still works afterwards', async () => {
  const server = await serving();
  await assert.rejects(fetchJoinPayload(request(server.port, newJoinToken())), (error: TandemError) => error.code === 'E_JOIN_REFUSED' && /wrong join token/.test(error.message) && error.exitCode === 77);
  const got = await fetchJoinPayload(request(server.port, server.token));
  assert.deepEqual(got.key, payload.key);
  await server.done;
});

test('five wrong tokens burn the token: serve-join gives up', async () => {
  const server = await serving();
  for (let attempt = 0; attempt < 5; attempt++) await assert.rejects(fetchJoinPayload(request(server.port, newJoinToken())), /refused/);
  await assert.rejects(server.done, (error: TandemError) => error.code === 'E_JOIN_BURNT');
});

test('a stranger posing as the peer (does not know the token) is not trusted', async () => {
  // accepts any proof and answers with a made-up one: what an impostor can do
  const impostor = net.createServer((socket) => {
    const line = new JsonLineSocket(socket, 'joiner');
    void (async () => {
      await line.next('hello', 5000);
      line.send({ type: 'challenge', salt: randomBytes(16).toString('base64'), serverNonce: randomBytes(32).toString('base64') });
      await line.next('proof', 5000);
      line.send({ type: 'config', proof: randomBytes(32).toString('base64'), box: { iv: '', data: '', tag: '' } });
    })().catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = impostor.address() as net.AddressInfo;
    await assert.rejects(fetchJoinPayload(request(port, newJoinToken())), (error: TandemError) => error.code === 'E_JOIN_PEER_UNTRUSTED');
  } finally {
    impostor.close();
  }
});

test('token shape: printed tokens pass, anything else is a usage error', () => {
  checkTokenShape(newJoinToken());
  for (const bad of ['', 'tdmj-', 'tdmj-short', 'abc' + newJoinToken()]) assert.throws(() => checkTokenShape(bad), (error: TandemError) => error.code === 'E_JOIN_TOKEN' && error.exitCode === 64);
});
