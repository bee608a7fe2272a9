/**
 * Which processes hold a mount busy: open files, working directory, root
 * directory or memory-mapped files on that very mount. Matched by the
 * kernel's mount id (fdinfo `mnt_id`), not by device or path, so a process
 * using the same filesystem through a bind mount elsewhere, or in another
 * mount namespace, is not one of them (upstream's `fuser -m` kills those too).
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { listPids, readComm } from './processes.js';

/** Linux O_PATH: opens a name without reading it (no side effect on FIFOs or devices); Node has no constant for it. */
const O_PATH = 0o10000000;

/** A process holding the mount, and how. */
export interface Holder {
  readonly pid: number;
  readonly comm: string;
  readonly uses: readonly ('fd' | 'cwd' | 'root' | 'map')[];
}

/** The `mnt_id:` of an fdinfo text, or undefined. */
export function parseFdinfoMountId(text: string): number | undefined {
  const match = /^mnt_id:\s*(\d+)/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function readMountIdOfFdinfo(file: string): number | undefined {
  try {
    return parseFdinfoMountId(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // the fd or process went away
  }
}

/** The mount id of what a magic link (/proc/PID/cwd, map_files/...) points at, via an O_PATH descriptor of our own. */
function mountIdOfLink(link: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(link, O_PATH);
  } catch {
    return undefined; // gone, or not openable: cannot be attributed
  }
  try {
    return readMountIdOfFdinfo(`/proc/self/fdinfo/${fd}`);
  } finally {
    closeSync(fd);
  }
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return []; // process exited, or a kernel thread without fds
  }
}

/** How `pid` uses the mount `mountId`; empty when it does not. */
export function usesOfMount(pid: number, mountId: number): Holder['uses'] {
  const uses: Holder['uses'][number][] = [];
  if (listDirectory(`/proc/${pid}/fdinfo`).some((fd) => readMountIdOfFdinfo(`/proc/${pid}/fdinfo/${fd}`) === mountId)) uses.push('fd');
  if (mountIdOfLink(`/proc/${pid}/cwd`) === mountId) uses.push('cwd');
  if (mountIdOfLink(`/proc/${pid}/root`) === mountId) uses.push('root');
  if (listDirectory(`/proc/${pid}/map_files`).some((range) => mountIdOfLink(`/proc/${pid}/map_files/${range}`) === mountId)) uses.push('map');
  return uses;
}

/** Every process (but this one) that holds the mount `mountId` busy. */
export function findHolders(mountId: number): Holder[] {
  const holders: Holder[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const uses = usesOfMount(pid, mountId);
    if (uses.length > 0) holders.push({ pid, comm: readComm(pid) ?? '?', uses });
  }
  return holders;
}

/** "1234 (sleep: cwd), 1240 (postgres: fd, map)" for logs and exit reasons. */
export function describeHolders(holders: readonly Holder[]): string {
  return holders.map((holder) => `${holder.pid} (${holder.comm}: ${holder.uses.join(', ')})`).join(', ');
}
