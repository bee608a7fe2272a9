/**
 * `tandem cluster start|stop`: through systemd when it is the init system
 * (`systemctl start|stop tandem`; the unit's TimeoutStopSec gives tandemd
 * the time to move the resources away), otherwise — containers, test
 * namespaces — tandemd runs in the background with a pid file in its run
 * directory, and stop sends SIGTERM to that PID and waits for the exit
 * (tandemd hands its resources over first).
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { TandemError, ExitCode, TimeoutError } from '../../errors.js';
import { apiSocketPath, callApi } from '../../daemon/api/client.js';

export type InitSystem = 'systemd' | 'direct';

/**
 * systemd when it runs as init (sd_booted(3): /run/systemd/system exists);
 * TANDEM_INIT=systemd|direct overrides it (tests, and containers that have
 * the directory without systemd).
 */
export function detectInitSystem(env: NodeJS.ProcessEnv = process.env): InitSystem {
  const forced = env['TANDEM_INIT'];
  if (forced === 'systemd' || forced === 'direct') return forced;
  return existsSync('/run/systemd/system') ? 'systemd' : 'direct';
}

export interface DirectDaemonOptions {
  configPath: string;
  nodeName?: string;
  stateDir: string;
  runDir: string;
  logFile: string;
  fenceAgentDir?: string;
  /** How long start waits for the API to answer, stop for the exit. */
  timeoutMs: number;
}

export interface ControlResult { changed: boolean; message: string; pid?: number }

const unitName = 'tandem';
const daemonScript = fileURLToPath(new URL('../../daemon/main.js', import.meta.url));

export function pidFilePath(runDir: string): string {
  return join(runDir, 'tandemd.pid');
}

/** The PID in the pid file when that process is alive and is a tandemd. */
export function runningPid(runDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFilePath(runDir), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    // a stale pid file may name a PID reused by another program
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /tandemd|daemon\/main\.js/.test(cmdline) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function lastLines(file: string, count = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts tandemd in the background and waits until its API answers.
 * @throws TandemError E_START_FAILED (with the log's last lines) when it
 * exits first; TimeoutError when it does not answer in time (it is then stopped).
 */
export async function startDirect(options: DirectDaemonOptions): Promise<ControlResult> {
  const already = runningPid(options.runDir);
  if (already !== undefined) return { changed: false, message: `tandemd is already running (pid ${already})`, pid: already };
  await mkdir(options.runDir, { recursive: true, mode: 0o750 });
  await mkdir(options.stateDir, { recursive: true, mode: 0o750 });
  await mkdir(dirname(options.logFile), { recursive: true, mode: 0o750 });
  const log = openSync(options.logFile, 'a', 0o640);
  const args = [daemonScript, '--config', options.configPath, '--state-dir', options.stateDir, '--run-dir', options.runDir];
  if (options.nodeName !== undefined) args.push('--node', options.nodeName);
  if (options.fenceAgentDir !== undefined) args.push('--fence-agent-dir', options.fenceAgentDir);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new TandemError('E_START_FAILED', `cannot start ${process.execPath} ${daemonScript}`, { exitCode: ExitCode.osErr });
  await writeFile(pidFilePath(options.runDir), `${pid}\n`);
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new TandemError('E_START_FAILED', `tandemd exited (${child.exitCode ?? child.signalCode}) while starting; last lines of ${options.logFile}:\n${lastLines(options.logFile)}`, { exitCode: ExitCode.error, context: { logFile: options.logFile } });
      }
      const answered = await callApi('status', {}, { socketPath: apiSocketPath(options.runDir), timeoutMs: 2000 }).then(() => true, () => false);
      if (answered) break;
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new TimeoutError(`tandemd did not answer on ${apiSocketPath(options.runDir)} within ${options.timeoutMs} ms; stopped it. Log: ${options.logFile}`, { logFile: options.logFile });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await rm(pidFilePath(options.runDir), { force: true });
    throw error;
  }
  child.unref();
  return { changed: true, message: `tandemd started (pid ${pid}, log ${options.logFile})`, pid };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the pid file's tandemd, then waits for it to exit (it moves
 * its resources away first).
 * @throws TimeoutError (exit 124) when it is still running after the timeout.
 */
export async function stopDirect(options: Pick<DirectDaemonOptions, 'runDir' | 'timeoutMs'>): Promise<ControlResult> {
  const pid = runningPid(options.runDir);
  if (pid === undefined) {
    await rm(pidFilePath(options.runDir), { force: true });
    return { changed: false, message: 'tandemd is not running' };
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + options.timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new TimeoutError(`tandemd (pid ${pid}) is still stopping after ${options.timeoutMs} ms (moving resources away?); it was left running`, { pid });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await rm(pidFilePath(options.runDir), { force: true });
  return { changed: true, message: `tandemd stopped (pid ${pid}); its resources were handed over first`, pid };
}

/**
 * systemctl start|stop of the tandem unit, after `is-active` says whether
 * anything needs doing.
 * @throws TandemError E_SYSTEMCTL with systemctl's own message on failure.
 */
export async function controlSystemd(action: 'start' | 'stop'): Promise<ControlResult> {
  const active = (await execa('systemctl', ['is-active', '--quiet', unitName], { reject: false })).exitCode === 0;
  if (active === (action === 'start')) return { changed: false, message: `${unitName}.service is already ${action === 'start' ? 'running' : 'stopped'}` };
  const result = await execa('systemctl', [action, unitName], { reject: false });
  if (result.exitCode !== 0) {
    throw new TandemError('E_SYSTEMCTL', `systemctl ${action} ${unitName} failed: ${(result.stderr || result.stdout).trim()}`, { exitCode: ExitCode.error });
  }
  return { changed: true, message: `${unitName}.service ${action === 'start' ? 'started' : 'stopped'}` };
}
