/**
 * Stops the application: SIGTERM to its process group and to every process
 * of its session, then SIGKILL when the action's time is nearly up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppRecord } from './pid-file.js';
import { sessionOf } from './app-state.js';
import { isLive, readProcStat } from './process-identity.js';

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Live processes that are ours: the leader if it is still the one we started, and its session. */
export function ourProcesses(record: AppRecord): number[] {
  const pids = new Set(sessionOf(record).map((member) => member.pid));
  const leader = readProcStat(record.pid);
  if (isLive(leader) && leader.startTicks === record.startTicks) pids.add(record.pid);
  return [...pids];
}

function signalAll(record: AppRecord, pids: readonly number[], name: NodeJS.Signals): void {
  // The group -pid is still ours while any of ours lives: Linux does not reuse a pid that names a live group.
  if (pids.length > 0) signal(-record.pid, name);
  for (const pid of pids) signal(pid, name);
}

async function waitGone(record: AppRecord, untilMs: number, now: () => number): Promise<number[]> {
  for (;;) {
    const left = ourProcesses(record);
    if (left.length === 0 || now() >= untilMs) return left;
    await sleep(Math.min(100, Math.max(10, untilMs - now())));
  }
}

/**
 * Terminates every process of the application. `remainingMs` is the stop
 * action's time left; SIGKILL comes `killMarginMs` before it runs out.
 * Returns the pids still alive at the end (empty on success).
 */
export async function terminateApp(record: AppRecord, remainingMs: () => number, killMarginMs: number): Promise<number[]> {
  const now = (): number => performance.now();
  const pids = ourProcesses(record);
  if (pids.length === 0) return [];
  signalAll(record, pids, 'SIGTERM');
  const left = await waitGone(record, now() + Math.max(0, remainingMs() - killMarginMs), now);
  if (left.length === 0) return [];
  signalAll(record, left, 'SIGKILL');
  return waitGone(record, now() + Math.max(200, remainingMs() - 200), now);
}
