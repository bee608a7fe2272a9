/**
 * Exclusive ownership and activation of an LVM volume group, the way
 * ocf:heartbeat:LVM-activate does it without lvmlockd: either the VG's
 * system ID names the owning node (lvm.conf `system_id_source` set on every
 * node), or a tag does and activation is limited to VGs carrying this node's
 * tag (`activation/volume_list = ["@tag"]`). Runs lvm2's commands.
 */
import { describeFailure, runCommand, type CommandResult } from './run-command.js';

export type VgAccessMode = 'system_id' | 'tagging';

/** What `vgs` reports about a volume group. */
export interface VolumeGroupState {
  readonly name: string;
  /** The owner's system ID; empty when the VG has none. */
  readonly systemId: string;
  readonly tags: readonly string[];
}

const lvmTimeoutMs = 30_000;

function lvm(args: readonly string[]): Promise<CommandResult> {
  // lvm2 complains on stderr about every inherited descriptor; ours are harmless.
  return runCommand('lvm', args, { timeoutMs: lvmTimeoutMs, env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } });
}

async function lvmOrThrow(args: readonly string[]): Promise<CommandResult> {
  const result = await lvm(args);
  if (result.exitCode !== 0) throw new Error(describeFailure(`lvm ${args.join(' ')}`, result));
  return result;
}

/** Parses `vgs --reportformat json -o vg_name,vg_systemid,vg_tags` output. */
export function parseVgsReport(json: string): VolumeGroupState[] {
  const parsed = JSON.parse(json) as { report?: { vg?: { vg_name: string; vg_systemid?: string; vg_tags?: string }[] }[] };
  return (parsed.report?.[0]?.vg ?? []).map((vg) => ({
    name: vg.vg_name,
    systemId: vg.vg_systemid ?? '',
    tags: (vg.vg_tags ?? '').split(',').filter(Boolean),
  }));
}

/** This node's LVM system ID (`lvm systemid`); empty when lvm.conf sets none. */
export async function localSystemId(): Promise<string> {
  const result = await lvmOrThrow(['systemid']);
  return /system ID:\s*(\S*)/.exec(result.stdout)?.[1] ?? '';
}

/** The volume group `vg`, also when another node's system ID owns it; undefined when no device holds it. */
export async function readVolumeGroup(vg: string): Promise<VolumeGroupState | undefined> {
  const result = await lvm(['vgs', '--foreign', '--reportformat', 'json', '-o', 'vg_name,vg_systemid,vg_tags', vg]);
  if (result.exitCode !== 0) {
    if (/not found|Cannot process volume group/i.test(result.stderr)) return undefined;
    throw new Error(describeFailure(`vgs ${vg}`, result));
  }
  return parseVgsReport(result.stdout).find((entry) => entry.name === vg);
}

/**
 * Makes this node the owner of `vg`: its system ID becomes `localId`, taking
 * it over from `previousOwner` (the node that failed; vgchange refuses a
 * foreign VG unless that ID is named as an extra system ID).
 */
export async function takeSystemId(vg: string, localId: string, previousOwner: string): Promise<void> {
  const config = previousOwner === '' || previousOwner === localId ? [] : ['--config', `local/extra_system_ids=["${previousOwner}"]`];
  await lvmOrThrow(['vgchange', '-y', ...config, '--systemid', localId, vg]);
}

/** Makes `tag` the only owner tag of `vg`: removes `staleTags`, adds `tag`. */
export async function takeTag(vg: string, tag: string, staleTags: readonly string[]): Promise<void> {
  const deletions = staleTags.filter((stale) => stale !== tag).flatMap((stale) => ['--deltag', stale]);
  await lvmOrThrow(['vgchange', ...deletions, '--addtag', tag, vg]);
}

/** Removes `tag` from `vg` (stop in tagging mode). */
export async function dropTag(vg: string, tag: string): Promise<void> {
  await lvmOrThrow(['vgchange', '--deltag', tag, vg]);
}

/**
 * Activates the logical volumes of `vg` locally. In tagging mode only a VG
 * carrying `tag` may activate (`volume_list`), so a stale owner cannot.
 * @throws Error with lvm's message (e.g. no device-mapper in the kernel).
 */
export async function activate(vg: string, mode: VgAccessMode, tag: string): Promise<void> {
  const config = mode === 'tagging' ? ['--config', `activation/volume_list=["@${tag}"]`] : [];
  await lvmOrThrow(['vgchange', ...config, '-a', 'ly', vg]);
}

/** Deactivates every logical volume of `vg`. */
export async function deactivate(vg: string): Promise<void> {
  await lvmOrThrow(['vgchange', '-a', 'n', vg]);
}

/** True when the logical volume `vg/lv` is active here (its device node exists under /dev/<vg>). */
export async function isActive(vg: string, lv: string): Promise<boolean> {
  const result = await lvm(['lvs', '--noheadings', '-o', 'lv_active', `${vg}/${lv}`]);
  return result.exitCode === 0 && result.stdout.trim() === 'active';
}
