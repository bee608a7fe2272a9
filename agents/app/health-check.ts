/**
 * The App's readiness and health checks: a TCP connect, an HTTP GET (status
 * below 400), or a command that exits 0. Node's net, http and child_process
 * are imported only when a check runs, so a plain monitor never loads them.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface HealthChecks {
  /** host:port that must accept a TCP connection. */
  readonly tcp?: string;
  /** http:// URL that must answer with a status below 400. */
  readonly http?: string;
  /** Shell command that must exit 0. */
  readonly command?: string;
  /** Run the command check as this uid/gid (the application's user). */
  readonly runAs?: { readonly uid: number; readonly gid: number };
}

/** The outcome of one round of checks: undefined when all passed, else what failed. */
export type CheckFailure = string | undefined;

export function hasChecks(checks: HealthChecks): boolean {
  return Boolean(checks.tcp || checks.http || checks.command);
}

/** Splits host:port ([v6]:port too). Returns undefined when malformed. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (match === null || !(port > 0 && port < 65536)) return undefined;
  return { host: (match[1] ?? match[2]) as string, port };
}

async function checkTcp(target: string, timeoutMs: number): Promise<CheckFailure> {
  const address = parseHostPort(target);
  if (address === undefined) return `tcp check '${target}' is not host:port`;
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port, timeout: timeoutMs });
    const done = (failure: CheckFailure): void => { socket.destroy(); resolve(failure); };
    socket.once('connect', () => done(undefined));
    socket.once('timeout', () => done(`tcp ${target}: no answer in ${timeoutMs} ms`));
    socket.once('error', (error) => done(`tcp ${target}: ${error.message}`));
  });
}

async function checkHttp(url: string, timeoutMs: number): Promise<CheckFailure> {
  const { get } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const request = get(url, { timeout: timeoutMs }, (response: import('node:http').IncomingMessage) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve(status > 0 && status < 400 ? undefined : `http ${url}: status ${status}`);
    });
    request.once('timeout', () => { request.destroy(); resolve(`http ${url}: no answer in ${timeoutMs} ms`); });
    request.once('error', (error: Error) => resolve(`http ${url}: ${error.message}`));
  });
}

async function checkCommand(command: string, timeoutMs: number, env: NodeJS.ProcessEnv, runAs: HealthChecks['runAs']): Promise<CheckFailure> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore', env, timeout: timeoutMs, killSignal: 'SIGKILL', ...(runAs ?? {}) });
    child.once('error', (error) => resolve(`check command: ${error.message}`));
    child.once('exit', (code, signal) => resolve(code === 0 ? undefined : `check command '${command}' ${signal ? `killed by ${signal}` : `exited ${code}`}`));
  });
}

/** Runs every configured check once, each bounded by `timeoutMs`; the first failure wins. */
export async function runChecks(checks: HealthChecks, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<CheckFailure> {
  const bounded = Math.max(100, timeoutMs);
  if (checks.tcp) { const failure = await checkTcp(checks.tcp, bounded); if (failure) return failure; }
  if (checks.http) { const failure = await checkHttp(checks.http, bounded); if (failure) return failure; }
  if (checks.command) { const failure = await checkCommand(checks.command, bounded, env, checks.runAs); if (failure) return failure; }
  return undefined;
}

/**
 * Repeats the checks every `intervalMs` until they pass, `stillAlive` says
 * the application died, or `remainingMs` runs out. Returns the last failure
 * (undefined on success).
 */
export async function pollUntilHealthy(
  checks: HealthChecks,
  options: { intervalMs: number; remainingMs: () => number; stillAlive: () => CheckFailure; env?: NodeJS.ProcessEnv },
): Promise<CheckFailure> {
  for (;;) {
    const dead = options.stillAlive();
    if (dead !== undefined) return dead;
    const failure = await runChecks(checks, Math.min(5000, options.remainingMs()), options.env);
    if (failure === undefined) return undefined;
    if (options.remainingMs() <= options.intervalMs) return `not ready before the timeout: ${failure}`;
    await sleep(options.intervalMs);
  }
}
