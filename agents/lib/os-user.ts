/** Operating-system accounts an agent runs a service as. */
import { runCommand } from './run-command.js';

/** A user account from the name service (files, LDAP ...). */
export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Parses one `getent passwd` line. Undefined when it is not one. */
export function parsePasswdLine(line: string): OsUser | undefined {
  const [name, , uid, gid, , home] = line.trim().split(':');
  if (name === undefined || uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
}

/** The account `name`, through NSS (`getent passwd`); undefined when there is none. */
export async function lookupUser(name: string): Promise<OsUser | undefined> {
  const result = await runCommand('getent', ['passwd', name], { timeoutMs: 10_000 });
  if (result.exitCode !== 0) return undefined;
  return parsePasswdLine(result.stdout.split('\n')[0] ?? '');
}

/** The environment a command runs with as `user`: PATH kept, HOME/USER/LOGNAME the user's. */
export function userEnvironment(user: OsUser, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    ...extra,
  };
}
