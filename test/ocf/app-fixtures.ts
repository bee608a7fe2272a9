/**
 * Real servers and processes for the App agent's tests: small Node scripts
 * written to a scratch directory, a free loopback port, and cleanup that ends
 * only the processes a test started (by pid).
 */
import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
  return address.port;
}

/**
 * Writes an HTTP server script: it listens on `port` after `delayMs`, exits
 * with `exitCode` after `dieAfterMs` (when given), and closes its listener
 * while staying alive after `closeAfterMs` (when given).
 */
export function serverScript(directory: string, name: string, options: { port: number; delayMs: number; dieAfterMs?: number; closeAfterMs?: number; exitCode?: number }): string {
  const path = join(directory, `${name}.cjs`);
  writeFileSync(path, `
const http = require('node:http');
console.log('server ' + process.pid + ' starting');
setTimeout(() => {
  const server = http.createServer((request, response) => response.end('ok\\n'));
  server.listen(${options.port}, '127.0.0.1', () => console.log('listening on ${options.port}'));
  ${options.closeAfterMs === undefined ? '' : `setTimeout(() => { server.close(); console.log('closed'); setInterval(() => {}, 1000); }, ${options.closeAfterMs});`}
}, ${options.delayMs});
${options.dieAfterMs === undefined ? '' : `setTimeout(() => { console.log('dying'); process.exit(${options.exitCode ?? 3}); }, ${options.dieAfterMs});`}
`);
  return path;
}

/** The pid on line 1 of a pid file, or undefined. */
export function pidFromFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // no pid file: nothing to clean up
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false; // ESRCH: gone
  }
}

/** SIGKILL to a process group we started (and its leader), ignoring ones already gone. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
