/**
 * The demo's client: writes rows through the service address, one after
 * the other, and prints one JSON line per attempt on stdout:
 *   {"ack":"VALUE","atMs":N}            the app answered 200 (committed)
 *   {"fail":"VALUE","atMs":N,"error":T}  no answer, or an error status
 * A failed row is not retried under the same value (its fate is unknown);
 * the next row gets a new one. Stops on SIGTERM/SIGINT or after
 * --max-seconds (a bound, so it never runs on by itself).
 *
 *   node rows-client.js --url http://198.19.9.100:8080 --prefix run1 [--max-seconds 300]
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { url: { type: 'string' }, prefix: { type: 'string', default: 'row' }, 'max-seconds': { type: 'string', default: '300' } } });
const base = values.url;
if (base === undefined) {
  process.stderr.write('rows-client: --url is required (e.g. http://198.19.9.100:8080)\n');
  process.exit(64);
}
const requestTimeoutMs = 1000;
const deadlineMs = Date.now() + Number(values['max-seconds']) * 1000;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => { stopping = true; });

/** POSTs one row; resolves to undefined on 200, else to what went wrong. */
function postRow(value: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(`${base}/rows?value=${value}`, { method: 'POST', agent: false, timeout: requestTimeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200 ? undefined : `HTTP ${response.statusCode ?? '?'}`));
      response.on('error', (error) => resolve(error.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${requestTimeoutMs} ms`)));
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}

for (let n = 1; !stopping && Date.now() < deadlineMs; n++) {
  const value = `${values.prefix}-${n}`;
  const error = await postRow(value);
  const line = error === undefined ? { ack: value, atMs: Date.now() } : { fail: value, atMs: Date.now(), error };
  process.stdout.write(JSON.stringify(line) + '\n');
  if (error !== undefined) await new Promise((resolve) => setTimeout(resolve, 50));
}
