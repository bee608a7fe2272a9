/**
 * What the App's pid file says about the application now: stopped (no pid
 * file), running (the pid is alive and is the process we started), exited
 * (gone, or its pid reused by another process), or leftovers (the leader
 * exited but processes of its session still run).
 */
import { isLive, readBootId, readCmdline, readProcStat, sessionMembers, type ProcStat } from './process-identity.js';
import { readPidFile, type AppRecord } from './pid-file.js';

export type AppState =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'running'; readonly record: AppRecord; readonly cmdlineChanged: boolean }
  | { readonly kind: 'exited'; readonly record: AppRecord; readonly why: string }
  | { readonly kind: 'leftovers'; readonly record: AppRecord; readonly members: readonly ProcStat[] };

/**
 * Live processes of the session the application started (its leader's pid is
 * the session id). A reused pid cannot be in it: Linux does not hand out a
 * pid while a session or process group of that number still exists, and a
 * member must have started no earlier than the leader.
 */
export function sessionOf(record: AppRecord): ProcStat[] {
  return sessionMembers(record.pid).filter((member) => member.startTicks >= record.startTicks);
}

/**
 * Inspects the application recorded in `pidFile`.
 * @throws OcfError OCF_ERR_GENERIC when the pid file cannot be read or is corrupt.
 */
export function inspectApp(pidFile: string): AppState {
  const record = readPidFile(pidFile);
  if (record === undefined) return { kind: 'stopped' };
  if (record.bootId !== readBootId()) return { kind: 'exited', record, why: `the pid file is from an earlier boot` };
  const leader = readProcStat(record.pid);
  if (isLive(leader) && leader.startTicks === record.startTicks) {
    // pid + start time within one boot is the identity; an application may rewrite its title (argv), so a
    // changed command line alone does not make it someone else's.
    const cmdline = readCmdline(record.pid);
    return { kind: 'running', record, cmdlineChanged: cmdline.join('\0') !== record.cmdline.join('\0') };
  }
  if (isLive(leader)) {
    return { kind: 'exited', record, why: `pid ${record.pid} is now another process (started at tick ${leader.startTicks}, ours at ${record.startTicks}): the application exited` };
  }
  const members = sessionOf(record);
  if (members.length > 0) return { kind: 'leftovers', record, members };
  return { kind: 'exited', record, why: `the application (pid ${record.pid}) exited` };
}
