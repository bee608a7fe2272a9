/**
 * PostgreSQL's postmaster.pid (and the socket lock file, same layout): which
 * process claims a data directory, on which port and socket directory.
 * Parsing is pure; see src/include/utils/pidfile.h for the line numbers.
 */
import { readFileSync } from 'node:fs';

/** What a postmaster.pid says. Fields a starting server has not written yet are undefined. */
export interface PostmasterPidFile {
  readonly pid: number;
  readonly dataDirectory: string;
  readonly startedAtS?: number;
  readonly port?: number;
  readonly socketDirectory?: string;
  readonly listenAddress?: string;
  /** `starting`, `stopping`, `ready` or `standby` (line 8), when written. */
  readonly status?: string;
}

/**
 * Parses the text of postmaster.pid. Returns undefined when the first line is
 * not a pid (a torn or foreign file). Negative pids (a standalone backend) are
 * taken as their absolute value, as pg_ctl does.
 */
export function parsePostmasterPid(text: string): PostmasterPidFile | undefined {
  const lines = text.split('\n');
  const pidText = lines[0]?.trim() ?? '';
  if (!/^-?\d+$/.test(pidText)) return undefined;
  const pid = Math.abs(Number(pidText));
  if (pid === 0) return undefined;
  const optionalNumber = (line: string | undefined): number | undefined => (line !== undefined && /^\s*\d+\s*$/.test(line) ? Number(line) : undefined);
  const optionalText = (line: string | undefined): string | undefined => (line === undefined || line.trim() === '' ? undefined : line.trim());
  return {
    pid,
    dataDirectory: lines[1]?.trim() ?? '',
    startedAtS: optionalNumber(lines[2]),
    port: optionalNumber(lines[3]),
    socketDirectory: optionalText(lines[4]),
    listenAddress: optionalText(lines[5]),
    status: optionalText(lines[7]),
  };
}

/** Reads and parses `file`; undefined when it does not exist or does not parse. */
export function readPostmasterPid(file: string): PostmasterPidFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parsePostmasterPid(text);
}
