/**
 * The App's pid file: line 1 is the pid (so `kill $(head -1 file)` works for
 * a human), line 2 is a JSON record of who that pid was when we started it:
 * boot id, start ticks (/proc/<pid>/stat field 22) and command line.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { OcfError } from '../../src/ocf/errors.js';

export interface AppRecord {
  readonly pid: number;
  readonly bootId: string;
  readonly startTicks: number;
  readonly cmdline: readonly string[];
}

/** Formats a record as the pid file's text. */
export function formatPidFile(record: AppRecord): string {
  return `${record.pid}\n${JSON.stringify({ bootId: record.bootId, startTicks: record.startTicks, cmdline: record.cmdline })}\n`;
}

/**
 * Parses a pid file's text.
 * @throws OcfError OCF_ERR_GENERIC when the text is not a pid file we wrote:
 *   a monitor must not call a resource "stopped" when it cannot tell.
 */
export function parsePidFile(text: string, path: string): AppRecord {
  const [pidLine, recordLine] = text.split('\n');
  const pid = Number(pidLine);
  try {
    const record = JSON.parse(recordLine ?? '') as Partial<AppRecord>;
    if (Number.isInteger(pid) && pid > 0 && typeof record.bootId === 'string' && Number.isInteger(record.startTicks) && Array.isArray(record.cmdline)) {
      return { pid, bootId: record.bootId, startTicks: record.startTicks as number, cmdline: record.cmdline };
    }
  } catch (error) {
    throw new OcfError(OcfExit.ERR_GENERIC, `pid file ${path} is corrupt: ${(error as Error).message}`, { path }, error);
  }
  throw new OcfError(OcfExit.ERR_GENERIC, `pid file ${path} is corrupt: not a pid and a tandem App record`, { path });
}

/** The record in `path`, or undefined when there is no pid file. */
export function readPidFile(path: string): AppRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OcfError(OcfExit.ERR_GENERIC, `cannot read pid file ${path}: ${(error as Error).message}`, { path }, error);
  }
  return parsePidFile(text, path);
}

/** Writes the pid file atomically (a reader sees the old file or the whole new one). */
export function writePidFile(path: string, record: AppRecord): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, formatPidFile(record), { mode: 0o644 });
  renameSync(temporary, path);
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}
