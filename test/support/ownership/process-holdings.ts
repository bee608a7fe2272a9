/**
 * Which lab node runs a mirror engine or a postmaster, read straight from
 * /proc: a process belongs to the node whose network namespace it is in
 * (/proc/PID/ns/net against the inode of /run/netns/NAME). Cheap enough to
 * sample every few tens of milliseconds.
 */
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';

/** What one node holds among the processes. */
export interface ProcessHoldings {
  /** Nodes with a running `tandem mirror serve` engine. */
  readonly mirror: string[];
  /** Nodes with a running PostgreSQL postmaster. */
  readonly database: string[];
}

/** `net:[INODE]` of a named network namespace, as /proc/PID/ns/net reads. */
export function namespaceLink(netns: string): string {
  return `net:[${statSync(`/run/netns/${netns}`).ino}]`;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** Parent pid and state from /proc/PID/stat. */
function stat(pid: string): { ppid: string; state: string } | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: fields[1] ?? '' };
}

/**
 * Scans /proc once. `nodes` maps a namespace link (see namespaceLink) to
 * the node name. A postmaster is a `postgres` process whose parent is not
 * one; an engine is a process whose command line holds `mirror serve`.
 */
export function scanProcesses(nodes: ReadonlyMap<string, string>): ProcessHoldings {
  const mirror = new Set<string>();
  const database = new Set<string>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      continue; // exited, or a kernel thread
    }
    const node = nodes.get(link);
    if (node === undefined) continue;
    const comm = read(`/proc/${pid}/comm`)?.trim();
    const own = stat(pid);
    if (own === undefined || own.state === 'Z') continue;
    if (comm === 'postgres' && read(`/proc/${own.ppid}/comm`)?.trim() !== 'postgres') database.add(node);
    else if (comm === 'node' && (read(`/proc/${pid}/cmdline`) ?? '').includes('mirror\0serve\0')) mirror.add(node);
  }
  return { mirror: [...mirror].sort(), database: [...database].sort() };
}
