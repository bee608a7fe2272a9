/**
 * Unmounting a FUSE mount with fusermount3, never lazily. A mount that is
 * busy only for a moment (a loop device on one of its files that the kernel
 * has not released yet, a process closing a file) is tried again with a
 * short backoff; one that stays busy is a failure that names what holds it.
 */
import { describeDeviceUsers, findDeviceUsers } from './block-device-users.js';
import { loopBackingFiles } from './loop-device.js';
import { mountAt, readMounts, type MountEntry } from './mounts.js';
import { describeHolders, findHolders } from './proc-holders.js';
import { describeFailure, runCommand, sleepMs } from './run-command.js';

function fuseMountAt(mountPoint: string): MountEntry | undefined {
  const entry = mountAt(readMounts(), mountPoint);
  return entry !== undefined && (entry.fsType === 'fuse' || entry.fsType.startsWith('fuse.') || entry.fsType === 'fuseblk') ? entry : undefined;
}

/**
 * What keeps the mount `mount` (of this mount namespace) busy: loop devices
 * attached to its files (and what keeps each of those open), processes
 * with files, working directory, root or maps on it, mounts on top of or
 * inside it. Best effort; empty when nothing is found.
 */
export function describeFuseMountUsers(mount: MountEntry): string {
  const found: string[] = [];
  const prefix = mount.mountPoint === '/' ? '/' : `${mount.mountPoint}/`;
  for (const loop of loopBackingFiles().filter((entry) => entry.backingFile.startsWith(prefix))) {
    const users = describeDeviceUsers(findDeviceUsers(loop.device));
    found.push(`${loop.device} is attached to ${loop.backingFile}${users === '' ? '' : ` (${users})`}`);
  }
  const holders = findHolders(mount.mountId);
  if (holders.length > 0) found.push(`processes use it: ${describeHolders(holders)}`);
  const submounts = readMounts().filter((entry) => entry.parentId === mount.mountId);
  if (submounts.length > 0) found.push(`mounted on it: ${submounts.map((entry) => entry.mountPoint).join(', ')}`);
  return found.join('; ');
}

/**
 * Unmounts the FUSE mount at `mountPoint` (`fusermount3 -u`, never lazily)
 * and resolves once it is gone from this mount namespace; at once when no
 * FUSE mount is there. While fusermount3 finds the mount busy it is tried
 * again, with a backoff from 20 ms up to 500 ms, until `timeoutMs` has
 * passed. The FUSE server (nbdfuse ...) is not waited for: it exits on its
 * own once no mount namespace has the mount any more.
 * @throws Error when fusermount3 fails for another reason than a busy
 *   mount, or the mount is still busy after `timeoutMs`; the message names
 *   what holds it where that is found.
 */
export async function unmountFuse(mountPoint: string, timeoutMs: number, log: (message: string) => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let busySinceMs: number | undefined;
  for (let delayMs = 20; ; delayMs = Math.min(delayMs * 2, 500)) {
    const mount = fuseMountAt(mountPoint);
    if (mount === undefined) {
      if (busySinceMs !== undefined) log(`${mountPoint} unmounted after being busy for ${Math.round(performance.now() - busySinceMs)} ms`);
      return;
    }
    // LC_ALL=C: "busy" is recognised by fusermount3's (strerror's) English text.
    const result = await runCommand('fusermount3', ['-u', mountPoint], {
      timeoutMs: Math.max(1000, deadline - performance.now()), env: { ...process.env, LC_ALL: 'C' },
    });
    let failure = `${mountPoint} is still mounted after fusermount3 -u succeeded`; // another FUSE mount under it: the next round takes it
    if (result.exitCode !== 0) {
      failure = describeFailure(`fusermount3 -u ${mountPoint}`, result);
      if (fuseMountAt(mountPoint) === undefined) {
        log(`${failure}, but ${mountPoint} is unmounted`);
        return;
      }
      if (!/Device or resource busy/.test(result.stderr)) throw new Error(failure);
      if (busySinceMs === undefined) {
        busySinceMs = performance.now();
        log(`${mountPoint} is busy (${describeFuseMountUsers(mount) || 'holder not found'}); trying again for up to ${Math.round(timeoutMs)} ms`);
      }
    } else if (fuseMountAt(mountPoint) === undefined) {
      continue; // gone: the next round confirms it
    }
    if (performance.now() >= deadline) {
      const users = describeFuseMountUsers(mount);
      throw new Error(`${failure}; still busy after ${Math.round(timeoutMs)} ms${users === '' ? '' : `: ${users}`}`);
    }
    await sleepMs(Math.min(delayMs, Math.max(0, deadline - performance.now())));
  }
}
