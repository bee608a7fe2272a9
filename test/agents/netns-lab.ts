/**
 * A small Ethernet segment of network namespaces for agent tests: a switch
 * namespace with a bridge, and hosts each joined to it by a veth pair (eth0
 * inside the host). Names carry a unique prefix; `destroy` removes them all.
 */
import { execFileSync } from 'node:child_process';

export interface Lab {
  readonly prefix: string;
  /** The namespace name of host `name`. */
  ns(name: string): string;
  /** Runs `ip` inside host `name` and returns its stdout. */
  ip(name: string, args: readonly string[]): string;
  /** The MAC address of host `name`'s eth0. */
  mac(name: string): string;
  destroy(): void;
}

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Creates the switch and `hosts`, each with `addresses[host]` (CIDR text, may be empty)
 * on eth0, loopback up, no default route.
 */
export function createLab(tag: string, hosts: Record<string, readonly string[]>): Lab {
  const prefix = `tdm-agents-${process.pid}-${tag}-`;
  const created: string[] = [];
  const ns = (name: string): string => `${prefix}${name}`;
  const lab: Lab = {
    prefix,
    ns,
    ip: (name, args) => ip(['-n', ns(name), ...args]),
    mac: (name) => (JSON.parse(ip(['-n', ns(name), '-j', 'link', 'show', 'eth0'])) as { address: string }[])[0]!.address,
    destroy: () => {
      for (const name of created.reverse()) {
        try {
          ip(['netns', 'del', name]);
        } catch (error) {
          console.error(`cleanup: ip netns del ${name} failed`, error);
        }
      }
    },
  };
  try {
    const sw = ns('sw');
    ip(['netns', 'add', sw]);
    created.push(sw);
    ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    let index = 0;
    for (const [name, addresses] of Object.entries(hosts)) {
      const host = ns(name);
      ip(['netns', 'add', host]);
      created.push(host);
      const port = `p${index++}`;
      ip(['-n', host, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
      ip(['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
      ip(['-n', host, 'link', 'set', 'lo', 'up']);
      ip(['-n', host, 'link', 'set', 'eth0', 'up']);
      for (const address of addresses) ip(['-n', host, 'addr', 'add', address, 'dev', 'eth0']);
    }
  } catch (error) {
    lab.destroy();
    throw error;
  }
  return lab;
}
