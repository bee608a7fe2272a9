/**
 * Cleanup of what a lab node leaves behind when it dies as a powered-off
 * server would: its processes (killed by PID, only those inside the lab's
 * own namespaces) and the loop devices attached to files under the lab's
 * directory (a real reboot would drop them; here the kernel keeps them).
 */
import { execa } from 'execa';

/** SIGKILLs every process in network namespace `namespace` until none is left. @throws when some survive 5 s. */
export async function killNamespaceProcesses(namespace: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const listed = await execa('ip', ['netns', 'pids', namespace], { reject: false });
    const pids = listed.stdout.split('\n').filter((line) => /^\d+$/.test(line)).map(Number).filter((pid) => pid !== process.pid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`processes survive in namespace ${namespace}`);
}

/**
 * The loop devices whose backing file lies under `dir` as process `pid`'s
 * mount namespace sees it. A node's PhysicalVolume attaches nbdfuse's file
 * inside tandemd's private mount namespace; from outside, such a loop device
 * names its file relative to a mount nobody sees, so it can only be told
 * apart from there. Empty when the namespace is gone or losetup hangs.
 */
export async function loopDevicesSeenBy(pid: number, dir: string): Promise<string[]> {
  const listed = await execa('nsenter', ['-t', String(pid), '-m', 'losetup', '--json', '--list'], { reject: false, timeout: 10_000 });
  if (listed.exitCode !== 0 || listed.stdout.trim() === '') return [];
  const devices = (JSON.parse(listed.stdout) as { loopdevices?: Array<{ name: string; 'back-file'?: string }> }).loopdevices ?? [];
  return devices.filter((device) => (device['back-file'] ?? '').startsWith(`${dir}/`)).map((device) => device.name);
}

/** Detaches every loop device whose backing file lies under `dir`. */
export async function detachLoopDevicesUnder(dir: string): Promise<void> {
  const listed = await execa('losetup', ['--json', '--list'], { reject: false });
  if (listed.exitCode !== 0 || listed.stdout.trim() === '') return;
  const devices = (JSON.parse(listed.stdout) as { loopdevices?: Array<{ name: string; 'back-file'?: string }> }).loopdevices ?? [];
  for (const device of devices) {
    if ((device['back-file'] ?? '').startsWith(`${dir}/`)) await execa('losetup', ['--detach', device.name], { reject: false });
  }
}
