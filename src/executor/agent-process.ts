/**
 * Runs one agent process to completion, Pacemaker-style:
 * - the agent leads its own process group (spawned detached), so a timeout
 *   reaches everything it started: SIGTERM to the group at the timeout,
 *   SIGKILL to the group after a grace period;
 * - the action ends when the agent process itself exits; a daemon it leaves
 *   behind holding stdout/stderr open does not hold the executor: the pipes
 *   are read for a short grace after the exit, then closed;
 * - only a bounded tail of each output stream is kept.
 */
import { execa, type ResultPromise } from 'execa';
import { logger } from '../log.js';
import { OutputTail, defaultTailBytes } from './output-tail.js';

const log = logger('executor');

export interface AgentProcessOptions {
  file: string;
  args: readonly string[];
  env: Record<string, string>;
  /** Written to the agent's stdin, then closed (fence agents read their options there). */
  stdinText?: string;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL at a timeout; default 2000 ms. */
  killGraceMs?: number;
  /** After the agent exited, output is read until its pipes are silent this long; default 200 ms. */
  pipeGraceMs?: number;
  /** The most time spent reading output after the agent exited; default 5000 ms. */
  drainLimitMs?: number;
  /** Bytes kept of each stream; default 64 KiB. */
  tailBytes?: number;
}

export interface AgentProcessOutcome {
  pid?: number;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  /** errno code when the process could not be started (ENOENT, EACCES ...). */
  spawnError?: string;
  spawnErrorMessage?: string;
  stdoutTail: string;
  stderrTail: string;
  outputTruncated: boolean;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the whole group is already gone, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') log.warn({ pid, signal, err: error }, 'could not signal agent process group');
  }
}

/**
 * Waits until both pipes reach end of file, or until they have been silent
 * for `idleMs` (a daemon holding them open, saying nothing), or `limitMs`
 * at most (a daemon that keeps talking). Silence rather than a fixed delay,
 * so that the last lines of a busy agent (its exit reason) are not cut on a
 * loaded machine.
 */
async function drainPipes(subprocess: ResultPromise, idleMs: number, limitMs: number): Promise<void> {
  const ended = subprocess.then(
    () => undefined,
    (error: unknown) => log.debug({ pid: subprocess.pid, err: error }, 'agent output stream ended with an error'),
  );
  let idleTimer: NodeJS.Timeout | undefined;
  let capTimer: NodeJS.Timeout | undefined;
  const onData = (): void => { idleTimer?.refresh(); };
  subprocess.stdout?.on('data', onData);
  subprocess.stderr?.on('data', onData);
  try {
    await Promise.race([
      ended,
      new Promise<void>((resolve) => {
        idleTimer = setTimeout(resolve, idleMs);
        capTimer = setTimeout(resolve, limitMs);
      }),
    ]);
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(capTimer);
    subprocess.stdout?.off('data', onData);
    subprocess.stderr?.off('data', onData);
  }
}

/**
 * Runs `file args` and resolves when the agent process has exited (or could
 * not start). Never rejects: every failure is described in the outcome.
 */
export async function runAgentProcess(options: AgentProcessOptions): Promise<AgentProcessOutcome> {
  const killGraceMs = options.killGraceMs ?? 2000;
  const pipeGraceMs = options.pipeGraceMs ?? 200;
  const stdoutTail = new OutputTail(options.tailBytes ?? defaultTailBytes);
  const stderrTail = new OutputTail(options.tailBytes ?? defaultTailBytes);

  const subprocess = execa(options.file, [...options.args], {
    env: options.env,
    extendEnv: false,
    detached: true, // own process group, so a timeout can signal all of it
    cleanup: false, // agents may legitimately leave daemons behind
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    ...(options.stdinText === undefined ? { stdin: 'ignore' as const } : { input: options.stdinText }),
  });
  subprocess.stdout?.on('data', (chunk: Buffer) => stdoutTail.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => stderrTail.push(chunk));

  const pid = subprocess.pid;
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;

  const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    subprocess.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });

  if (pid === undefined) {
    // execa settles with the spawn error (ENOENT, EACCES ...) when reject is off.
    const result = await subprocess;
    return {
      timedOut: false,
      spawnError: typeof result.code === 'string' ? result.code : 'EUNKNOWN',
      spawnErrorMessage: result.originalMessage ?? result.message,
      stdoutTail: '', stderrTail: '', outputTruncated: false,
    };
  }

  const termTimer = setTimeout(() => {
    timedOut = true;
    log.warn({ pid, file: options.file, args: options.args, timeoutMs: options.timeoutMs }, 'agent timed out: SIGTERM to its process group');
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), killGraceMs);
  }, options.timeoutMs);

  const { exitCode, signal } = await exited;
  clearTimeout(termTimer);
  // What the agent started may outlive the agent's own death by SIGTERM: the
  // SIGKILL to the group still comes at the end of the grace, without
  // holding the result back.
  killTimer?.unref();

  await drainPipes(subprocess, pipeGraceMs, options.drainLimitMs ?? 5000);
  subprocess.stdout?.destroy();
  subprocess.stderr?.destroy();

  return {
    pid,
    ...(exitCode === null ? {} : { exitCode }),
    ...(signal === null ? {} : { signal }),
    timedOut,
    stdoutTail: stdoutTail.text(),
    stderrTail: stderrTail.text(),
    outputTruncated: stdoutTail.truncated || stderrTail.truncated,
  };
}
