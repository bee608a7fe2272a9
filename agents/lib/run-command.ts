/**
 * Runs one external command for an agent and collects what it printed.
 * Agents are an edge: they drive ip, arping, pg_ctl, mount ... directly, so
 * this uses node:child_process (no execa: an agent must start fast).
 */
import { spawn } from 'node:child_process';

/** How long a command killed at its timeout may take to go before it is left behind. */
const ABANDON_AFTER_KILL_MS = 1000;

/** What a finished command produced. */
export interface CommandResult {
  /** Exit status; null when it was killed by a signal (see `signal`). */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when it ran past `timeoutMs` and was killed. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Kill (SIGKILL) the command after this many milliseconds; default 30 000. */
  readonly timeoutMs?: number;
  /** Run as this numeric uid/gid (the caller must be root). */
  readonly uid?: number;
  readonly gid?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Text written to the command's stdin; default: stdin is /dev/null. */
  readonly input?: string;
}

/**
 * Runs `file` with `args` (no shell) and resolves when it has exited, or
 * at the latest a second after it was killed at its timeout (left behind
 * if it is blocked where even SIGKILL waits).
 * Never rejects for a non-zero exit: callers look at `exitCode`.
 * @throws Error when the command cannot be started at all (ENOENT, EACCES).
 */
export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let abandon: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      // A command blocked in a device that does not answer (a stat on a dead array) may not die
      // even of SIGKILL until the device answers: the agent does not wait for it past its timeout.
      abandon = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.unref();
        resolve({ exitCode: null, signal: null, stdout, stderr, timedOut });
      }, ABANDON_AFTER_KILL_MS);
    }, Math.max(1, options.timeoutMs ?? 30_000));
    child.once('error', (error) => {
      clearTimeout(timer);
      clearTimeout(abandon);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearTimeout(abandon);
      resolve({ exitCode, signal, stdout, stderr, timedOut });
    });
  });
}

/** A one-line summary of a failed command for an exit reason: its stderr, else its status. */
export function describeFailure(command: string, result: CommandResult): string {
  if (result.timedOut) return `${command} did not finish in time`;
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').filter(Boolean).pop();
  const status = result.signal === null ? `exit ${result.exitCode}` : `signal ${result.signal}`;
  return text === undefined ? `${command} failed (${status})` : `${command} failed (${status}): ${text}`;
}

/** Resolves after `ms` milliseconds. */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
