/**
 * An NBD export as a local file, through libnbd's nbdfuse: for hosts whose
 * kernel has no nbd module (containers, some cloud kernels). The file is
 * then attached through a loop device like any volume file. The FUSE mount
 * lives in the agent's state directory (per node), so one node never finds
 * another node's loop device by its backing file's path.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { unmountFuse } from './fuse-unmount.js';
import { mountAt, readMounts } from './mounts.js';
import { isRunning, readComm, waitForExit } from './processes.js';
import { sleepMs } from './run-command.js';

/** Where one instance's nbdfuse mounts and records itself. */
export interface NbdFusePaths {
  /** The FUSE mount point. */
  readonly directory: string;
  /** The file nbdfuse serves the export as. */
  readonly file: string;
  readonly pidFile: string;
}

/** True for the NBD URIs libnbd takes (nbd://, nbds://, nbd+unix://, nbd+tcp:// ...). */
export function isNbdUri(device: string): boolean {
  return /^nbds?(\+unix|\+tcp|\+vsock)?:\/\//.test(device);
}

/** The paths of `instance` under the OCF state directory. */
export function nbdFusePaths(stateDir: string, instance: string): NbdFusePaths {
  const directory = path.join(stateDir, `PhysicalVolume-${instance}.nbdfuse`);
  return { directory, file: path.join(directory, 'nbd'), pidFile: `${directory}.pid` };
}

function recordedPid(paths: NbdFusePaths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // no pid file: not started here
  }
}

/** True when this instance's nbdfuse runs and its mount is in place. */
export function nbdFuseServing(paths: NbdFusePaths): boolean {
  const pid = recordedPid(paths);
  return pid !== undefined && isRunning(pid) && mountAt(readMounts(), paths.directory) !== undefined;
}

/**
 * Serves `uri` as `paths.file` (idempotent). nbdfuse writes its pid file
 * only once the export is connected and the file is there.
 * @throws Error naming the URI when nbdfuse exits or is not ready within
 *   `timeoutMs`, or when a crashed nbdfuse's mount cannot be removed first.
 */
export async function attachNbdFuse(uri: string, paths: NbdFusePaths, timeoutMs: number, log: (message: string) => void): Promise<string> {
  if (nbdFuseServing(paths)) return paths.file;
  await detachNbdFuse(paths, 5000, log); // leftovers of a crashed nbdfuse
  mkdirSync(paths.directory, { recursive: true });
  const child = spawn('nbdfuse', ['-P', paths.pidFile, `${paths.directory}/`, uri], { detached: true, stdio: 'ignore' });
  let exit: string | undefined;
  child.once('exit', (code, signal) => { exit = signal === null ? `exited with ${code}` : `was killed by ${signal}`; });
  child.once('error', (error) => { exit = `could not run: ${error.message}`; });
  child.unref();
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exit !== undefined) throw new Error(`nbdfuse for ${uri} ${exit}`);
    if (recordedPid(paths) !== undefined && existsSync(paths.file)) return paths.file;
    await sleepMs(50);
  }
  throw new Error(`nbdfuse did not serve ${uri} within ${timeoutMs} ms`);
}

/** How long nbdfuse gets to exit on its own after the unmount before it is sent SIGTERM. */
const exitGraceMs = 5000;

function signalNbdFuse(pid: number, signal: NodeJS.Signals, log: (message: string) => void): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    log(`kill -${signal} ${pid} (nbdfuse): ${(error as Error).message}`);
  }
}

/**
 * Unmounts the FUSE file (see `unmountFuse`: tried again while busy) and
 * waits for nbdfuse to exit, all within `timeoutMs`. nbdfuse exits once no
 * mount namespace has its mount any more; a namespace made while it was
 * mounted (`unshare -m`, `ip netns exec`) keeps a copy until that namespace
 * ends. So nbdfuse gets 5 s to exit on its own, then SIGTERM (an orderly
 * exit that closes the export), then SIGKILL when `timeoutMs` has passed.
 * Call only once nothing uses the file: detach its loop devices with
 * `detachLoopAndWait`, which waits until the kernel has let go of the file.
 * @throws Error when the mount cannot be removed, naming what holds it where that is found.
 */
export async function detachNbdFuse(paths: NbdFusePaths, timeoutMs: number, log: (message: string) => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const pid = recordedPid(paths);
  if (mountAt(readMounts(), paths.directory) !== undefined) await unmountFuse(paths.directory, timeoutMs, log);
  // A stale pid file's pid may belong to another program by now.
  if (pid !== undefined && readComm(pid) === 'nbdfuse') {
    let survivors = await waitForExit([pid], Math.min(deadline, performance.now() + exitGraceMs));
    if (survivors.length > 0) {
      log(`nbdfuse ${pid} still serves ${paths.file} after the unmount (another mount namespace may still have its mount): sending SIGTERM`);
      signalNbdFuse(pid, 'SIGTERM', log);
      survivors = await waitForExit(survivors, deadline);
    }
    for (const survivor of survivors) {
      log(`nbdfuse ${survivor} did not exit after SIGTERM: sending SIGKILL`);
      signalNbdFuse(survivor, 'SIGKILL', log);
    }
  }
  rmSync(paths.pidFile, { force: true });
}
