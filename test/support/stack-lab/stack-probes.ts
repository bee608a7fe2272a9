/**
 * Looks into a running stack lab node for the failure scenarios: the mirror
 * engine's state and scrub through its control socket (`tandem mirror
 * status|verify --control`, as an admin would ask), the postmaster's pid
 * (from /proc, per network namespace: the volume is mounted in the node's
 * own mount namespace, so postmaster.pid cannot be read from here), the
 * app's pid from the App agent's pid file, and fail counts through
 * `tandem resource failcount`.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { readPidFile } from '../../../agents/app/pid-file.js';
import type { MirrorStatus, VerifyReport } from '../../../src/mirror/status.js';
import { cliPath } from '../paths.js';
import { namespaceLink } from '../ownership/process-holdings.js';
import type { StackLab } from './stack-lab.js';

/** The Mirror agent's engine control socket on node `node` (its default pidfile + .ctl). */
export function mirrorControlPath(lab: StackLab, node: number): string {
  return path.join(lab.cluster.rscTmp(node), 'Mirror-volume-mirror.pid.ctl');
}

async function mirrorCli(lab: StackLab, node: number, args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(process.execPath, [cliPath, '--output', 'json', 'mirror', ...args, '--control', mirrorControlPath(lab, node)], { reject: false, timeout: 120_000 });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `tandem mirror status --control` of node `node`'s engine. @throws when it does not answer. */
export async function mirrorStatus(lab: StackLab, node: number): Promise<MirrorStatus> {
  const result = await mirrorCli(lab, node, ['status']);
  if (result.exitCode !== 0) throw new Error(`tandem mirror status on n${node} failed (${result.exitCode}): ${result.stderr}`);
  return JSON.parse(result.stdout) as MirrorStatus;
}

/** `tandem mirror verify --control` of node `node`'s engine: the report and the exit code (1 on a mismatch). */
export async function mirrorVerify(lab: StackLab, node: number): Promise<{ exitCode: number; report: VerifyReport }> {
  const result = await mirrorCli(lab, node, ['verify']);
  if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`tandem mirror verify on n${node} failed (${result.exitCode}): ${result.stderr}`);
  return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as VerifyReport };
}

/** Pids of the PostgreSQL postmasters running in node `node`'s network namespace. */
export function postmasterPids(lab: StackLab, node: number): number[] {
  const link = namespaceLink(lab.cluster.net.nodeNs(node));
  const read = (file: string): string => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };
  const pids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== link) continue;
    } catch {
      continue; // exited meanwhile
    }
    if (read(`/proc/${pid}/comm`).trim() !== 'postgres') continue;
    const stat = read(`/proc/${pid}/stat`);
    const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && read(`/proc/${ppid}/comm`).trim() !== 'postgres') pids.push(Number(pid));
  }
  return pids;
}

/** The pid the App agent recorded for the rows app on node `node`, if it runs there. */
export function appPid(lab: StackLab, node: number): number | undefined {
  return readPidFile(path.join(lab.cluster.rscTmp(node), 'App-app.pid'))?.pid;
}

/** Fail counts of `rsc` as `tandem resource failcount --output json` on node `asking` shows them. */
export async function failCounts(lab: StackLab, asking: number, rsc: string): Promise<Array<{ node: string; operation: string; count: string }>> {
  const result = await lab.tandem(asking, ['--output', 'json', 'resource', 'failcount', rsc]);
  if (result.exitCode !== 0) throw new Error(`tandem resource failcount ${rsc} failed (${result.exitCode}): ${result.stderr}`);
  return (JSON.parse(result.stdout) as { failcounts: Array<{ node: string; operation: string; count: string }> }).failcounts;
}

/** Sets every NIC of node `node` named in `nics` down or up. */
export async function setLinks(lab: StackLab, node: number, nics: readonly string[], state: 'up' | 'down'): Promise<void> {
  for (const nic of nics) await execa('ip', ['-n', lab.cluster.net.nodeNs(node), 'link', 'set', nic, state]);
}

/** The value of transient node attribute `name` of node `node` in the live CIB (asked of node `asking`), if set. */
export async function transientAttribute(lab: StackLab, asking: number, node: number, name: string): Promise<string | undefined> {
  const { xml } = await lab.cluster.api(asking, 'cib.query') as { xml: string };
  const start = xml.indexOf(`uname="n${node}"`, xml.indexOf('<status'));
  if (start < 0) return undefined;
  const state = xml.slice(start, xml.indexOf('</node_state>', start));
  const transient = state.slice(state.indexOf('<transient_attributes'), state.indexOf('</transient_attributes>'));
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`<nvpair[^>]*name="${escaped}"[^>]*value="([^"]*)"`).exec(transient)?.[1];
}
