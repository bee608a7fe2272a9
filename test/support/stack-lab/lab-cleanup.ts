/**
 * Cleanup of what a lab node leaves behind when it dies as a powered-off
 * server would: its processes (killed by PID, only those inside the lab's
 * own namespaces), its nbdfuse's FUSE connections and the loop devices on
 * them (a real reboot would drop them; here the kernel keeps them, see
 * ../nbd-fuse-leftovers.ts), and loop devices attached to files under the
 * lab's directory. Loop devices are listed through sysfs, never with
 * `losetup --list`, which hangs for good behind a stuck FUSE connection.
 */
import { execa } from 'execa';
import { abortNbdFuseConnections, detachLoops, findNbdFuseMounts, killNbdFuse, loopBackingFiles, loopsOn, type NotedLoop } from '../nbd-fuse-leftovers.js';

/** SIGKILLs every process in network namespace `namespace` until none is left. @throws when some survive 5 s. */
export async function killNamespaceProcesses(namespace: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const listed = await execa('ip', ['netns', 'pids', namespace], { reject: false, timeout: 10_000 });
    const pids = listed.stdout.split('\n').filter((line) => /^\d+$/.test(line)).map(Number).filter((pid) => pid !== process.pid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`processes survive in namespace ${namespace}`);
}

/** The loop devices on the nbdfuse mounts under `dir` (a node's HA_RSCTMP): note them while the node lives. */
export function loopsOnNbdFuseUnder(dir: string): NotedLoop[] {
  return loopsOn(findNbdFuseMounts({ under: dir }));
}

/**
 * Drops what a power cut drops of a node whose agents keep state under
 * `dir`: aborts the FUSE connections of the nbdfuse processes mounted under
 * it (then kills those processes), and detaches the loop devices on those
 * mounts and `noted` ones (seen earlier, while the node lived). Kill the
 * node's processes with killNamespaceProcesses after (or before: a stuck
 * nbdfuse is found by its mount point either way).
 * @throws Error listing what could not be detached.
 */
export async function dropNbdFuseUnder(dir: string, noted: readonly NotedLoop[] = []): Promise<void> {
  const mounts = findNbdFuseMounts({ under: dir });
  const loops = [...noted, ...loopsOn(mounts)];
  await abortNbdFuseConnections(mounts);
  killNbdFuse(mounts);
  const failures = await detachLoops(loops);
  if (failures.length > 0) throw new Error(failures.join('; '));
}

/** Detaches every loop device whose backing file lies under `dir` (as sysfs names it: while the file's mount namespace lives). */
export async function detachLoopDevicesUnder(dir: string): Promise<void> {
  const loops = loopBackingFiles().filter((loop) => loop.backingFile.startsWith(`${dir}/`)).map((loop) => ({ ...loop, inMount: loop.backingFile }));
  const failures = await detachLoops(loops);
  if (failures.length > 0) throw new Error(failures.join('; '));
}
