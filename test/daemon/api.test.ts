/**
 * The local API over a real unix socket: calls, refused requests, a failing
 * handler, an oversized frame, and a non-root client outside the haclient
 * group (a real process run as `nobody` through setpriv).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { ApiServer, type ApiHandler } from '../../src/daemon/api/server.js';
import { callApi } from '../../src/daemon/api/client.js';
import { TandemError } from '../../src/errors.js';
import { repoRoot } from '../support/paths.js';

const workDir = mkdtempSync(path.join(tmpdir(), 'tandem-api-'));
const socketPath = path.join(workDir, 'run', 'api.sock');
const handlers = new Map<string, ApiHandler>([
  ['echo', async (params) => params],
  ['boom', async () => { throw new Error('handler exploded'); }],
  ['refuse', async () => { throw new TandemError('E_NOPE', 'not now', { exitCode: 107 }); }],
]);
const server = new ApiServer({ socketPath, handlers, log: pino({ level: 'silent' }) });

before(() => server.start());
after(async () => { await server.stop(); rmSync(workDir, { recursive: true, force: true }); });

function rawExchange(payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: string) => { received += chunk; if (received.endsWith('\n')) { socket.destroy(); resolve(received); } });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

test('a call returns the handler\'s result', async () => {
  assert.deepEqual(await callApi('echo', { a: 1 }, { socketPath }), { a: 1 });
});

test('socket and its directory are for root and haclient only', () => {
  assert.equal(statSync(path.dirname(socketPath)).mode & 0o777, 0o750);
  assert.equal(statSync(socketPath).mode & 0o007, 0, 'no access for others');
});

test('unknown methods, bad JSON and failing handlers get error replies; the server lives on', async () => {
  await assert.rejects(callApi('nope', {}, { socketPath }), (error: unknown) => error instanceof TandemError && error.code === 'E_BAD_REQUEST' && /unknown method 'nope'/.test(error.message));
  await assert.rejects(callApi('refuse', {}, { socketPath }), (error: unknown) => error instanceof TandemError && error.code === 'E_NOPE' && error.exitCode === 107);
  await assert.rejects(callApi('boom', {}, { socketPath }), (error: unknown) => error instanceof TandemError && /handler exploded/.test(error.message));
  const garbage = JSON.parse(await rawExchange('{not json\n')) as { ok: boolean; error: { code: string } };
  assert.equal(garbage.ok, false);
  assert.equal(garbage.error.code, 'E_BAD_REQUEST');
  const oversized = JSON.parse(await rawExchange('x'.repeat(5 * 1024 * 1024))) as { ok: boolean; error: { message: string } };
  assert.match(oversized.error.message, /larger than/);
  assert.deepEqual(await callApi('echo', { still: 'alive' }, { socketPath }), { still: 'alive' });
});

test('a second server on the same socket is refused', async () => {
  const second = new ApiServer({ socketPath, handlers, log: pino({ level: 'silent' }) });
  await assert.rejects(second.start(), (error: unknown) => error instanceof TandemError && error.code === 'E_SOCKET_IN_USE');
});

test('a non-root client outside haclient is refused with a clear message', async () => {
  assert.equal(process.getuid?.(), 0, 'this test needs root to run a client as nobody');
  const clientModule = path.join(repoRoot, 'dist/src/daemon/api/client.js');
  const script = `import(${JSON.stringify(clientModule)}).then(({ callApi }) => callApi('echo', {}, { socketPath: ${JSON.stringify(socketPath)} }))
    .then(() => { console.log('ALLOWED'); }, (error) => { console.log(error.code + ' ' + error.message); process.exit(error.exitCode); })`;
  const result = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], { reject: false });
  assert.match(result.stdout, /^E_PERMISSION permission denied .*haclient/);
  assert.equal(result.exitCode, 4);
});
