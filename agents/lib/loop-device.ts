/**
 * Loop devices for a volume kept in a regular file: find, attach, detach
 * (util-linux losetup). A device is found again by its backing file, so an
 * agent needs no state file to know which loop device is its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeDeviceUsers, findDeviceUsers } from './block-device-users.js';
import { describeFailure, runCommand, sleepMs } from './run-command.js';

const losetupTimeoutMs = 15_000;

/** Parses `losetup --json --list` output into (device, backing file) pairs. */
export function parseLosetupList(json: string): { name: string; backFile: string }[] {
  if (json.trim() === '') return [];
  const parsed = JSON.parse(json) as { loopdevices?: { name: string; 'back-file'?: string }[] };
  return (parsed.loopdevices ?? []).map((entry) => ({ name: entry.name, backFile: (entry['back-file'] ?? '').replace(/ \(deleted\)$/, '') }));
}

/** The loop devices backed by `file`. */
export async function loopDevicesOf(file: string): Promise<string[]> {
  const result = await runCommand('losetup', ['--json', '--list', '--associated', file], { timeoutMs: losetupTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`losetup --associated ${file}`, result));
  return parseLosetupList(result.stdout).map((entry) => entry.name);
}

/**
 * The loop devices whose backing file sysfs names `file`, found without
 * touching the file: for a file on a FUSE mount whose server has died,
 * which stat (and so `losetup --associated`) cannot reach any more.
 */
export function loopDevicesNaming(file: string): string[] {
  return loopBackingFiles().filter((entry) => entry.backingFile.replace(/ \(deleted\)$/, '') === file).map((entry) => entry.device);
}

/** The backing file sysfs names for loop device `device` (e.g. /dev/loop0), or undefined when it is not bound. */
export function loopBackingFile(device: string): string | undefined {
  try {
    const backingFile = readFileSync(`/sys/block/${path.basename(device)}/loop/backing_file`, 'utf8').trim();
    return backingFile === '' ? undefined : backingFile;
  } catch {
    return undefined; // not bound (the attribute exists only while it is), or no such device
  }
}

/** Every bound loop device and its backing file as sysfs names it; empty without sysfs. */
export function loopBackingFiles(): Array<{ device: string; backingFile: string }> {
  let names: string[] = [];
  try {
    names = readdirSync('/sys/block').filter((name) => /^loop\d+$/.test(name));
  } catch {
    return []; // no sysfs: no loop devices to find this way
  }
  return names.flatMap((name) => {
    const device = `/dev/${name}`;
    const backingFile = loopBackingFile(device); // undefined: not bound, or detached meanwhile
    return backingFile === undefined ? [] : [{ device, backingFile }];
  });
}

/** Attaches `file` to a free loop device and returns the device. */
export async function attachLoop(file: string): Promise<string> {
  const result = await runCommand('losetup', ['--find', '--show', file], { timeoutMs: losetupTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`losetup --find --show ${file}`, result));
  return result.stdout.trim();
}

/** A device that `losetup --detach` only marked to detach on its last close: it still holds `backingFile`. */
interface PendingDetach {
  readonly backingFile: string;
  /** True once sysfs no longer names `backingFile` as the device's backing file (it may name another file by then). */
  readonly released: () => boolean;
}

function usersOf(device: string): string {
  return describeDeviceUsers(findDeviceUsers(device)) || 'no user found';
}

/**
 * Runs `losetup --detach`. Resolves to undefined when the device has let go
 * of its file (or was attached to none), else to what it still holds.
 * @throws Error when losetup fails while the device still holds its file.
 */
async function losetupDetach(device: string, timeoutMs: number, log: (message: string) => void): Promise<PendingDetach | undefined> {
  const backingFile = loopBackingFile(device);
  if (backingFile === undefined) {
    log(`${device} is not attached to any file: nothing to detach`);
    return undefined;
  }
  // A file deleted meanwhile is still the same file: sysfs then appends " (deleted)".
  const released = (): boolean => loopBackingFile(device)?.replace(/ \(deleted\)$/, '') !== backingFile.replace(/ \(deleted\)$/, '');
  const result = await runCommand('losetup', ['--detach', device], { timeoutMs: Math.max(1000, Math.min(losetupTimeoutMs, timeoutMs)) });
  if (result.exitCode !== 0) {
    if (!released()) throw new Error(describeFailure(`losetup --detach ${device}`, result));
    log(`${device} let go of ${backingFile} meanwhile (${describeFailure('losetup --detach', result)})`);
    return undefined;
  }
  return released() ? undefined : { backingFile, released };
}

/**
 * Detaches `device` (idempotent). When something still has the device open
 * (a process, or a mount of it: in another mount namespace, or a bind mount
 * the caller left alone), `losetup --detach` only marks it to detach on its
 * last close: the kernel then keeps the backing file open until that
 * close. This is logged, with what uses the device, and not waited for;
 * use `detachLoopAndWait` when the file's filesystem must be unmounted next.
 * @throws Error when losetup fails.
 */
export async function detachLoop(device: string, log: (message: string) => void): Promise<void> {
  const pending = await losetupDetach(device, losetupTimeoutMs, log);
  if (pending !== undefined) log(`${device} is still in use (${usersOf(device)}): the kernel detaches it from ${pending.backingFile} on its last close`);
}

/**
 * Detaches `device` (idempotent) and resolves only once the kernel has let
 * go of its backing file. `losetup --detach` on a device that something
 * still has open (a process, or a mount namespace made while it was mounted
 * that still mounts it) only marks it to detach on its last close and
 * returns; until then the device keeps its backing file open, and that
 * file's filesystem busy (a FUSE mount cannot be unmounted). So this waits,
 * up to `timeoutMs` with a backoff from 10 ms up to 200 ms, until sysfs no
 * longer names the file as the device's backing file.
 * @throws Error when losetup fails, or when the device still holds its file
 *   after `timeoutMs`, naming what keeps the device open where that is found.
 */
export async function detachLoopAndWait(device: string, timeoutMs: number, log: (message: string) => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const pending = await losetupDetach(device, timeoutMs, log);
  if (pending === undefined) return;
  const { backingFile, released } = pending;
  log(`${device} still holds ${backingFile} after losetup --detach (${usersOf(device)}); waiting up to ${Math.round(timeoutMs)} ms for its last user to close it`);
  const startedMs = performance.now();
  for (let delayMs = 10; performance.now() < deadline; delayMs = Math.min(delayMs * 2, 200)) {
    await sleepMs(Math.min(delayMs, Math.max(0, deadline - performance.now())));
    if (released()) {
      log(`${device} let go of ${backingFile} after ${Math.round(performance.now() - startedMs)} ms`);
      return;
    }
  }
  throw new Error(`${device} still holds ${backingFile} ${Math.round(timeoutMs)} ms after losetup --detach (marked to detach on its last close): ${usersOf(device)}`);
}
