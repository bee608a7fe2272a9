/**
 * tandem:PhysicalVolume — makes the storage volume usable on this node: a
 * block device (the mirror's NBD export, an iSCSI LUN, or a file attached
 * through a loop device), optionally an LVM volume group owned exclusively
 * (system ID or tag), and a filesystem mounted at a mount point, checked
 * after an unclean takeover. Stop signals only the processes that hold this
 * very mount (never everything on the device) and never unmounts lazily.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { defineAgent, type ActionContext, type ParsedParams } from '../src/ocf/agent.js';
import { OcfExit } from '../src/ocf/exit-codes.js';
import { OcfError } from '../src/ocf/errors.js';
import { isMainModule, runAgentProcess } from '../src/ocf/process-main.js';
import { findExecutable } from './lib/executables.js';
import { mount, mountAt, readMounts, type MountEntry } from './lib/mounts.js';
import { releaseAndUnmount } from './lib/release-mount.js';
import { isNbdUri } from './lib/nbd-fuse.js';
import { attachedDevices, attachVolume, blockDeviceNumber, detachVolume, isRegularFile, lostDevice, type VolumeSource } from './lib/volume-device.js';
import { checkFilesystem, detectFilesystemType, wasLeftUnclean } from './lib/filesystem-check.js';
import { activate, deactivate, dropTag, localSystemId, readVolumeGroup, takeSystemId, takeTag, type VgAccessMode } from './lib/lvm.js';

const parameters = {
  device: {
    type: 'string', required: true, unique: true, shortdesc: 'Block device or volume file',
    longdesc: 'The block device (e.g. /dev/nbd0), a regular file that start attaches through a loop device, or an NBD URI (nbd://host:port/export, nbd+unix:///export?socket=PATH: the mirror\'s export) attached as nbd_client says. With volume_group: the device holding the VG\'s physical volume.',
  },
  nbd_client: {
    type: 'string', default: 'fuse', shortdesc: 'How an NBD URI device is attached',
    longdesc: 'fuse: libnbd\'s nbdfuse serves the export as a file (under the OCF state directory), attached through a loop device; for kernels without the nbd module. Only used when device is an NBD URI.',
  },
  directory: { type: 'string', required: true, unique: true, shortdesc: 'Mount point', longdesc: 'Where the filesystem is mounted (created when missing).' },
  fstype: { type: 'string', shortdesc: 'Filesystem type', longdesc: 'ext4, ext3, ext2 or xfs. Default: what blkid finds on the device.' },
  options: { type: 'string', default: '', shortdesc: 'Mount options', longdesc: 'Options for mount -o, e.g. noatime,data=ordered.' },
  fsck: {
    type: 'string', default: 'unclean', shortdesc: 'When to check the filesystem',
    longdesc: 'unclean: run e2fsck -f -p before mounting when the filesystem was left mounted (journal needs recovery), as after a takeover from a failed node; always; never. XFS is never checked (its log replays at mount).',
  },
  volume_group: { type: 'string', shortdesc: 'LVM volume group', longdesc: 'An LVM volume group on the device, owned exclusively by this node while started.' },
  logical_volume: { type: 'string', shortdesc: 'LVM logical volume', longdesc: 'The logical volume of volume_group that holds the filesystem (required with volume_group).' },
  vg_access_mode: {
    type: 'string', default: 'system_id', shortdesc: 'VG ownership mechanism',
    longdesc: 'system_id: the VG\'s LVM system ID names the owner (lvm.conf system_id_source must be set on every node); tagging: a tag names the owner and activation is limited to VGs carrying it.',
  },
  tag: { type: 'string', default: () => hostname(), shortdesc: 'Owner tag (tagging mode)', longdesc: 'The tag that marks this node as owner in tagging mode. Default: the host name.' },
  term_wait_s: {
    type: 'integer', default: 5, shortdesc: 'Seconds between TERM and KILL',
    longdesc: 'On stop, seconds the processes holding the mount get after SIGTERM before SIGKILL (bounded by the stop timeout).',
  },
} as const satisfies Parameters<typeof defineAgent>[0]['parameters'];

type VolumeParams = ParsedParams<typeof parameters>;
type Context = ActionContext<VolumeParams>;

const supportedTypes = ['ext2', 'ext3', 'ext4', 'xfs'];

function fail(rc: number, message: string, parameter?: string): never {
  throw new OcfError(rc, message, parameter === undefined ? {} : { parameter });
}

function checkParameters(params: VolumeParams): void {
  if (!path.isAbsolute(params.device) && !isNbdUri(params.device)) fail(OcfExit.ERR_CONFIGURED, `parameter 'device': '${params.device}' is neither an absolute path nor an NBD URI`, 'device');
  if (params.nbd_client !== 'fuse') fail(OcfExit.ERR_CONFIGURED, `parameter 'nbd_client': '${params.nbd_client}' is not fuse`, 'nbd_client');
  if (!path.isAbsolute(params.directory) || params.directory === '/') {
    fail(OcfExit.ERR_CONFIGURED, `parameter 'directory': '${params.directory}' is not an absolute path other than /`, 'directory');
  }
  if (params.fstype !== undefined && !supportedTypes.includes(params.fstype)) {
    fail(OcfExit.ERR_CONFIGURED, `parameter 'fstype': '${params.fstype}' is not one of ${supportedTypes.join(', ')}`, 'fstype');
  }
  if (!['unclean', 'always', 'never'].includes(params.fsck)) fail(OcfExit.ERR_CONFIGURED, `parameter 'fsck': '${params.fsck}' is not unclean, always or never`, 'fsck');
  if ((params.volume_group === undefined) !== (params.logical_volume === undefined)) {
    fail(OcfExit.ERR_CONFIGURED, `parameter '${params.volume_group === undefined ? 'volume_group' : 'logical_volume'}' is required with '${params.volume_group === undefined ? 'logical_volume' : 'volume_group'}'`, 'volume_group');
  }
  if (params.vg_access_mode !== 'system_id' && params.vg_access_mode !== 'tagging') {
    fail(OcfExit.ERR_CONFIGURED, `parameter 'vg_access_mode': '${params.vg_access_mode}' is neither system_id nor tagging`, 'vg_access_mode');
  }
  if (params.term_wait_s < 0) fail(OcfExit.ERR_CONFIGURED, `parameter 'term_wait_s': must not be negative`, 'term_wait_s');
}

/** Where the volume comes from (unless it is an LVM volume). */
function sourceOf(context: Context): VolumeSource {
  return { device: context.params.device, stateDir: context.env.stateDir, instance: context.env.instance };
}

/** The block devices that may carry the filesystem now (without attaching or activating anything). */
async function candidateDevices(context: Context): Promise<string[]> {
  const params = context.params;
  if (params.volume_group !== undefined && params.logical_volume !== undefined) return [`/dev/${params.volume_group}/${params.logical_volume}`];
  return attachedDevices(sourceOf(context));
}

/** Our filesystem's mount at `directory`, `foreign` when something else is mounted there, undefined when nothing is. */
async function ourMount(context: Context): Promise<MountEntry | 'foreign' | undefined> {
  const entry = mountAt(readMounts(), context.params.directory);
  if (entry === undefined) return undefined;
  const numbers = (await candidateDevices(context)).map(blockDeviceNumber);
  return numbers.includes(entry.device) ? entry : 'foreign';
}

async function validate(context: Context): Promise<number> {
  const params = context.params;
  checkParameters(params);
  const nbd = isNbdUri(params.device);
  const tools = ['mount', 'umount', 'blkid', ...(isRegularFile(params.device) || nbd ? ['losetup'] : []), ...(nbd ? ['nbdfuse', 'fusermount3'] : []), ...(params.volume_group === undefined ? [] : ['lvm'])];
  if (params.fsck !== 'never') tools.push('e2fsck', 'dumpe2fs');
  for (const tool of tools) {
    if (findExecutable(tool) === undefined) fail(OcfExit.ERR_INSTALLED, `${tool} is not installed (not found in PATH)`);
  }
  if (!nbd && !isRegularFile(params.device) && blockDeviceNumber(params.device) === undefined) {
    fail(OcfExit.ERR_INSTALLED, `parameter 'device': ${params.device} is neither a block device nor a regular file on this node`, 'device');
  }
  if (params.volume_group !== undefined && params.vg_access_mode === 'system_id' && (await localSystemId()) === '') {
    fail(OcfExit.ERR_CONFIGURED, `parameter 'vg_access_mode': system_id needs an LVM system ID on this node (lvm.conf global/system_id_source)`, 'vg_access_mode');
  }
  return OcfExit.SUCCESS;
}

/** Level 10: the root directory lists. Level 20: a file written, read back and deleted. */
function probeFilesystem(context: Context): string | undefined {
  const directory = context.params.directory;
  try {
    if (context.checkLevel >= 10) readdirSync(directory);
    if (context.checkLevel >= 20) {
      const probe = path.join(directory, `.tandem-probe-${hostname()}-${process.pid}`);
      const text = `tandem ${Date.now()}\n`;
      const fd = openSync(probe, 'w');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const back = readFileSync(probe, 'utf8');
      rmSync(probe);
      if (back !== text) return `probe file ${probe} read back different content`;
    }
    return undefined;
  } catch (error) {
    return `${context.checkLevel >= 20 ? 'write-read-delete probe' : 'reading'} ${directory} failed: ${(error as Error).message}`;
  }
}

async function monitor(context: Context): Promise<number> {
  const mounted = await ourMount(context);
  if (mounted === undefined) return OcfExit.NOT_RUNNING;
  if (mounted === 'foreign') {
    if (context.isProbe) return OcfExit.NOT_RUNNING;
    context.exitReason(`another filesystem is mounted at ${context.params.directory}`);
    return OcfExit.ERR_GENERIC;
  }
  const lost = lostDevice(sourceOf(context));
  if (lost !== undefined) {
    context.exitReason(lost);
    return OcfExit.ERR_GENERIC;
  }
  const problem = probeFilesystem(context);
  if (problem === undefined) return OcfExit.SUCCESS;
  context.exitReason(problem);
  return OcfExit.ERR_GENERIC;
}

/** Takes the VG over for this node and activates it. @throws OcfError naming what failed. */
async function claimVolumeGroup(context: Context, vg: string): Promise<void> {
  const params = context.params;
  const state = await readVolumeGroup(vg);
  if (state === undefined) fail(OcfExit.ERR_GENERIC, `parameter 'volume_group': no volume group '${vg}' on the devices this node sees`, 'volume_group');
  const mode = params.vg_access_mode as VgAccessMode;
  try {
    if (mode === 'system_id') {
      const localId = await localSystemId();
      if (state.systemId !== localId) {
        context.log.info(`taking volume group ${vg} over from system ID '${state.systemId}' to '${localId}'`);
        await takeSystemId(vg, localId, state.systemId);
      }
    } else if (!(state.tags.length === 1 && state.tags[0] === params.tag)) {
      context.log.info(`taking volume group ${vg} over from tags [${state.tags.join(', ')}] to '${params.tag}'`);
      await takeTag(vg, params.tag, state.tags);
    }
    await activate(vg, mode, params.tag);
  } catch (error) {
    fail(OcfExit.ERR_GENERIC, `volume group ${vg}: ${(error as Error).message}`);
  }
}

/** The block device to mount, attaching a loop device or activating the VG as configured. */
async function prepareDevice(context: Context): Promise<string> {
  const params = context.params;
  if (params.volume_group !== undefined && params.logical_volume !== undefined) {
    await claimVolumeGroup(context, params.volume_group);
    return `/dev/${params.volume_group}/${params.logical_volume}`;
  }
  try {
    return await attachVolume(sourceOf(context), Math.max(1000, context.remainingMs() / 2), (message) => context.log.info(message));
  } catch (error) {
    fail(OcfExit.ERR_GENERIC, (error as Error).message);
  }
}

async function start(context: Context): Promise<number> {
  const params = context.params;
  const mounted = await ourMount(context);
  if (mounted === 'foreign') fail(OcfExit.ERR_GENERIC, `another filesystem is already mounted at ${params.directory}`);
  if (mounted !== undefined) return monitor(context);
  const device = await prepareDevice(context);
  const fsType = params.fstype ?? (await detectFilesystemType(device));
  if (fsType === undefined || !supportedTypes.includes(fsType)) {
    fail(OcfExit.ERR_CONFIGURED, `parameter 'fstype': ${device} holds ${fsType === undefined ? 'no filesystem blkid knows' : `'${fsType}'`}; expected one of ${supportedTypes.join(', ')}`, 'fstype');
  }
  const unclean = params.fsck === 'unclean' && (await wasLeftUnclean(device, fsType));
  if (params.fsck === 'always' || unclean) {
    context.log.info(`running e2fsck on ${device}${unclean ? ': it was not unmounted cleanly (journal needs recovery)' : ''}`);
    try {
      const rc = await checkFilesystem(device, fsType, Math.max(1000, context.remainingMs() - 5000));
      context.log.info(`e2fsck on ${device} finished (exit ${rc})`);
    } catch (error) {
      fail(OcfExit.ERR_GENERIC, `filesystem check of ${device} failed: ${(error as Error).message}`);
    }
  }
  mkdirSync(params.directory, { recursive: true });
  try {
    await mount(device, params.directory, fsType, params.options, Math.max(1000, context.remainingMs() - 1000));
  } catch (error) {
    fail(OcfExit.ERR_GENERIC, (error as Error).message);
  }
  context.log.info(`mounted ${device} (${fsType}) at ${params.directory}`);
  return monitor(context);
}

async function stop(context: Context): Promise<number> {
  const params = context.params;
  const mounted = await ourMount(context);
  if (mounted !== undefined && mounted !== 'foreign') {
    const failure = await releaseAndUnmount(params.directory, {
      mountId: mounted.mountId, termWaitMs: params.term_wait_s * 1000, remainingMs: () => context.remainingMs(), log: context.log,
    });
    if (failure !== undefined) fail(OcfExit.ERR_GENERIC, failure);
    context.log.info(`unmounted ${params.directory}`);
  }
  if (params.volume_group !== undefined) {
    const vg = params.volume_group;
    try {
      if ((await readVolumeGroup(vg)) !== undefined) {
        await deactivate(vg);
        if (params.vg_access_mode === 'tagging') await dropTag(vg, params.tag);
      }
    } catch (error) {
      fail(OcfExit.ERR_GENERIC, `volume group ${vg}: ${(error as Error).message}`);
    }
  } else {
    try {
      await detachVolume(sourceOf(context), Math.max(1000, context.remainingMs() - 1000), (message) => context.log.info(message));
    } catch (error) {
      fail(OcfExit.ERR_GENERIC, (error as Error).message);
    }
  }
  return OcfExit.SUCCESS;
}

export const physicalVolumeAgent = defineAgent({
  name: 'PhysicalVolume',
  version: '1.0',
  shortdesc: 'Block device, LVM volume group and mounted filesystem',
  longdesc: 'Makes a volume usable on this node: attaches a volume file through a loop device, takes an LVM volume group over exclusively (system ID or tag), checks the filesystem after an unclean takeover and mounts it. Stop signals only the processes holding this mount (TERM, then KILL) and never unmounts lazily.',
  parameters,
  validate,
  actions: {
    start: { handler: start, timeoutS: 60 },
    stop: { handler: stop, timeoutS: 60 },
    monitor: { handler: monitor, timeoutS: 40, intervalS: 20 },
  },
  extraActionEntries: [
    { name: 'monitor', timeoutS: 40, intervalS: 60, depth: 10 },
    { name: 'monitor', timeoutS: 40, intervalS: 120, depth: 20 },
  ],
});

/** Runs the action named on the command line and exits: what the launcher calls. */
export function main(): Promise<never> {
  return runAgentProcess(physicalVolumeAgent);
}

if (isMainModule(import.meta.url)) void main();
