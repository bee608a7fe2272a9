/**
 * Unmounting a mount that processes may still hold: try, then signal exactly
 * the holders of this mount (TERM, then KILL after a grace period), then try
 * again. Never lazily: a mount that stays busy is a failure, with the holders
 * named.
 */
import { describeHolders, findHolders } from './proc-holders.js';
import { unmount } from './mounts.js';
import { sleepMs } from './run-command.js';

export interface ReleaseOptions {
  /** The mount's id in this namespace (mountinfo's first field). */
  readonly mountId: number;
  /** Grace period between TERM and KILL. */
  readonly termWaitMs: number;
  /** Milliseconds the caller has left (the action's remaining time). */
  readonly remainingMs: () => number;
  readonly log: { warn(message: string): void };
}

function signalHolders(mountPoint: string, options: ReleaseOptions, signal: NodeJS.Signals): number {
  const holders = findHolders(options.mountId);
  if (holders.length > 0) options.log.warn(`sending ${signal} to processes holding ${mountPoint}: ${describeHolders(holders)}`);
  for (const holder of holders) {
    try {
      process.kill(holder.pid, signal);
    } catch (error) {
      options.log.warn(`kill -${signal} ${holder.pid}: ${(error as Error).message}`);
    }
  }
  return holders.length;
}

async function waitUntilReleased(mountId: number, deadlineMs: number): Promise<boolean> {
  for (;;) {
    if (findHolders(mountId).length === 0) return true;
    if (performance.now() >= deadlineMs) return false;
    await sleepMs(100);
  }
}

/**
 * Unmounts `mountPoint`, signalling its holders when it is busy.
 * Resolves to undefined on success, else to the reason (umount's message and
 * the holders left).
 */
export async function releaseAndUnmount(mountPoint: string, options: ReleaseOptions): Promise<string | undefined> {
  const commandTimeoutMs = (): number => Math.max(1000, options.remainingMs() - 1000);
  if ((await unmount(mountPoint, commandTimeoutMs())) === undefined) return undefined;
  if (signalHolders(mountPoint, options, 'SIGTERM') > 0) {
    const termBudgetMs = Math.min(options.termWaitMs, Math.max(0, options.remainingMs() / 2));
    if (!(await waitUntilReleased(options.mountId, performance.now() + termBudgetMs))) {
      signalHolders(mountPoint, options, 'SIGKILL');
      await waitUntilReleased(options.mountId, performance.now() + Math.max(0, options.remainingMs() - 2000));
    }
  }
  const failure = await unmount(mountPoint, commandTimeoutMs());
  if (failure === undefined) return undefined;
  const holders = findHolders(options.mountId);
  return `${failure}${holders.length > 0 ? `; still held by ${describeHolders(holders)}` : ''}`;
}
