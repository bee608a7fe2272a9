/**
 * The failover bench's lab: two nodes in network namespaces (TandemdCluster:
 * two heartbeat links and a public link each, joined through bridges in a
 * switch namespace), an HTTP responder on each node, and a prober in the
 * switch namespace — the client, on the public bridge like any client on the
 * service network — that GETs the VIP every 20 ms. Every scenario (tandem,
 * keepalived; later the whole stack) runs on the same lab.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { execa } from 'execa';
import { TandemdCluster, waitUntil } from '../../test/controller/tandemd-cluster.js';
import { repoRoot } from '../../test/support/paths.js';

export interface Answer { t: number; node: string }

const script = (name: string): string => join(repoRoot, 'dist/bench/failover', name);

export class FailoverLab {
  readonly cluster = new TandemdCluster(2);
  /** The service address, on the public network 198.19.9.0/24. */
  readonly vip = '198.19.9.100';
  readonly vipPrefix = 24;
  readonly port = 8080;
  readonly probeIntervalMs = 20;
  private readonly responders = new Map<number, ChildProcess>();
  private prober: ChildProcess | undefined;
  private readonly answers: Answer[] = [];

  nodeNs(node: number): string { return this.cluster.net.nodeNs(node); }
  get clientNs(): string { return this.cluster.net.switchNs; }

  async create(): Promise<void> {
    await this.cluster.create();
    this.prober = spawn('ip', ['netns', 'exec', this.clientNs, process.execPath, script('prober.js'), this.vip, String(this.port), String(this.probeIntervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.prober.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.answers.push(JSON.parse(line) as Answer);
        if (this.answers.length > 20_000) this.answers.splice(0, 10_000);
      } catch { /* a partial line at exit */ }
    });
    for (const node of [1, 2]) await this.startResponder(node);
  }

  async startResponder(node: number): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.nodeNs(node), process.execPath, script('responder.js'), `n${node}`, String(this.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.responders.set(node, child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`responder n${node} exited with ${code}`)));
    });
  }

  /** The node the VIP led to in the last 200 ms, if the answers agree. */
  currentServer(): number | undefined {
    const recent = this.answers.filter((answer) => answer.t > Date.now() - 200);
    const nodes = new Set(recent.map((answer) => answer.node));
    const [only] = nodes;
    return recent.length >= 3 && nodes.size === 1 && only !== undefined ? Number(only.slice(1)) : undefined;
  }

  /** Waits until the VIP answers steadily from one node; that node. */
  async steadyServer(timeoutMs: number): Promise<number> {
    let server: number | undefined;
    await waitUntil(() => (server = this.currentServer()) !== undefined, timeoutMs, 'the VIP answering steadily from one node');
    return server as number;
  }

  /** The time of the first answer from `node` after `afterMs`. @throws when none comes within `timeoutMs`. */
  async firstAnswerFrom(node: number, afterMs: number, timeoutMs: number): Promise<number> {
    let first: Answer | undefined;
    await waitUntil(() => (first = this.answers.find((answer) => answer.t > afterMs && answer.node === `n${node}`)) !== undefined, timeoutMs, `the VIP answering from n${node}`);
    return (first as Answer).t;
  }

  /** Which nodes have the VIP on an interface now. */
  async vipHolders(): Promise<number[]> {
    const holders: number[] = [];
    for (const node of [1, 2]) {
      const { stdout } = await execa('ip', ['-n', this.nodeNs(node), '-o', 'addr', 'show']);
      if (stdout.includes(` ${this.vip}/`)) holders.push(node);
    }
    return holders;
  }

  /** Waits until the same single node has held the VIP for `stableMs`. */
  async vipStableFor(stableMs: number, timeoutMs: number): Promise<void> {
    let holder = '';
    let since = Date.now();
    await waitUntil(async () => {
      const now = (await this.vipHolders()).join();
      if (now !== holder || now.includes(',') || now === '') { holder = now; since = Date.now(); }
      return Date.now() - since >= stableMs && !holder.includes(',') && holder !== '';
    }, timeoutMs, `the VIP staying on one node for ${stableMs} ms`);
  }

  /**
   * The node "reboots": the VIP is gone from its interfaces (a rebooted
   * server comes up without it), its links up again, its responder running.
   */
  async rebootNode(node: number): Promise<void> {
    await execa('ip', ['-n', this.nodeNs(node), 'addr', 'del', `${this.vip}/${this.vipPrefix}`, 'dev', 'pub'], { reject: false });
    for (const nic of ['hb0', 'hb1', 'pub']) await execa('ip', ['-n', this.nodeNs(node), 'link', 'set', nic, 'up']);
    const responder = this.responders.get(node);
    if (responder === undefined || responder.exitCode !== null || responder.signalCode !== null) await this.startResponder(node);
  }

  async destroy(): Promise<void> {
    for (const child of [this.prober, ...this.responders.values()]) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await this.cluster.destroy();
  }
}
