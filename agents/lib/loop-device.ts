/**
 * Loop devices for a volume kept in a regular file: find, attach, detach
 * (util-linux losetup). A device is found again by its backing file, so an
 * agent needs no state file to know which loop device is its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describeFailure, runCommand } from './run-command.js';

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

/** Every bound loop device and its backing file as sysfs names it; empty without sysfs. */
export function loopBackingFiles(): Array<{ device: string; backingFile: string }> {
  let names: string[] = [];
  try {
    names = readdirSync('/sys/block').filter((name) => /^loop\d+$/.test(name));
  } catch {
    return []; // no sysfs: no loop devices to find this way
  }
  return names.flatMap((name) => {
    let backingFile = '';
    try {
      backingFile = readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim();
    } catch {
      return []; // not bound, or detached meanwhile
    }
    return backingFile === '' ? [] : [{ device: `/dev/${name}`, backingFile }];
  });
}

/** Attaches `file` to a free loop device and returns the device. */
export async function attachLoop(file: string): Promise<string> {
  const result = await runCommand('losetup', ['--find', '--show', file], { timeoutMs: losetupTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`losetup --find --show ${file}`, result));
  return result.stdout.trim();
}

/** Detaches `device` (lazily, by the kernel, if something still holds it open). */
export async function detachLoop(device: string): Promise<void> {
  const result = await runCommand('losetup', ['--detach', device], { timeoutMs: losetupTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`losetup --detach ${device}`, result));
}
