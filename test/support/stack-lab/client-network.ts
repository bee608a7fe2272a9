/**
 * The lab's client: a namespace on the cluster's public bridge, as a user's
 * machine on the service network. It reaches the virtual IP and nothing
 * else; commands run in it with `ip netns exec`.
 */
import { execa } from 'execa';
import type { NetnsCluster } from '../../membership/netns-cluster.js';

/** The client's address on the public network (198.19.9.0/24, the nodes' `pub`). */
export const clientAddress = '198.19.9.200';

export class ClientNetwork {
  readonly namespace: string;
  private created = false;

  constructor(private readonly net: NetnsCluster) {
    this.namespace = `${net.prefix}-cl`;
  }

  /** Creates the namespace and plugs it into the public bridge. Call after `net.create()`. */
  async create(): Promise<void> {
    const sw = this.net.switchNs;
    await execa('ip', ['netns', 'add', this.namespace]);
    this.created = true;
    await execa('ip', ['-n', sw, 'link', 'add', 'clport', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.namespace]);
    await execa('ip', ['-n', sw, 'link', 'set', 'clport', 'master', 'brp', 'up']);
    await execa('ip', ['-n', this.namespace, 'addr', 'add', `${clientAddress}/24`, 'dev', 'eth0']);
    await execa('ip', ['-n', this.namespace, 'link', 'set', 'eth0', 'up']);
    await execa('ip', ['-n', this.namespace, 'link', 'set', 'lo', 'up']);
  }

  /** The argv that runs `argv` in the client namespace. */
  wrap(argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.namespace, ...argv];
  }

  /** Runs a command in the client namespace to completion (never rejects on a non-zero exit). */
  run(argv: readonly string[], timeoutMs = 30_000) {
    const [file, ...args] = this.wrap(argv);
    return execa(file!, args, { reject: false, timeout: timeoutMs });
  }

  async destroy(): Promise<void> {
    if (this.created) await execa('ip', ['netns', 'del', this.namespace], { reject: false });
  }
}
