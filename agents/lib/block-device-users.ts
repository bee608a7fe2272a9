/**
 * What keeps a block device in use: processes with the device node open, a
 * mount of it in any mount namespace, devices stacked on it. A mount
 * namespace made while the device was mounted (`unshare -m`, `ip netns
 * exec`, a service's private namespace) holds its own copy of that mount:
 * unless the mount propagates, unmounting it here leaves the filesystem
 * alive there, and the device open, until that namespace ends.
 * Reads /proc and sysfs only, for diagnostics on a failure path.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseMountInfo } from './mounts.js';
import { listPids, readComm } from './processes.js';

/** One thing that keeps a block device in use. */
export type DeviceUser =
  | { readonly kind: 'mount'; readonly pid: number; readonly comm: string; readonly mountPoint: string }
  | { readonly kind: 'fd'; readonly pid: number; readonly comm: string; readonly fd: number }
  | { readonly kind: 'stacked'; readonly device: string };

/** The mount points of the device "major:minor" in mountinfo `text`. */
export function mountPointsOfDevice(text: string, deviceNumber: string): string[] {
  return parseMountInfo(text).filter((entry) => entry.device === deviceNumber).map((entry) => entry.mountPoint);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone meanwhile (process exited, device removed)
  }
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return []; // gone meanwhile, or nothing to list
  }
}

/** The device's "major:minor" from sysfs (/sys/class/block/NAME/dev), or undefined when there is no such block device. */
export function sysfsDeviceNumber(device: string): string | undefined {
  return readText(`/sys/class/block/${path.basename(device)}/dev`)?.trim();
}

/** Mounts of the device in every mount namespace, each named by one process that lives in it. */
function mountUsers(pids: readonly number[], deviceNumber: string): DeviceUser[] {
  const seen = new Set<string>();
  const users: DeviceUser[] = [];
  for (const pid of pids) {
    let namespace: string;
    try {
      namespace = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      continue; // exited, or a kernel thread without one
    }
    if (seen.has(namespace)) continue;
    seen.add(namespace);
    const text = readText(`/proc/${pid}/mountinfo`);
    if (text === undefined) continue;
    for (const mountPoint of mountPointsOfDevice(text, deviceNumber)) users.push({ kind: 'mount', pid, comm: readComm(pid) ?? '?', mountPoint });
  }
  return users;
}

/**
 * Descriptors open on the device. Only descriptors whose target lies under
 * /dev are stat'ed: a stat of a file on a FUSE mount could hang on a stuck server.
 */
function descriptorUsers(pids: readonly number[], rdev: number): DeviceUser[] {
  const users: DeviceUser[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    for (const fd of listDirectory(`/proc/${pid}/fd`)) {
      const link = `/proc/${pid}/fd/${fd}`;
      try {
        if (!readlinkSync(link).startsWith('/dev/')) continue;
        const stat = statSync(link);
        if (stat.isBlockDevice() && stat.rdev === rdev) users.push({ kind: 'fd', pid, comm: readComm(pid) ?? '?', fd: Number(fd) });
      } catch {
        continue; // closed meanwhile
      }
    }
  }
  return users;
}

/**
 * Everything found to keep block device `device` (e.g. /dev/loop0) in use:
 * its mounts in every mount namespace (including this one), processes with
 * it open, and devices stacked on it (sysfs holders). Best effort: what
 * comes and goes while /proc is read may be missed. Empty when the device
 * does not exist.
 */
export function findDeviceUsers(device: string): DeviceUser[] {
  const deviceNumber = sysfsDeviceNumber(device);
  if (deviceNumber === undefined) return [];
  let rdev: number | undefined;
  try {
    const stat = statSync(device);
    if (stat.isBlockDevice()) rdev = stat.rdev;
  } catch {
    rdev = undefined; // no device node here: descriptors cannot be matched
  }
  const pids = listPids();
  const stacked = listDirectory(`/sys/class/block/${path.basename(device)}/holders`).map((name): DeviceUser => ({ kind: 'stacked', device: name }));
  return [...mountUsers(pids, deviceNumber), ...(rdev === undefined ? [] : descriptorUsers(pids, rdev)), ...stacked];
}

/** "mounted at /mnt in the mount namespace of pid 12 (node); open by pid 40 (blkid) as fd 3" for logs and errors. */
export function describeDeviceUsers(users: readonly DeviceUser[]): string {
  return users.map((user) => {
    switch (user.kind) {
      case 'mount': return `mounted at ${user.mountPoint} in the mount namespace of pid ${user.pid} (${user.comm})`;
      case 'fd': return `open by pid ${user.pid} (${user.comm}) as fd ${user.fd}`;
      case 'stacked': return `held by ${user.device}`;
    }
  }).join('; ');
}
