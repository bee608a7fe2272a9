/**
 * The processes of this host as /proc shows them: which pids exist, their
 * command name, working directory. Reads only; signalling is the caller's.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Every numeric entry of /proc: the pids visible in this pid namespace. */
export function listPids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

/** True when `pid` exists (signal 0 succeeds or is refused for permission). */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command name (/proc/PID/comm), or undefined when it is gone. */
export function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined; // exited between listing and reading
  }
}

/** The process's working directory (/proc/PID/cwd), or undefined when it is gone or hidden. */
export function readCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined; // exited, or a kernel thread
  }
}

/** The process's state letter from /proc/PID/stat (R, S, D, Z ...), or undefined when gone. */
export function readState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined; // exited
  }
}

/** True when the pid exists and is not a zombie (a zombie holds no files and no port). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const state = readState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Waits until every pid of `pids` has exited (or is a zombie) or `deadlineMs` (performance.now) passes; returns those still running. */
export async function waitForExit(pids: readonly number[], deadlineMs: number): Promise<number[]> {
  let running = pids.filter(isRunning);
  while (running.length > 0 && performance.now() < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    running = running.filter(isRunning);
  }
  return running;
}

/** Sends SIGKILL to each pid, reporting (not throwing) a pid that cannot be signalled. */
export function killAll(pids: readonly number[], warn: (message: string) => void): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      warn(`kill -KILL ${pid}: ${(error as Error).message}`);
    }
  }
}
