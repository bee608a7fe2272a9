/**
 * The block device under a PhysicalVolume that is not an LVM volume: a
 * block device as given, a volume file attached through a loop device, or
 * an NBD export (an nbd:// or nbd+unix:// URI, such as the mirror's) that
 * nbdfuse serves as a file under the OCF state directory, then attached
 * through a loop device. Loop devices are found again by their backing
 * file, so no state file is needed.
 */
import { statSync } from 'node:fs';
import { attachLoop, detachLoop, detachLoopAndWait, loopDevicesNaming, loopDevicesOf } from './loop-device.js';
import { attachNbdFuse, detachNbdFuse, isNbdUri, nbdFuseServing, nbdFusePaths, type NbdFusePaths } from './nbd-fuse.js';

/** Where the volume comes from: the `device` parameter, and the instance's state directory and name. */
export interface VolumeSource {
  readonly device: string;
  readonly stateDir: string;
  readonly instance: string;
}

export function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false; // missing: not a volume file
  }
}

/** "major:minor" of a block device node, as mountinfo writes st_dev; undefined when it is not one. */
export function blockDeviceNumber(device: string): string | undefined {
  try {
    const stat = statSync(device);
    if (!stat.isBlockDevice()) return undefined;
    return `${Math.floor(stat.rdev / 256) & 0xfff}:${(stat.rdev & 0xff) | ((stat.rdev >> 12) & 0xfff00)}`;
  } catch {
    return undefined; // no such device (yet)
  }
}

/** Where this instance's nbdfuse serves an NBD URI device; undefined for any other device. */
function fusePaths(source: VolumeSource): NbdFusePaths | undefined {
  return isNbdUri(source.device) ? nbdFusePaths(source.stateDir, source.instance) : undefined;
}

/** The regular file a loop device is (or would be) attached to: the volume file, or nbdfuse's file. */
function volumeFile(source: VolumeSource): string | undefined {
  const fuse = fusePaths(source);
  if (fuse !== undefined) return fuse.file;
  return isRegularFile(source.device) ? source.device : undefined;
}

/** The block devices that carry the volume now (nothing is attached). */
export async function attachedDevices(source: VolumeSource): Promise<string[]> {
  const file = volumeFile(source);
  if (file !== undefined) return isRegularFile(file) ? loopDevicesOf(file) : [];
  return [source.device];
}

/** Why the volume's device is gone while mounted (nbdfuse died), or undefined. */
export function lostDevice(source: VolumeSource): string | undefined {
  const fuse = fusePaths(source);
  if (fuse === undefined || nbdFuseServing(fuse)) return undefined;
  return `nbdfuse serving ${source.device} is gone: the filesystem has lost its device`;
}

/**
 * The block device to mount, attaching nbdfuse and a loop device as needed (idempotent).
 * @throws Error naming the step that failed.
 */
export async function attachVolume(source: VolumeSource, timeoutMs: number, log: (message: string) => void): Promise<string> {
  const fuse = fusePaths(source);
  if (fuse !== undefined) {
    await attachNbdFuse(source.device, fuse, timeoutMs, log);
    log(`nbdfuse serves ${source.device} as ${fuse.file}`);
  }
  const file = volumeFile(source);
  if (file === undefined) return source.device;
  const [existing] = await loopDevicesOf(file);
  if (existing !== undefined) return existing;
  const attached = await attachLoop(file);
  log(`attached ${file} to ${attached}`);
  return attached;
}

/**
 * Detaches the loop devices and ends nbdfuse (call once unmounted), all
 * within `timeoutMs`. A loop device on nbdfuse's file is waited for until
 * the kernel has really let go of the file (see `detachLoopAndWait`): until
 * then the file keeps nbdfuse's mount busy. When nbdfuse has died, its file
 * cannot be stat'ed, so its loop devices are found by name: left attached,
 * they would keep the FUSE mount busy.
 * @throws Error when one cannot be removed, naming what holds it where that is found.
 */
export async function detachVolume(source: VolumeSource, timeoutMs: number, log: (message: string) => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const remainingMs = (): number => Math.max(0, deadline - performance.now());
  const file = volumeFile(source);
  const fuse = fusePaths(source);
  let loops: string[] = [];
  if (fuse !== undefined && !nbdFuseServing(fuse)) loops = loopDevicesNaming(fuse.file);
  else if (file !== undefined && isRegularFile(file)) loops = await loopDevicesOf(file);
  for (const loop of loops) {
    // nbdfuse's mount is unmounted next, which fails while the device holds
    // the file. A volume file's device still in use (a bind mount of the
    // filesystem that stop left alone) detaches on its last close instead.
    if (fuse !== undefined) await detachLoopAndWait(loop, remainingMs(), log);
    else await detachLoop(loop, log);
    log(`detached ${loop} from ${file ?? source.device}`);
  }
  if (fuse !== undefined) await detachNbdFuse(fuse, remainingMs(), log);
}
