/**
 * The mount table of this process's mount namespace (/proc/self/mountinfo),
 * and mount/umount. Parsing is pure; see proc(5) for the line format.
 */
import { readFileSync } from 'node:fs';
import { describeFailure, runCommand } from './run-command.js';

/** One line of mountinfo. */
export interface MountEntry {
  /** Unique id of this mount in the namespace (fdinfo's `mnt_id` names it too). */
  readonly mountId: number;
  readonly parentId: number;
  /** st_dev of the mounted filesystem as "major:minor". */
  readonly device: string;
  /** The directory of the filesystem that is mounted here (not `/` for a bind mount of a subdirectory). */
  readonly root: string;
  readonly mountPoint: string;
  readonly options: string;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
}

/** Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
function unescape(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses mountinfo text; lines that do not parse are skipped. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    if (separator < 0 || fields.length < separator + 4) continue;
    const [mountId, parentId, device, root, mountPoint, options] = fields;
    if (mountId === undefined || parentId === undefined || device === undefined || root === undefined || mountPoint === undefined || options === undefined) continue;
    entries.push({
      mountId: Number(mountId),
      parentId: Number(parentId),
      device,
      root: unescape(root),
      mountPoint: unescape(mountPoint),
      options,
      fsType: fields[separator + 1] ?? '',
      source: unescape(fields[separator + 2] ?? ''),
      superOptions: fields[separator + 3] ?? '',
    });
  }
  return entries;
}

/** The mount table of this process's mount namespace. */
export function readMounts(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The topmost mount at `mountPoint` (the last one listed wins, as the kernel stacks them), or undefined. */
export function mountAt(entries: readonly MountEntry[], mountPoint: string): MountEntry | undefined {
  const wanted = mountPoint.length > 1 ? mountPoint.replace(/\/+$/, '') : mountPoint;
  return entries.filter((entry) => entry.mountPoint === wanted).pop();
}

/** Mounts `device` (of type `fsType`) at `mountPoint` with `options`. @throws Error with mount's message. */
export async function mount(device: string, mountPoint: string, fsType: string, options: string, timeoutMs: number): Promise<void> {
  const args = ['-t', fsType, ...(options === '' ? [] : ['-o', options]), device, mountPoint];
  const result = await runCommand('mount', args, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`mount ${args.join(' ')}`, result));
}

/** Unmounts `mountPoint` (never lazily). Resolves to the failure text, or undefined on success. */
export async function unmount(mountPoint: string, timeoutMs: number): Promise<string | undefined> {
  const result = await runCommand('umount', [mountPoint], { timeoutMs });
  return result.exitCode === 0 ? undefined : describeFailure(`umount ${mountPoint}`, result);
}
