/**
 * Runs a tandem agent the way an OCF manager does: its launcher under
 * ocf/resource.d/tandem, an action as argv[1], parameters as OCF_RESKEY_*,
 * optionally inside a network namespace (`ip netns exec`) or the mount
 * namespace of a process (`nsenter -m -t PID`). Also ocf-tester.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/paths.js';

/** What one agent call produced. */
export interface AgentRun {
  readonly rc: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The `ocf-exit-reason:` text, if the agent gave one. */
  readonly exitReason: string | undefined;
}

/** Where a command runs: here, in a named network namespace, or in a process's mount (and network) namespace. */
export interface Placement {
  readonly netns?: string;
  readonly mountNamespaceOf?: number;
  /** With mountNamespaceOf: enter that process's network namespace too. */
  readonly withItsNetwork?: boolean;
}

export function launcherPath(agent: string): string {
  return path.join(repoRoot, 'ocf', 'resource.d', 'tandem', agent);
}

/** The command line that runs `argv` in `placement`. */
export function wrap(placement: Placement, argv: readonly string[]): string[] {
  let command = [...argv];
  if (placement.mountNamespaceOf !== undefined) {
    command = ['nsenter', '-m', ...(placement.withItsNetwork === true ? ['-n'] : []), '-t', String(placement.mountNamespaceOf), '--', ...command];
  }
  if (placement.netns !== undefined) command = ['ip', 'netns', 'exec', placement.netns, ...command];
  return command;
}

/** Runs `argv` (wrapped for `placement`) and collects its output; never rejects for a non-zero exit. */
export function runIn(placement: Placement, argv: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<AgentRun> {
  const [file, ...args] = wrap(placement, argv);
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const exitReason = /^ocf-exit-reason:(.*)$/m.exec(stderr)?.[1];
      resolve({ rc: code ?? (signal === null ? -1 : 128), stdout, stderr, exitReason });
    });
  });
}

/** Options of one agent call. */
export interface RunAgentOptions {
  readonly placement?: Placement;
  readonly extraEnv?: Record<string, string>;
  /** SIGKILL the agent after this many ms, as a manager enforcing the action timeout does (rc is then 128). */
  readonly killAfterMs?: number;
}

/** Runs `action` of `agent` with `params` as OCF_RESKEY_* (plus `extraEnv`). */
export function runAgent(agent: string, action: string, params: Record<string, string>, options: RunAgentOptions = {}): Promise<AgentRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: `test-${agent.toLowerCase()}`,
    OCF_RESOURCE_TYPE: agent,
    OCF_RESOURCE_PROVIDER: 'tandem',
    OCF_RESKEY_CRM_meta_timeout: '30000',
    OCF_RESKEY_CRM_meta_interval: '10000',
    ...options.extraEnv,
  };
  for (const [name, value] of Object.entries(params)) env[`OCF_RESKEY_${name}`] = value;
  return runIn(options.placement ?? {}, [launcherPath(agent), action], env, options.killAfterMs);
}

/** Runs Debian's ocf-tester on `agent` (by default the repository's launcher) with `params`; resolves to its output and exit status. */
export function runOcfTester(agent: string, params: Record<string, string>, placement: Placement = {}, launcher = launcherPath(agent)): Promise<AgentRun> {
  const args = ['ocf-tester', '-n', `tester-${agent.toLowerCase()}`];
  for (const [name, value] of Object.entries(params)) args.push('-o', `${name}=${value}`);
  args.push(launcher);
  return runIn(placement, args, { ...process.env, OCF_ROOT: '/usr/lib/ocf' }, 300_000);
}

/** Describes a run for an assertion message. */
export function show(run: AgentRun): string {
  return `rc=${run.rc} reason=${run.exitReason ?? '-'}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`;
}

/** A private namespace kept alive by a sleeping process, and how to place commands in it. */
export interface NamespaceHolder {
  readonly holder: ChildProcess;
  readonly placement: Placement;
}

/**
 * Starts `unshare --mount [--net] sleep` and resolves once the process is in
 * its new namespaces (unshare execs sleep only after creating them). The
 * caller kills `holder` when done, which ends the namespaces.
 */
export async function holdNamespaces(options: { network?: boolean; seconds?: number } = {}): Promise<NamespaceHolder> {
  const kind = options.network ? 'net' : 'mnt';
  const holder = spawn('unshare', ['--mount', ...(options.network ? ['--net'] : []), '--propagation', 'private', 'sleep', String(options.seconds ?? 900)], { stdio: 'ignore' });
  await new Promise((resolve, reject) => { holder.once('spawn', resolve); holder.once('error', reject); });
  const own = readlinkSync(`/proc/self/ns/${kind}`);
  for (let tries = 0; readlinkSync(`/proc/${holder.pid}/ns/${kind}`) === own; tries++) {
    if (tries >= 250) { holder.kill('SIGKILL'); throw new Error('unshare did not enter new namespaces within 5 s'); }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { holder, placement: { mountNamespaceOf: holder.pid!, ...(options.network ? { withItsNetwork: true } : {}) } };
}
