/**
 * The service stack lab, for tests, `make demo` and benchmarks: two tandemd
 * nodes in network namespaces (TandemdCluster), a storage namespace with two
 * nbdkit disk arrays both nodes reach, a client namespace on the service
 * network, fencing with fence_tandem_netns, and the stack Mirror →
 * PhysicalVolume (ext4) → Database → App → VirtualIP configured live with
 * `tandem configure`. `destroy()` removes everything, also after a failure.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TandemdCluster } from '../../controller/tandemd-cluster.js';
import { waitUntil } from '../../membership/netns-cluster.js';
import { cliPath } from '../paths.js';
import { ClientNetwork } from './client-network.js';
import { appPort, stackConfiguration, stackPaths, virtualIp, type StackPaths } from './stack-cib.js';
import { provisionVolume } from './stack-volume.js';
import { StorageNetwork } from './storage-network.js';
import { RowsWriter } from './rows-writer.js';
import { killNamespaceProcesses, detachLoopDevicesUnder, dropNbdFuseUnder, loopsOnNbdFuseUnder } from './lab-cleanup.js';
import type { NotedLoop } from '../nbd-fuse-leftovers.js';
import { OwnershipWatcher } from '../ownership-watcher.js';

/** The stack's resources, in start order. */
export const stackResources = ['volume-mirror', 'volume-fs', 'database', 'app', 'vip'] as const;
export const serviceUrl = `http://${virtualIp}:${appPort}`;
/** A node's links (lo aside): what its power-off takes down. */
const nodeLinks = ['hb0', 'hb1', 'pub', 'sto'] as const;

export interface StackLabOptions {
  /** Size of the mirrored volume in MiB (default 256). */
  volumeMiB?: number;
  /** Where destroy() copies the daemons' and the app's logs first (default: $TANDEM_TEST_KEEP_LOGS, else nowhere). */
  keepLogsIn?: string;
}

export class StackLab {
  readonly cluster = new TandemdCluster(2);
  readonly client = new ClientNetwork(this.cluster.net);
  storage: StorageNetwork | undefined;
  /** Started by create(), before any daemon: every wait of the lab checks it. */
  watcher: OwnershipWatcher | undefined;
  paths: StackPaths = stackPaths('/nonexistent');
  readonly nodes = [1, 2] as const;
  /** The loop devices each node's PhysicalVolume was seen to hold (see noteLoopDevices). */
  private readonly loopDevices = new Map<number, Map<string, NotedLoop>>();
  private notedFor = '';

  constructor(private readonly options: StackLabOptions = {}) {}

  get dir(): string { return this.cluster.net.dir; }
  get legFiles(): string[] { return [path.join(this.dir, 'array-a.img'), path.join(this.dir, 'array-b.img')]; }

  /** Namespaces, volume, arrays, client, both daemons agreed on a DC. Nothing configured yet. */
  async create(): Promise<void> {
    await this.cluster.create();
    chmodSync(this.dir, 0o755); // PostgreSQL (user postgres) lives under it
    this.paths = stackPaths(this.dir);
    mkdirSync(path.dirname(this.paths.mirrorSocket), { recursive: true, mode: 0o755 });
    await provisionVolume(this.legFiles, this.options.volumeMiB ?? 256, path.join(this.dir, 'provision'));
    this.storage = new StorageNetwork(this.cluster.net, this.legFiles);
    await this.storage.create();
    await this.storage.startArray(0);
    await this.storage.startArray(1);
    await this.client.create();
    this.watcher = new OwnershipWatcher({
      nodes: this.nodes.map((node) => ({ name: `n${node}`, netns: this.cluster.net.nodeNs(node) })), vip: virtualIp, legFiles: this.legFiles,
    });
    await this.watcher.start();
    for (const node of this.nodes) await this.cluster.start(node);
    await this.cluster.waitAgreed(this.nodes);
  }

  /** Runs `tandem ARGS` against node `node`'s daemon (its local API). */
  tandem(node: number, args: readonly string[]) {
    return execa(process.execPath, [cliPath, ...args], { reject: false, env: { ...process.env, TANDEM_RUN_DIR: this.cluster.runDir(node), TANDEM_LOG_LEVEL: 'warn' } });
  }

  /** Loads the stack's configuration through `tandem configure load update` on node `node`. @throws with tandem's message. */
  async configure(node = 1): Promise<void> {
    const file = path.join(this.dir, 'stack.crm');
    writeFileSync(file, stackConfiguration(this.paths, this.cluster.fencePrefix));
    const loaded = await this.tandem(node, ['configure', 'load', 'update', file]);
    if (loaded.exitCode !== 0) throw new Error(`tandem configure load update failed (${loaded.exitCode}): ${loaded.stderr}`);
  }

  /** The nodes (by number) where node `asking`'s daemon sees the whole stack running. */
  async stackNodes(asking: number): Promise<number[]> {
    const status = await this.cluster.status(asking);
    const where = stackResources.map((id) => status.resources.resources.find((resource) => resource.id === id)?.runningOn ?? []);
    const [first = []] = where;
    if (first.length !== 1 || !where.every((nodes) => nodes.length === 1 && nodes[0] === first[0])) return [];
    const node = Number(first[0]!.slice(1));
    await this.noteLoopDevices(node);
    return [node];
  }

  /** Whether the app answers /health through the VIP from the client namespace. */
  async serviceAnswers(): Promise<boolean> {
    const probe = await this.client.run(['curl', '-sf', '--max-time', '2', `${serviceUrl}/health`], 5000);
    return probe.exitCode === 0;
  }

  /**
   * Waits until node `asking` sees the whole stack on one node and the
   * service answers through the VIP; resolves to that node's number.
   * @throws after `timeoutMs`, with the daemons' last log lines on stderr.
   */
  async waitServing(asking: number, timeoutMs = 120_000): Promise<number> {
    let active = 0;
    await this.cluster.waitOrShowLogs(this.nodes.filter((node) => node === asking), async () => {
      this.watcher?.check();
      const [node] = await this.stackNodes(asking);
      active = node ?? 0;
      return active !== 0 && (await this.serviceAnswers());
    }, timeoutMs, 'the whole stack running on one node and answering through the VIP');
    await this.noteLoopDevices(active);
    return active;
  }

  /**
   * Remembers the loop devices node `node`'s PhysicalVolume holds on its
   * nbdfuse mount, while its tandemd (and so its mount namespace) lives: a
   * node that is fenced leaves them attached to a file on a dead FUSE mount,
   * which a real reboot would drop but this kernel keeps, and sysfs then
   * names that file only relative to the mount.
   */
  async noteLoopDevices(node: number): Promise<void> {
    const pid = this.cluster.pid(node);
    // once per daemon and placement: stackNodes() calls this in polling loops
    if (pid === undefined || this.notedFor === `${node}:${pid}`) return;
    this.notedFor = `${node}:${pid}`;
    this.noteLoopDevicesNow(node);
  }

  private noteLoopDevicesNow(node: number): void {
    const noted = this.loopDevices.get(node) ?? new Map<string, NotedLoop>();
    for (const loop of loopsOnNbdFuseUnder(this.cluster.rscTmp(node))) noted.set(loop.device, loop);
    this.loopDevices.set(node, noted);
  }

  /**
   * Drops what a power cut of node `node` drops and the kernel here keeps:
   * the FUSE connections of its nbdfuse mounts (aborted: a stuck one would
   * hang every `losetup --list` on the machine) and the loop devices on
   * them, also those noted while it lived. For a node the fence agent
   * powered off, before it boots again; powerOff() and destroy() call it.
   * @throws Error naming the loop devices that could not be detached.
   */
  async releaseNode(node: number): Promise<void> {
    await dropNbdFuseUnder(this.cluster.rscTmp(node), [...(this.loopDevices.get(node)?.values() ?? [])]);
    this.loopDevices.delete(node);
  }

  /**
   * Powers node `node` off as a power cut would, as far as the lab can: its
   * links down, its nbdfuse's FUSE connections aborted (while their mounts
   * can still be told apart), every process of its namespace killed, its
   * loop devices detached. Its tandemd stays stopped; see reboot().
   * @throws Error when processes survive or loop devices stay attached.
   */
  async powerOff(node: number): Promise<void> {
    const ns = this.cluster.net.nodeNs(node);
    this.noteLoopDevicesNow(node);
    await Promise.all(nodeLinks.map((nic) => execa('ip', ['-n', ns, 'link', 'set', nic, 'down'], { reject: false, timeout: 10_000 })));
    // Every step runs even when one fails: what it leaves would hang the next test.
    const failures: unknown[] = [];
    await dropNbdFuseUnder(this.cluster.rscTmp(node)).catch((error: unknown) => failures.push(error));
    await killNamespaceProcesses(ns).catch((error: unknown) => failures.push(error));
    await this.releaseNode(node).catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw new Error(`powering n${node} off: ${failures.map(String).join('; ')}`);
  }

  /** Power-cycles node `node`: powerOff(), then the VIP gone from it, its links up and its tandemd started (it rejoins). */
  async reboot(node: number): Promise<void> {
    const ns = this.cluster.net.nodeNs(node);
    await this.powerOff(node);
    await execa('ip', ['-n', ns, 'addr', 'del', `${virtualIp}/24`, 'dev', 'pub'], { reject: false });
    for (const nic of nodeLinks) await execa('ip', ['-n', ns, 'link', 'set', nic, 'up'], { reject: false });
    await this.cluster.start(node);
  }

  /**
   * Waits until the DC is idle (no transition running or pending) and every
   * member has a history (at least a probe) of every stack resource: after
   * a node joins, its probes have run and what they decided is done.
   */
  async waitSettled(asking: number, timeoutMs = 60_000): Promise<void> {
    await this.wait(async () => {
      const { dc } = await this.cluster.status(asking);
      // Each unmet condition throws, so a timeout says which one it was.
      if (dc === null) throw new Error('no DC');
      const dcNode = Number(dc.slice(1));
      const dcStatus = await this.cluster.status(dcNode);
      if (dcStatus.transitionIdle !== true) throw new Error(`the DC ${dc} is not idle`);
      const { xml } = await this.cluster.api(dcNode, 'cib.query') as { xml: string };
      for (const member of dcStatus.membership.view.members) {
        const start = xml.indexOf(`uname="${member}"`, xml.indexOf('<status'));
        const state = start < 0 ? '' : xml.slice(start, xml.indexOf('</node_state>', start));
        const unprobed = stackResources.filter((id) => !state.includes(`<lrm_resource id="${id}"`));
        if (unprobed.length > 0) throw new Error(`no history of ${unprobed.join(', ')} on ${member}`);
      }
      return true;
    }, timeoutMs, 'the DC idle with every resource probed on every member');
  }

  /** Every row acknowledged by the writers `writeRows` started and `unstoredRows` stopped. */
  readonly acknowledged: string[] = [];

  /** Starts a rows writer (for up to `maxSeconds`) and waits until `count` rows are acknowledged through the VIP. */
  async writeRows(prefix: string, count: number, maxSeconds = 300): Promise<RowsWriter> {
    const writer = this.rowsWriter(prefix);
    writer.start(maxSeconds);
    await this.wait(() => writer.acknowledged.length >= count, 60_000, `${count} rows acknowledged through the VIP`);
    return writer;
  }

  /** Stops `writer`, and returns every row acknowledged so far (by it or an earlier writer) that the table lacks. */
  async unstoredRows(writer: RowsWriter): Promise<string[]> {
    await writer.stop();
    this.acknowledged.push(...writer.acknowledged);
    const stored = await this.storedValues();
    return this.acknowledged.filter((value) => !stored.has(value));
  }

  /** A rows client in the client namespace writing through the VIP. */
  rowsWriter(prefix: string): RowsWriter {
    return new RowsWriter(this.client, serviceUrl, prefix);
  }

  /** Every value the rows table holds, read through the VIP. @throws when the app does not answer. */
  async storedValues(): Promise<Set<string>> {
    const read = await this.client.run(['curl', '-sf', '--max-time', '10', `${serviceUrl}/rows`], 15_000);
    if (read.exitCode !== 0) throw new Error(`GET /rows through the VIP failed: ${read.stderr}`);
    return new Set((JSON.parse(read.stdout) as { values: string[] }).values);
  }

  /** Waits until `check` holds, up to `timeoutMs`; fails at once on double ownership. */
  wait(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
    return waitUntil(async () => {
      this.watcher?.check();
      return check();
    }, timeoutMs, what);
  }

  /** Powers both nodes off (FUSE connections, processes, loop devices), removes every namespace and file. */
  async destroy(): Promise<void> {
    await this.watcher?.stop();
    if (this.watcher && this.watcher.violations.length > 0) process.stderr.write(`ownership timeline:\n${this.watcher.describe()}\n`);
    // the stack may still run: powered off, not stopped
    for (const node of this.nodes) await this.powerOff(node).catch((error: unknown) => process.stderr.write(`# cleanup n${node}: ${String(error)}\n`));
    await killNamespaceProcesses(this.client.namespace).catch(() => undefined); // a client left running
    await detachLoopDevicesUnder(this.dir).catch((error: unknown) => process.stderr.write(`# cleanup loops: ${String(error)}\n`));
    await this.storage?.destroy();
    await this.client.destroy();
    const keep = this.options.keepLogsIn ?? process.env['TANDEM_TEST_KEEP_LOGS'];
    if (keep && this.dir) {
      mkdirSync(keep, { recursive: true });
      await execa('sh', ['-c', 'cp "$0"/*.log "$1"/', this.dir, keep], { reject: false });
    }
    await this.cluster.destroy();
  }
}
