/**
 * Two (or more) tandemd daemons in network namespaces for the controller's
 * tests, each with its own HA_RSCTMP (so Dummy state files are per node) and
 * its log kept in a file. The API is called over each daemon's socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsCluster, waitUntil } from '../membership/netns-cluster.js';
import { repoRoot } from '../support/paths.js';
import { callApi } from '../../src/daemon/api/client.js';
import type { DaemonStatus } from '../../src/daemon/tandemd.js';
import { parseXml, serializeXml, type XmlElement } from '../../src/cib/xml.js';
import { cibHeader } from '../../src/cib/model.js';

const daemonPath = join(repoRoot, 'dist/src/daemon/main.js');

export class TandemdCluster {
  readonly net: NetnsCluster;
  private readonly daemons = new Map<number, ChildProcess>();

  constructor(nodes: number, options: { pingTarget?: boolean } = {}) {
    this.net = new NetnsCluster({ nodes, ...options });
  }

  runDir(node: number): string { return join(this.net.dir, `run-n${node}`); }
  stateDir(node: number): string { return join(this.net.dir, `state-n${node}`); }
  rscTmp(node: number): string { return join(this.net.dir, `rsctmp-n${node}`); }
  logFile(node: number): string { return join(this.net.dir, `tandemd-n${node}.log`); }
  socket(node: number): string { return join(this.runDir(node), 'api.sock'); }

  async create(): Promise<void> {
    await this.net.create();
  }

  /**
   * Creates the namespaces, starts every daemon, and waits until they agree
   * on one DC and share its CIB (membership written into it).
   */
  async startAgreed(nodes: readonly number[]): Promise<void> {
    await this.create();
    for (const node of nodes) await this.start(node);
    await this.waitAgreed(nodes);
  }

  /** Waits until the daemons of `nodes` agree on one DC and share its CIB. */
  async waitAgreed(nodes: readonly number[]): Promise<void> {
    await waitUntil(async () => {
      const statuses = await Promise.all(nodes.map((node) => this.status(node)));
      const [first] = statuses;
      return first !== undefined && first.dc !== null && first.membership.view.members.length === nodes.length && first.version.epoch > 1
        && statuses.every((status) => status.dc === first.dc && status.version.epoch === first.version.epoch && status.version.numUpdates === first.version.numUpdates);
    }, 20_000, 'the daemons agree on a DC and share its CIB');
  }

  /**
   * waitUntil, and when it times out, the last lines of the given nodes'
   * daemon logs go to stderr before the error is rethrown.
   */
  async waitOrShowLogs(nodes: readonly number[], check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
    try {
      await waitUntil(check, timeoutMs, what);
    } catch (error) {
      for (const node of nodes) {
        const lines = readFileSync(this.logFile(node), 'utf8').split('\n').slice(-40).join('\n');
        process.stderr.write(`--- last lines of the log of n${node}:\n${lines}\n`);
      }
      throw error;
    }
  }

  /** The nodes where `node`'s daemon sees resource `id` running. */
  async runningOn(node: number, id: string): Promise<string[]> {
    return (await this.status(node)).resources.resources.find((resource) => resource.id === id)?.runningOn ?? [];
  }

  async api(node: number, method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    return callApi(method, params, { socketPath: this.socket(node), timeoutMs: 10_000 });
  }

  async status(node: number): Promise<DaemonStatus> {
    return await this.api(node, 'status') as DaemonStatus;
  }

  async start(node: number): Promise<void> {
    mkdirSync(this.rscTmp(node), { recursive: true });
    const log = createWriteStream(this.logFile(node), { flags: 'a' });
    const child = spawn('ip', ['netns', 'exec', this.net.nodeNs(node), process.execPath, daemonPath, '--config', this.net.configPath, '--node', `n${node}`, '--state-dir', this.stateDir(node), '--run-dir', this.runDir(node), '--fence-agent-dir', join(repoRoot, 'test/support')], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: 'info', HA_RSCTMP: this.rscTmp(node) },
    });
    child.stderr?.pipe(log);
    this.daemons.set(node, child);
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`tandemd n${node} exited with ${child.exitCode}; log in ${this.logFile(node)}`);
      return (await this.status(node).catch(() => undefined)) !== undefined;
    }, 15_000, `tandemd n${node} to answer`);
  }

  /** Kills a daemon (SIGKILL: nothing it runs is stopped) and waits for its exit. */
  async kill(node: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.daemons.get(node);
    this.daemons.delete(node);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** The pid of node `node`'s running tandemd (`ip netns exec` execs it, so the pid is the daemon's), if any. */
  pid(node: number): number | undefined {
    return this.alive(node) ? this.daemons.get(node)?.pid : undefined;
  }

  /** Whether the daemon of `node` that this harness started still runs (a fence agent may have killed it). */
  alive(node: number): boolean {
    const child = this.daemons.get(node);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /**
   * "Powers on" a node the fence agent powered off: its links up, its
   * runtime state gone (HA_RSCTMP is on tmpfs on a real server), then its
   * tandemd started (its CIB on disk is kept, as on a real disk).
   */
  async powerOn(node: number): Promise<void> {
    const child = this.daemons.get(node);
    if (child && child.exitCode === null && child.signalCode === null) throw new Error(`n${node} is still running`);
    this.daemons.delete(node);
    for (const nic of [...Array.from({ length: this.net.linkCount }, (_, link) => `hb${link}`), 'pub']) await this.net.setLink(node, nic, 'up');
    rmSync(this.rscTmp(node), { recursive: true, force: true });
    rmSync(this.runDir(node), { recursive: true, force: true });
    await this.start(node);
  }

  /** Whether the Dummy `rsc` is running on `node` (its state file exists there). */
  dummyRunning(node: number, rsc: string): boolean {
    return existsSync(join(this.rscTmp(node), `Dummy-${rsc}.state`));
  }

  dummyStateFile(node: number, rsc: string): string {
    return join(this.rscTmp(node), `Dummy-${rsc}.state`);
  }

  /**
   * Replaces the cluster options and every resource of the DC's CIB in one
   * change, sent through node `via`'s API against the version it read (so a
   * concurrent change makes it fail, not vanish).
   */
  async replaceConfiguration(options: Readonly<Record<string, string>>, resourcesXml: readonly string[], via = 1): Promise<void> {
    const { xml } = await this.api(via, 'cib.query', { dc: true }) as { xml: string };
    const cib = parseXml(xml, 'cib.query');
    const base = cibHeader(cib);
    configSection(cib, 'crm_config').children = [parseXml(`<cluster_property_set id="cib-bootstrap-options">${
      Object.entries(options).map(([name, value]) => `<nvpair id="o-${name}" name="${name}" value="${value}"/>`).join('')}</cluster_property_set>`, 'options')];
    configSection(cib, 'resources').children = resourcesXml.map((text, index) => parseXml(text, `resource ${index + 1}`));
    await this.api(via, 'cib.replace', { xml: serializeXml(cib), base });
  }

  /** A stonith:fence_tandem_netns device (id `fence-netns`) that powers off this cluster's nodes; `params` are added. */
  fenceDeviceXml(params: Readonly<Record<string, string>> = {}): string {
    const pairs = Object.entries({ netns_prefix: this.fencePrefix, ...params }).map(([name, value]) => `<nvpair id="fence-netns-${name}" name="${name}" value="${value}"/>`);
    return `<primitive id="fence-netns" class="stonith" type="fence_tandem_netns"><instance_attributes id="fence-netns-ia">${pairs.join('')}</instance_attributes></primitive>`;
  }

  /** The netns_prefix the test fence agent needs: node nX lives in namespace prefix + nX. */
  get fencePrefix(): string {
    return this.net.nodeNs(1).slice(0, -'n1'.length);
  }

  async destroy(): Promise<void> {
    for (const node of [...this.daemons.keys()]) await this.kill(node);
    // for a post-mortem: TANDEM_KEEP_LOGS=DIR keeps the daemons' logs
    const keep = process.env['TANDEM_KEEP_LOGS'];
    if (keep !== undefined && this.net.dir !== '') {
      mkdirSync(keep, { recursive: true });
      for (const node of [1, 2, 3, 4]) if (existsSync(this.logFile(node))) copyFileSync(this.logFile(node), join(keep, `${this.net.prefix}-n${node}.log`));
    }
    await this.net.destroy();
  }
}

export { waitUntil };

/** A section of a CIB's configuration (crm_config, resources ...). @throws when absent. */
export function configSection(cib: XmlElement, name: string): XmlElement {
  const found = cib.children.find((element) => element.name === 'configuration')?.children.find((element) => element.name === name);
  if (found === undefined) throw new Error(`the CIB has no ${name} section`);
  return found;
}
