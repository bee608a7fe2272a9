/**
 * What `tandem cluster init` writes: a complete cluster configuration (the
 * membership format of src/membership/CONFIG.md, read by tandemd) built from
 * a cluster name and one `NAME=ADDR[,ADDR2]` per node, each address on its
 * own heartbeat link. Pure: text in, text out; the result is parsed back
 * with the daemon's own parser before anything is written.
 */
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';
import { parseMembershipConfig, type MembershipConfig } from '../../membership/config.js';

export interface NodeSpec { name: string; addresses: string[] }

export interface InitSettings {
  clusterName: string;
  nodes: NodeSpec[];
  /** Where the key file lives; written into the config's `key`. */
  keyPath: string;
  /** Runtime directory of the daemon; written into `run_dir`. */
  runDir: string;
  /** UDP port of the first heartbeat link; link N uses basePort + N. */
  basePort: number;
  messagePort: number;
  pingTargets: string[];
}

const namePattern = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Parses one `--node NAME=ADDR[,ADDR2...]` value.
 * @throws UsageError naming the value and what is wrong with it.
 */
export function parseNodeSpec(text: string): NodeSpec {
  const match = /^([^=]*)=(.*)$/.exec(text);
  if (!match) throw new UsageError(`--node '${text}': expected NAME=ADDR[,ADDR2] (e.g. --node alpha=198.18.0.1,198.18.1.1)`, { option: 'node', value: text });
  const name = match[1] ?? '';
  if (!namePattern.test(name)) throw new UsageError(`--node '${text}': node name '${name}' must be 1-64 letters, digits, '_', '.' or '-'`, { option: 'node', value: text });
  const addresses = (match[2] ?? '').split(',').map((address) => address.trim());
  for (const address of addresses) {
    if (isIP(address) !== 4) throw new UsageError(`--node '${text}': '${address}' is not an IPv4 address`, { option: 'node', value: text });
  }
  return { name, addresses };
}

/**
 * Checks the settings as a whole (names, addresses, link counts, ports).
 * @throws UsageError naming the first problem.
 */
export function checkInitSettings(settings: InitSettings): void {
  if (!namePattern.test(settings.clusterName)) throw new UsageError(`--name '${settings.clusterName}': a cluster name is 1-64 letters, digits, '_', '.' or '-'`, { option: 'name' });
  if (settings.nodes.length === 0) throw new UsageError('no --node given: name every node of the cluster, e.g. --node alpha=198.18.0.1 --node beta=198.18.0.2', { option: 'node' });
  const names = new Set<string>();
  const addresses = new Set<string>();
  const links = settings.nodes[0]?.addresses.length ?? 0;
  for (const node of settings.nodes) {
    if (names.has(node.name)) throw new UsageError(`--node: node '${node.name}' given twice`, { option: 'node', value: node.name });
    names.add(node.name);
    if (node.addresses.length !== links) throw new UsageError(`--node ${node.name}: ${node.addresses.length} address(es), but ${settings.nodes[0]?.name} has ${links}: every node needs one address per heartbeat link`, { option: 'node', value: node.name });
    for (const address of node.addresses) {
      if (addresses.has(address)) throw new UsageError(`--node ${node.name}: address ${address} is used twice`, { option: 'node', value: address });
      addresses.add(address);
    }
  }
  if (links > 8) throw new UsageError(`--node: at most 8 heartbeat links (addresses per node), got ${links}`, { option: 'node' });
  if (settings.basePort + links - 1 > 65535 || settings.basePort < 1) throw new UsageError(`--port ${settings.basePort}: out of range`, { option: 'port' });
  for (const target of settings.pingTargets) {
    if (isIP(target) === 0) throw new UsageError(`--ping-target '${target}' is not an IP address`, { option: 'ping-target', value: target });
  }
}

/**
 * The configuration text for `settings`, with comments saying what each
 * default means, and its parsed form (the daemon's parser accepted it).
 * @throws UsageError for bad settings (see checkInitSettings).
 */
export function buildClusterConfig(settings: InitSettings, source: string): { text: string; config: MembershipConfig } {
  checkInitSettings(settings);
  const links = settings.nodes[0]?.addresses.length ?? 0;
  const lines = [
    '# tandem cluster configuration, written by `tandem cluster init`.',
    '# Format: see src/membership/CONFIG.md (README: "Set up a cluster").',
    '# Copy it to the other nodes with `tandem cluster join`; it must be identical everywhere.',
    '[cluster]',
    `name = ${settings.clusterName}`,
    `key = ${settings.keyPath}`,
    `run_dir = ${settings.runDir}`,
    `message_port = ${settings.messagePort}`,
    '# defaults: keepalive_ms = 100, warntime_ms = 500, deadtime_ms = 900 (a dead peer is seen within ~1 s)',
  ];
  if (settings.pingTargets.length > 0) lines.push(`ping_targets = ${settings.pingTargets.join(' ')}`);
  for (let link = 0; link < links; link++) lines.push('', `[link hb${link}]`, 'transport = udp', `port = ${settings.basePort + link}`);
  settings.nodes.forEach((node, index) => {
    lines.push('', `[node ${node.name}]`, `id = ${index + 1}`);
    node.addresses.forEach((address, link) => lines.push(`hb${link} = ${address}`));
  });
  const text = lines.join('\n') + '\n';
  return { text, config: parseMembershipConfig(text, source) };
}
