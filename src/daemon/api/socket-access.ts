/**
 * Who may use the local API: root and members of the cluster admin group
 * (`haclient`, as Pacemaker). Enforced by the file system: the socket's
 * directory is 0750 and the socket 0660, both owned by root:haclient.
 */
import { readFile, chmod, chown, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Pacemaker's administrators' group. */
export const adminGroup = 'haclient';

/** The gid of a group from /etc/group, or undefined when it does not exist. */
export async function groupId(name: string, groupFile = '/etc/group'): Promise<number | undefined> {
  const text = await readFile(groupFile, 'utf8');
  for (const line of text.split('\n')) {
    const [groupName, , gid] = line.split(':');
    if (groupName === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/**
 * Creates the socket's directory if needed and restricts it to root and the
 * admin group (root only when the group does not exist).
 */
export async function secureSocketDirectory(socketPath: string, group = adminGroup): Promise<number | undefined> {
  const directory = path.dirname(socketPath);
  await mkdir(directory, { recursive: true, mode: 0o750 });
  const gid = await groupId(group);
  await chmod(directory, 0o750);
  if (process.getuid?.() === 0) await chown(directory, 0, gid ?? 0);
  return gid;
}

/** Restricts the listening socket itself to root and the admin group. */
export async function secureSocket(socketPath: string, gid: number | undefined): Promise<void> {
  await chmod(socketPath, gid === undefined ? 0o600 : 0o660);
  if (process.getuid?.() === 0) await chown(socketPath, 0, gid ?? 0);
}
