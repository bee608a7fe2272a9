/**
 * The lab's storage side: a storage namespace on its own bridge (in the
 * cluster's switch namespace) with one NIC `sto` per node, and two nbdkit
 * "disk arrays" there, each serving one leg file over TCP. Both nodes reach
 * both arrays, as two servers reach two SAN arrays. An array can be killed
 * and started again (array-failure scenarios).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import type { NetnsCluster } from '../../membership/netns-cluster.js';
import { waitUntil } from '../../membership/netns-cluster.js';

/** Address of the storage namespace on the storage network. */
export const storageAddress = '198.18.20.250';
/** TCP port of array `index` (0 or 1). */
export function arrayPort(index: number): number { return 10809 + index; }
/** The NBD URI of array `index`, as the nodes reach it. */
export function arrayUri(index: number): string { return `nbd://${storageAddress}:${arrayPort(index)}`; }
/** A node's address on the storage network. */
export function nodeStorageAddress(node: number): string { return `198.18.20.${node}`; }

export class StorageNetwork {
  readonly namespace: string;
  private readonly arrays = new Map<number, ChildProcess>();
  private created = false;

  /** `legFiles[i]` is what array i serves. */
  constructor(private readonly net: NetnsCluster, readonly legFiles: readonly string[]) {
    this.namespace = `${net.prefix}-sto`;
  }

  /** Creates the namespace, the bridge and every node's `sto` NIC. Call after `net.create()`. */
  async create(): Promise<void> {
    const sw = this.net.switchNs;
    await execa('ip', ['netns', 'add', this.namespace]);
    this.created = true;
    await execa('ip', ['-n', sw, 'link', 'add', 'brs', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    await execa('ip', ['-n', sw, 'link', 'set', 'brs', 'up']);
    const ports: Array<[string, string, string]> = [[this.namespace, 'stoport', `${storageAddress}/24`]];
    for (let node = 1; node <= this.net.options.nodes; node++) ports.push([this.net.nodeNs(node), `n${node}sto`, `${nodeStorageAddress(node)}/24`]);
    for (const [ns, port, cidr] of ports) {
      await execa('ip', ['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'sto', 'netns', ns]);
      await execa('ip', ['-n', sw, 'link', 'set', port, 'master', 'brs', 'up']);
      await execa('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', 'sto']);
      await execa('ip', ['-n', ns, 'link', 'set', 'sto', 'up']);
      await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }

  /** Starts nbdkit for array `index` in the storage namespace; resolves once it accepts connections. */
  async startArray(index: number): Promise<void> {
    const file = this.legFiles[index];
    if (file === undefined) throw new Error(`no array ${index}`);
    const child = spawn('ip', ['netns', 'exec', this.namespace, 'nbdkit', '-f', '-i', storageAddress, '-p', String(arrayPort(index)), 'file', file], { stdio: 'ignore' });
    this.arrays.set(index, child);
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`nbdkit of array ${index} exited with ${child.exitCode}`);
      const probe = await execa('ip', ['netns', 'exec', this.namespace, 'nbdinfo', '--size', `nbd://${storageAddress}:${arrayPort(index)}`], { reject: false });
      return probe.exitCode === 0;
    }, 15_000, `array ${index} (nbdkit) to serve`);
  }

  /** kill -9 of array `index`'s nbdkit (a PID this lab started): the array fails. */
  async killArray(index: number): Promise<void> {
    const child = this.arrays.get(index);
    this.arrays.delete(index);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops both arrays and removes the namespace (the switch side goes with the switch namespace). */
  async destroy(): Promise<void> {
    for (const index of [...this.arrays.keys()]) await this.killArray(index);
    if (this.created) await execa('ip', ['netns', 'del', this.namespace], { reject: false });
  }
}
