/**
 * What a takeover needs to know about a filesystem before mounting it: its
 * type, whether it was left mounted (unclean), and a check that repairs it.
 * ext2/3/4 through e2fsprogs; XFS replays its log at mount and has no
 * preen-style check, so it is never "fsck'd" here.
 */
import { describeFailure, runCommand } from './run-command.js';

/** The filesystem type blkid finds on `device`, or undefined when it finds none. */
export async function detectFilesystemType(device: string): Promise<string | undefined> {
  const result = await runCommand('blkid', ['-p', '-o', 'value', '-s', 'TYPE', device], { timeoutMs: 15_000 });
  const type = result.stdout.trim();
  return result.exitCode === 0 && type !== '' ? type : undefined;
}

/** True for the types e2fsprogs checks. */
export function isExtFamily(fsType: string): boolean {
  return fsType === 'ext2' || fsType === 'ext3' || fsType === 'ext4';
}

/** Reads `dumpe2fs -h` header: the feature list and the state line. */
export function parseExtHeader(text: string): { features: string[]; state: string } {
  const features = /^Filesystem features:\s*(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
  const state = /^Filesystem state:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? '';
  return { features, state };
}

/**
 * True when the ext filesystem on `device` was not unmounted cleanly: its
 * journal needs recovery, or its state is not "clean".
 */
export async function wasLeftUnclean(device: string, fsType: string): Promise<boolean> {
  if (!isExtFamily(fsType)) return false;
  const result = await runCommand('dumpe2fs', ['-h', device], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new Error(describeFailure(`dumpe2fs -h ${device}`, result));
  const header = parseExtHeader(result.stdout);
  return header.features.includes('needs_recovery') || header.state !== 'clean';
}

/**
 * Replays the journal and checks the whole filesystem (`e2fsck -f -p`),
 * fixing what is safe to fix. Resolves to e2fsck's exit code when it left the
 * filesystem consistent (0 or 1).
 * @throws Error when errors remain (exit 4 and up) or it did not finish in `timeoutMs`.
 */
export async function checkFilesystem(device: string, fsType: string, timeoutMs: number): Promise<number> {
  if (!isExtFamily(fsType)) return 0;
  const result = await runCommand('e2fsck', ['-f', '-p', device], { timeoutMs });
  if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(describeFailure(`e2fsck -f -p ${device}`, result));
  return result.exitCode;
}
