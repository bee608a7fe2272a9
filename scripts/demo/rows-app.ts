/**
 * The demo's service: a small HTTP application keeping rows in PostgreSQL,
 * run by tandem:App on the node that holds the database. A row is
 * acknowledged (200) only once PostgreSQL committed it (synchronous_commit
 * on, the default), so a client that got 200 may count on it surviving a
 * failover. It talks to the server through psql over the Unix socket, so
 * it needs no client library.
 *
 *   POST /rows?value=V   insert V (letters, digits, - and _), answer {"id": N}
 *   GET  /rows           {"values": [...]} every stored value
 *   GET  /health         200 when the database answers
 *
 * Environment: PGHOST (socket directory), PGPORT, PGDATABASE, PSQL (path of
 * psql), ROWS_APP_LISTEN (host:port, default 0.0.0.0:8080).
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { TandemError } from '../../src/errors.js';

const psqlPath = process.env['PSQL'] ?? 'psql';
const listen = process.env['ROWS_APP_LISTEN'] ?? '0.0.0.0:8080';
const valuePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Runs one SQL statement; resolves to its unaligned, tuples-only output. @throws TandemError with psql's message. */
function sql(statement: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(psqlPath, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', statement], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new TandemError('E_SQL', `psql: ${stderr.trim() || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  response.end(JSON.stringify(body) + '\n');
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://app');
  if (url.pathname === '/health' && request.method === 'GET') {
    await sql('SELECT 1');
    reply(response, 200, { ok: true });
  } else if (url.pathname === '/rows' && request.method === 'POST') {
    const value = url.searchParams.get('value') ?? '';
    if (!valuePattern.test(value)) return reply(response, 400, { error: `value '${value.slice(0, 80)}' is not 1-64 letters, digits, - or _` });
    const id = await sql(`INSERT INTO rows (value) VALUES ('${value}') RETURNING id`);
    reply(response, 200, { id: Number(id) });
  } else if (url.pathname === '/rows' && request.method === 'GET') {
    const values = await sql('SELECT value FROM rows ORDER BY id');
    reply(response, 200, { values: values === '' ? [] : values.split('\n') });
  } else {
    reply(response, 404, { error: `no route ${request.method ?? '?'} ${url.pathname}` });
  }
}

async function main(): Promise<void> {
  await sql('CREATE TABLE IF NOT EXISTS rows (id bigserial PRIMARY KEY, value text NOT NULL UNIQUE, at timestamptz NOT NULL DEFAULT now())');
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => reply(response, 503, { error: (error as Error).message }));
  });
  const colon = listen.lastIndexOf(':');
  server.listen(Number(listen.slice(colon + 1)), listen.slice(0, colon), () => process.stdout.write(`rows-app listening on ${listen}\n`));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.close(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`rows-app: ${(error as Error).message}\n`);
  process.exit(1);
});
