/**
 * A real cluster of membership members for tests and benchmarks: each node in
 * its own network namespace, joined through bridges in a "switch" namespace
 * by veth pairs (one per heartbeat link, plus a public link with a ping
 * target). Addresses from 198.18.0.0/15, no default route. Everything is
 * created under a unique prefix and removed by `destroy()`, which also kills
 * the members this harness started (by PID).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { controlSocketPath, requestControl } from '../../src/membership/status-socket.js';
import type { MemberStatus } from '../../src/membership/member.js';

export { cliPath } from '../support/paths.js';
import { cliPath } from '../support/paths.js';

let clusters = 0;

export interface ClusterOptions {
  nodes: number;
  /** Heartbeat links per node (default 2). */
  links?: number;
  /** Extra lines for the [cluster] section. */
  clusterLines?: string[];
  /** Put a ping target on the public bridge and configure it. */
  pingTarget?: boolean;
  /** Pass --allow-stall to members. */
  allowStall?: boolean;
  /** Make the last heartbeat link a multicast link. */
  multicastLastLink?: boolean;
}

export const pingTargetAddress = '198.19.9.254';

export class NetnsCluster {
  readonly prefix = `tdm-mb-${process.pid}-${++clusters}`;
  readonly switchNs = `${this.prefix}-sw`;
  dir = '';
  configPath = '';
  keyPath = '';
  readonly members = new Map<string, ChildProcess>();
  private readonly namespaces: string[] = [];
  readonly linkCount: number;

  constructor(public options: ClusterOptions) {
    this.linkCount = options.links ?? 2;
  }

  nodeNs(node: number): string { return `${this.prefix}-n${node}`; }
  nodeName(node: number): string { return `n${node}`; }
  address(node: number, link: number): string { return `198.18.${link}.${node}`; }

  async create(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), `${this.prefix}-`));
    this.keyPath = join(this.dir, 'authkey');
    await writeFile(this.keyPath, randomBytes(32), { mode: 0o600 });
    await this.netns('add', this.switchNs);
    const inSwitch = (...args: string[]) => execa('ip', ['-n', this.switchNs, ...args]);
    const bridges = [...Array.from({ length: this.linkCount }, (_, link) => `br${link}`), 'brp'];
    for (const bridge of bridges) {
      await inSwitch('link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
      await inSwitch('link', 'set', bridge, 'up');
    }
    await inSwitch('addr', 'add', `${pingTargetAddress}/24`, 'dev', 'brp');
    for (let node = 1; node <= this.options.nodes; node++) {
      const ns = this.nodeNs(node);
      await this.netns('add', ns);
      await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const ports: Array<[string, string, string]> = [
        ...Array.from({ length: this.linkCount }, (_, link): [string, string, string] => [`hb${link}`, `br${link}`, `${this.address(node, link)}/24`]),
        ['pub', 'brp', `198.19.9.${node}/24`],
      ];
      for (const [nic, bridge, cidr] of ports) {
        const port = `n${node}${nic}`;
        await inSwitch('link', 'add', port, 'type', 'veth', 'peer', 'name', nic, 'netns', ns);
        await inSwitch('link', 'set', port, 'master', bridge, 'up');
        await execa('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', nic]);
        await execa('ip', ['-n', ns, 'link', 'set', nic, 'up']);
      }
    }
    await this.writeConfig();
  }

  private async netns(action: 'add' | 'del', name: string): Promise<void> {
    await execa('ip', ['netns', action, name]);
    if (action === 'add') this.namespaces.push(name);
  }

  configText(): string {
    const lines = ['[cluster]', `name = ${this.prefix}`, `key = ${this.keyPath}`, `run_dir = ${this.dir}/run`, ...(this.options.clusterLines ?? [])];
    if (this.options.pingTarget) lines.push(`ping_targets = ${pingTargetAddress}`, 'ping_interval_ms = 1000');
    for (let link = 0; link < this.linkCount; link++) {
      lines.push(`[link hb${link}]`, `port = ${5405 + link}`);
      if (this.options.multicastLastLink && link === this.linkCount - 1) lines.push('transport = mcast', 'group = 239.192.77.1');
    }
    for (let node = 1; node <= this.options.nodes; node++) {
      lines.push(`[node ${this.nodeName(node)}]`, `id = ${node}`);
      for (let link = 0; link < this.linkCount; link++) lines.push(`hb${link} = ${this.address(node, link)}`);
    }
    return lines.join('\n') + '\n';
  }

  async writeConfig(text = this.configText()): Promise<void> {
    this.configPath = join(this.dir, 'membership.conf');
    await writeFile(this.configPath, text);
    await chmod(this.keyPath, 0o600);
  }

  /** Starts the member of node `node` inside its namespace; resolves once its control socket answers. */
  async start(node: number): Promise<ChildProcess> {
    const args = ['netns', 'exec', this.nodeNs(node), process.execPath, cliPath, 'membership', 'run', '--config', this.configPath, '--node', this.nodeName(node)];
    if (this.options.allowStall) args.push('--allow-stall');
    const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: process.env['TANDEM_MEMBER_LOG_LEVEL'] ?? 'warn' } });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    this.members.set(this.nodeName(node), child);
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`member ${this.nodeName(node)} exited with ${child.exitCode}: ${stderr}`);
      return (await this.status(node).catch(() => undefined)) !== undefined;
    }, 15000, `member ${this.nodeName(node)} to answer`);
    return child;
  }

  /** kill -9 of one member (a PID this harness started). */
  async kill(node: number): Promise<void> {
    const child = this.members.get(this.nodeName(node));
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.members.delete(this.nodeName(node));
  }

  socketPath(node: number): string {
    return controlSocketPath(join(this.dir, 'run'), this.nodeName(node));
  }

  async status(node: number): Promise<MemberStatus> {
    return await requestControl(this.socketPath(node), { cmd: 'status' }, 3000) as MemberStatus;
  }

  async request(node: number, request: Parameters<typeof requestControl>[1]): Promise<unknown> {
    return await requestControl(this.socketPath(node), request, 10000);
  }

  /** Sets one NIC of a node down or up (`hb0`, `hb1`, `pub`). */
  async setLink(node: number, nic: string, state: 'up' | 'down'): Promise<void> {
    await execa('ip', ['-n', this.nodeNs(node), 'link', 'set', nic, state]);
  }

  /** Kills every member this harness started and removes namespaces and files. */
  async destroy(): Promise<void> {
    for (const node of [...this.members.keys()]) await this.kill(Number(node.slice(1)));
    for (const ns of this.namespaces.reverse()) await execa('ip', ['netns', 'del', ns], { reject: false });
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Polls `predicate` every 100 ms until it returns true.
 * @throws Error naming what was awaited when `timeoutMs` passes (a bound, not a timing assertion).
 */
export async function waitUntil(predicate: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await predicate()) return;
    } catch (error) {
      lastError = error;
      // A process that died, or an error marked fatal (a double ownership), ends the wait at once.
      if (error instanceof Error && (/exited with/.test(error.message) || (error as { fatal?: unknown }).fatal === true)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
