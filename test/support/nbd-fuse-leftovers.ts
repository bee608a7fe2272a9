/**
 * What a lab node's nbdfuse leaves in the kernel the lab shares with the
 * host when the node is "powered off" by killing its processes: a FUSE
 * connection, and the loop device attached to nbdfuse's file. A real power
 * cut drops both with the node's kernel; here they outlive the node. A
 * killed nbdfuse can hang in D state (folio_wait_bit) with FUSE requests
 * waiting; its connection then blocks every I/O on the loop device, and
 * with it every `losetup --list` on the machine, for good.
 *
 * So the lab aborts those connections itself through fusectl, and only
 * those of nbdfuse processes its nodes run: a connection is named by the
 * st_dev of the mount, read from the nbdfuse process's own mountinfo (its
 * node's mount namespace) at the mount point its command line names, and
 * checked again just before the abort (while the mount is listed, its
 * device number cannot have been given to another filesystem). Loop
 * devices are found through sysfs and detached with a bounded losetup:
 * never a `losetup --list`, which is what hangs.
 * node:child_process only: the fence agent uses this, and its start time is
 * part of every failover.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseMountInfo, type MountEntry } from '../../agents/lib/mounts.js';
import { loopBackingFiles } from '../../agents/lib/loop-device.js';

export { loopBackingFiles };

export const fuseConnectionsDir = '/sys/fs/fuse/connections';
const losetupTimeoutMs = 5000;

/** One FUSE mount an nbdfuse process serves. */
export interface NbdFuseMount {
  readonly pid: number;
  readonly mountPoint: string;
  /** st_dev of the mount, "major:minor" as mountinfo writes it. */
  readonly device: string;
  /** Its fusectl directory's name: the kernel's dev_t of the mount (major << 20 | minor). */
  readonly connection: string;
}

/** A loop device as noted: found again only while it is attached to the same file. */
export interface NotedLoop {
  readonly device: string;
  /** The backing file as sysfs named it while the file's mount namespace lived. */
  readonly backingFile: string;
  /** The same file relative to its mount: how sysfs names it once that namespace is gone ("/nbd" in nbdfuse's). */
  readonly inMount: string;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process (or device) is gone
  }
}

/** The fusectl directory name of st_dev "major:minor". */
export function fuseConnectionOf(device: string): string | undefined {
  const match = /^(\d+):(\d+)$/.exec(device);
  return match === null ? undefined : String(Number(match[1]) * 2 ** 20 + Number(match[2]));
}

/** The mount a path lies on: the longest mount point that is the path or one of its parents. */
function mountHolding(entries: readonly MountEntry[], file: string): MountEntry | undefined {
  const wanted = file.length > 1 ? file.replace(/\/+$/, '') : file;
  let best: MountEntry | undefined;
  for (const entry of entries) {
    const inside = wanted === entry.mountPoint || entry.mountPoint === '/' || wanted.startsWith(`${entry.mountPoint}/`);
    if (inside && (best === undefined || entry.mountPoint.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

/**
 * The FUSE mounts nbdfuse process `pid` serves: the mounts (in its own mount
 * namespace) of the paths its command line names. Read from its threads
 * too: a killed nbdfuse whose main thread has exited lives on in another.
 */
export function nbdFuseMountsOf(pid: number): NbdFuseMount[] {
  if (readText(`/proc/${pid}/comm`)?.trim() !== 'nbdfuse') return [];
  let threads: string[] = [];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map((tid) => `/proc/${pid}/task/${tid}`);
  } catch {
    return []; // exited meanwhile
  }
  for (const view of [`/proc/${pid}`, ...threads]) {
    const args = (readText(`${view}/cmdline`) ?? '').split('\0').filter((arg) => arg.startsWith('/'));
    const mountInfo = readText(`${view}/mountinfo`);
    if (args.length === 0 || mountInfo === undefined || mountInfo === '') continue;
    const entries = parseMountInfo(mountInfo);
    const found = new Map<string, NbdFuseMount>();
    for (const arg of args) {
      const entry = mountHolding(entries, arg);
      const connection = entry === undefined ? undefined : fuseConnectionOf(entry.device);
      if (entry === undefined || connection === undefined || !(entry.fsType === 'fuse' || entry.fsType.startsWith('fuse.'))) continue;
      found.set(entry.mountPoint, { pid, mountPoint: entry.mountPoint, device: entry.device, connection });
    }
    return [...found.values()];
  }
  return [];
}

/** The nbdfuse mounts of `pids` (default: every process) whose mount point lies under `under` (default: anywhere). */
export function findNbdFuseMounts(options: { pids?: readonly number[]; under?: string } = {}): NbdFuseMount[] {
  const pids = options.pids ?? readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  const under = options.under;
  return pids.flatMap(nbdFuseMountsOf).filter((mount) => under === undefined || mount.mountPoint.startsWith(`${under}/`));
}


/** The loop devices attached to files inside `mounts` (nbdfuse's), read while the mounts' namespaces live. */
export function loopsOn(mounts: readonly NbdFuseMount[]): NotedLoop[] {
  return loopBackingFiles().flatMap(({ device, backingFile }) => {
    const mount = mounts.find((candidate) => backingFile.startsWith(`${candidate.mountPoint}/`));
    return mount === undefined ? [] : [{ device, backingFile, inMount: backingFile.slice(mount.mountPoint.length) }];
  });
}

/** Runs a command, resolving by `timeoutMs` even when it hangs unkillably (D state): it is then left behind, not awaited. */
function runBounded(file: string, args: readonly string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.unref();
      resolve({ ok: false, output: `${file} ${args.join(' ')} did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    child.once('error', (error) => { clearTimeout(timer); resolve({ ok: false, output: error.message }); });
    child.once('exit', (code) => { clearTimeout(timer); resolve({ ok: code === 0, output }); });
  });
}

/** Mounts fusectl where the kernel lists FUSE connections, unless it is there (a fresh /sys, as `ip netns exec` makes, lacks it). */
async function ensureFuseControl(): Promise<void> {
  const mounted = parseMountInfo(readText('/proc/self/mountinfo') ?? '').some((entry) => entry.fsType === 'fusectl' && entry.mountPoint === fuseConnectionsDir);
  if (mounted) return;
  const result = await runBounded('mount', ['-t', 'fusectl', 'none', fuseConnectionsDir], 5000);
  if (!result.ok) throw new Error(`mount -t fusectl none ${fuseConnectionsDir}: ${result.output.trim()}`);
}

/**
 * Aborts the FUSE connection of each of `mounts` whose nbdfuse still lists
 * it (one whose nbdfuse has exited was ended by the kernel already): every
 * request waiting on it fails, and nothing waits on it again. Resolves to
 * the connections aborted.
 * @throws Error when fusectl cannot be mounted.
 */
export async function abortNbdFuseConnections(mounts: readonly NbdFuseMount[]): Promise<string[]> {
  const aborted: string[] = [];
  if (mounts.length === 0) return aborted;
  await ensureFuseControl();
  for (const mount of mounts) {
    const still = nbdFuseMountsOf(mount.pid).some((now) => now.mountPoint === mount.mountPoint && now.device === mount.device);
    const abortFile = `${fuseConnectionsDir}/${mount.connection}/abort`;
    if (!still || !existsSync(abortFile)) continue;
    writeFileSync(abortFile, '1');
    aborted.push(mount.connection);
  }
  return aborted;
}

/** SIGKILLs the nbdfuse processes of `mounts` (a stuck one may have left its namespace's process list). */
export function killNbdFuse(mounts: readonly NbdFuseMount[]): void {
  for (const pid of new Set(mounts.map((mount) => mount.pid))) {
    if (readText(`/proc/${pid}/comm`)?.trim() !== 'nbdfuse') continue; // gone, or the pid reused
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Detaches each of `loops` that is still attached to the same file (named
 * in full while its mount's namespace lives, relative to the mount after),
 * with a bounded `losetup --detach`. Abort the FUSE connection first: a
 * detach waits for the I/O in flight. Resolves to the failures' messages.
 */
export async function detachLoops(loops: readonly NotedLoop[]): Promise<string[]> {
  const failures: string[] = [];
  const bound = new Map(loopBackingFiles().map(({ device, backingFile }) => [device, backingFile]));
  for (const loop of new Map(loops.map((entry) => [entry.device, entry])).values()) {
    const now = bound.get(loop.device);
    if (now !== loop.backingFile && now !== loop.inMount) continue; // detached already, or another file's now
    const result = await runBounded('losetup', ['--detach', loop.device], losetupTimeoutMs);
    if (!result.ok) failures.push(`losetup --detach ${loop.device}: ${result.output.trim()}`);
  }
  return failures;
}
