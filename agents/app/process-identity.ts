/**
 * Who a pid is, from /proc: its state, group, session and start time (field
 * 22 of /proc/<pid>/stat, clock ticks since boot). A pid plus its start time
 * within one boot names one process for ever; a pid alone does not, because
 * the kernel reuses pids.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  /** R, S, D, Z (zombie), X (dead), T ... */
  readonly state: string;
  readonly ppid: number;
  readonly processGroup: number;
  readonly session: number;
  /** Field 22: start time in clock ticks after boot. */
  readonly startTicks: number;
}

/** Parses the text of /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const pid = Number(text.slice(0, open).trim());
  const numbers = [fields[1], fields[2], fields[3], fields[19]].map(Number);
  if (!Number.isInteger(pid) || numbers.some((value) => !Number.isInteger(value)) || fields[0] === undefined) return undefined;
  const [ppid, processGroup, session, startTicks] = numbers as [number, number, number, number];
  return { pid, state: fields[0], ppid, processGroup, session, startTicks };
}

/** /proc/<pid>/stat, or undefined when no such process exists (or it vanished while read). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (error) {
    if (['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

/** The argv of a process from /proc/<pid>/cmdline; [] for a zombie or a vanished process. */
export function readCmdline(pid: number): string[] {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text === '' ? [] : text.replace(/\0$/, '').split('\0');
  } catch (error) {
    if (['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

/** This boot's id: start ticks only name a process within one boot. */
export function readBootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** A zombie or dead process runs no code any more. */
export function isLive(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Every live process whose session is `session` (the app's leader pid, as it
 * started in a session of its own). Walks /proc: only used when the leader is
 * gone or when stopping, never on a healthy monitor.
 */
export function sessionMembers(session: number): ProcStat[] {
  const members: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (isLive(stat) && stat.session === session) members.push(stat);
  }
  return members;
}
