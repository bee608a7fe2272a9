/**
 * The membership configuration: an INI-style file (documented in CONFIG.md)
 * parsed into a typed, validated `MembershipConfig`. Every error names the
 * file, line and field at fault.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';

export type LinkTransport = 'udp' | 'mcast' | 'serial';

export interface LinkConfig {
  name: string;
  /** Position in the file; carried in each heartbeat packet. */
  index: number;
  transport: LinkTransport;
  /** UDP port for udp/mcast links. */
  port: number;
  /** Multicast group for mcast links. */
  group?: string;
  /** Baud rate for serial links. */
  baud: number;
}

export interface NodeConfig {
  name: string;
  id: number;
  votes: number;
  /** Link name → this node's IPv4 address (udp/mcast) or device path (serial). */
  endpoints: Record<string, string>;
}

export interface QuorumConfig {
  expectedVotes: number;
  twoNode: boolean;
  waitForAll: boolean;
}

export interface MembershipConfig {
  source: string;
  clusterName: string;
  /** 32-bit id derived from the cluster name; carried in every packet. */
  clusterId: number;
  keyFile: string;
  keepaliveMs: number;
  warntimeMs: number;
  deadtimeMs: number;
  initdeadMs: number;
  runDir: string;
  messagePort: number;
  pingTargets: string[];
  pingIntervalMs: number;
  pingMultiplier: number;
  /** A link that went down this many times within flapWindowMs is flapping. */
  flapCount: number;
  flapWindowMs: number;
  quorum: QuorumConfig;
  /** Run heartbeats in their own thread (default). `no` exists for the false-positive benchmark's anchor. */
  heartbeatThread: boolean;
  links: LinkConfig[];
  nodes: NodeConfig[];
}

interface Entry { value: string; line: number }
interface Section { kind: string; name: string; line: number; entries: Map<string, Entry> }

/** The 32-bit cluster id of a cluster name (first 4 bytes of its SHA-256). */
export function clusterIdOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}

function splitSections(text: string, source: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  text.split('\n').forEach((raw, lineIndex) => {
    const line = lineIndex + 1;
    const stripped = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (stripped === '') return;
    const header = /^\[\s*([a-z]+)(?:\s+([A-Za-z0-9_.-]+))?\s*\]$/.exec(stripped);
    if (header) {
      current = { kind: header[1] ?? '', name: header[2] ?? '', line, entries: new Map() };
      sections.push(current);
      return;
    }
    const pair = /^([a-z_][a-z0-9_.-]*)\s*=\s*(.*)$/i.exec(stripped);
    if (!pair) throw new ConfigError(`${source}:${line}: expected 'key = value' or '[section]', got '${stripped}'`, { file: source, line });
    if (!current) throw new ConfigError(`${source}:${line}: '${pair[1]}' outside of any [section]`, { file: source, line, field: pair[1] });
    const key = pair[1] ?? '';
    if (current.entries.has(key)) throw new ConfigError(`${source}:${line}: field '${key}' given twice in [${current.kind}${current.name ? ' ' + current.name : ''}]`, { file: source, line, field: key });
    current.entries.set(key, { value: pair[2] ?? '', line });
  });
  return sections;
}

class SectionReader {
  private readonly used = new Set<string>();
  constructor(private readonly section: Section, private readonly source: string) {}

  fail(field: string, message: string, line?: number): never {
    const at = line ?? this.section.entries.get(field)?.line ?? this.section.line;
    throw new ConfigError(`${this.source}:${at}: [${this.section.kind}${this.section.name ? ' ' + this.section.name : ''}] ${field}: ${message}`, { file: this.source, line: at, field });
  }

  string(field: string, fallback?: string): string {
    this.used.add(field);
    const entry = this.section.entries.get(field);
    if (entry === undefined) {
      if (fallback === undefined) this.fail(field, 'missing (required)');
      return fallback;
    }
    if (entry.value === '') this.fail(field, 'empty value');
    return entry.value;
  }

  optional(field: string): string | undefined {
    this.used.add(field);
    return this.section.entries.get(field)?.value;
  }

  integer(field: string, fallback: number | undefined, min: number, max: number): number {
    const text = this.string(field, fallback === undefined ? undefined : String(fallback));
    if (!/^\d+$/.test(text)) this.fail(field, `'${text}' is not a whole number`);
    const value = Number(text);
    if (value < min || value > max) this.fail(field, `${value} is out of range ${min}..${max}`);
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const text = this.string(field, fallback ? 'yes' : 'no').toLowerCase();
    if (['yes', 'true', 'on', '1'].includes(text)) return true;
    if (['no', 'false', 'off', '0'].includes(text)) return false;
    this.fail(field, `'${text}' is not yes/no`);
  }

  /** Fields not consumed by the schema (all of them, for [node], are link endpoints). */
  rest(): Map<string, Entry> {
    return new Map([...this.section.entries].filter(([key]) => !this.used.has(key)));
  }

  rejectUnknown(): void {
    for (const [key, entry] of this.rest()) this.fail(key, 'unknown field', entry.line);
  }
}

/**
 * Parses and validates a membership config file's text.
 * Defaults: keepalive 100 ms, warntime 500 ms, deadtime 900 ms, initdead
 * 3000 ms (a dead peer of a two-node cluster is seen within 1 s).
 * @throws ConfigError naming file, line and field of the first problem.
 */
export function parseMembershipConfig(text: string, source = 'membership.conf'): MembershipConfig {
  const sections = splitSections(text, source);
  const clusterSections = sections.filter((section) => section.kind === 'cluster');
  for (const section of sections) {
    if (!['cluster', 'link', 'node'].includes(section.kind)) throw new ConfigError(`${source}:${section.line}: unknown section [${section.kind}] (expected cluster, link, node)`, { file: source, line: section.line });
    if (section.kind !== 'cluster' && section.name === '') throw new ConfigError(`${source}:${section.line}: [${section.kind}] needs a name, e.g. [${section.kind} hb0]`, { file: source, line: section.line });
  }
  if (clusterSections.length !== 1) throw new ConfigError(`${source}: expected exactly one [cluster] section, found ${clusterSections.length}`, { file: source, line: clusterSections[1]?.line ?? 1 });
  const cluster: SectionReader = new SectionReader(clusterSections[0] as Section, source);

  const links: LinkConfig[] = [];
  for (const section of sections.filter((s) => s.kind === 'link')) {
    const reader: SectionReader = new SectionReader(section, source);
    if (links.some((link) => link.name === section.name)) reader.fail('name', `link '${section.name}' defined twice`);
    const transport = reader.string('transport', 'udp');
    if (transport !== 'udp' && transport !== 'mcast' && transport !== 'serial') reader.fail('transport', `'${transport}' is not udp, mcast or serial`);
    const link: LinkConfig = { name: section.name, index: links.length, transport, port: reader.integer('port', transport === 'serial' ? 0 : undefined, 0, 65535), baud: reader.integer('baud', 115200, 300, 4000000) };
    if (transport === 'mcast') {
      const group = reader.string('group');
      if (isIP(group) !== 4 || !/^2(2[4-9]|3\d)\./.test(group)) reader.fail('group', `'${group}' is not an IPv4 multicast address`);
      link.group = group;
    }
    reader.rejectUnknown();
    links.push(link);
  }
  if (links.length === 0) throw new ConfigError(`${source}: no [link NAME] section: at least one heartbeat link is needed`, { file: source, line: 1 });
  if (links.length > 8) throw new ConfigError(`${source}: at most 8 links are supported`, { file: source, line: 1 });

  const nodes: NodeConfig[] = [];
  for (const section of sections.filter((s) => s.kind === 'node')) {
    const reader: SectionReader = new SectionReader(section, source);
    if (nodes.some((node) => node.name === section.name)) reader.fail('name', `node '${section.name}' defined twice`);
    const id = reader.integer('id', undefined, 1, 65535);
    if (nodes.some((node) => node.id === id)) reader.fail('id', `id ${id} is already used by node '${nodes.find((node) => node.id === id)?.name}'`);
    const votes = reader.integer('votes', 1, 0, 255);
    const endpoints: Record<string, string> = {};
    for (const [key, entry] of reader.rest()) {
      const link = links.find((candidate) => candidate.name === key);
      if (!link) reader.fail(key, `unknown field (not a link name; links are: ${links.map((l) => l.name).join(', ')})`, entry.line);
      if (link.transport !== 'serial' && isIP(entry.value) !== 4) reader.fail(key, `'${entry.value}' is not an IPv4 address`, entry.line);
      if (link.transport === 'serial' && !entry.value.startsWith('/')) reader.fail(key, `'${entry.value}' is not an absolute device path`, entry.line);
      endpoints[key] = entry.value;
    }
    if (Object.keys(endpoints).length === 0) reader.fail('links', 'the node has no address on any link');
    nodes.push({ name: section.name, id, votes, endpoints });
  }
  if (nodes.length === 0) throw new ConfigError(`${source}: no [node NAME] section`, { file: source, line: 1 });

  const keepaliveMs = cluster.integer('keepalive_ms', 100, 10, 60000);
  const warntimeMs = cluster.integer('warntime_ms', 500, 10, 600000);
  const deadtimeMs = cluster.integer('deadtime_ms', 900, 20, 600000);
  if (warntimeMs <= keepaliveMs) cluster.fail('warntime_ms', `must be greater than keepalive_ms (${keepaliveMs})`);
  if (deadtimeMs <= warntimeMs) cluster.fail('deadtime_ms', `must be greater than warntime_ms (${warntimeMs})`);
  const initdeadMs = cluster.integer('initdead_ms', Math.max(3000, deadtimeMs * 2), 0, 3600000);
  const clusterName = cluster.string('name');
  const totalVotes = nodes.reduce((sum, node) => sum + node.votes, 0);
  const pingTargets = (cluster.optional('ping_targets') ?? '').split(/[\s,]+/).filter((target) => target !== '');
  for (const target of pingTargets) if (isIP(target) === 0) cluster.fail('ping_targets', `'${target}' is not an IP address`);
  const config: MembershipConfig = {
    source,
    clusterName,
    clusterId: clusterIdOf(clusterName),
    keyFile: cluster.string('key', '/etc/tandem/authkey'),
    keepaliveMs,
    warntimeMs,
    deadtimeMs,
    initdeadMs,
    runDir: cluster.string('run_dir', '/run/tandem'),
    messagePort: cluster.integer('message_port', 5410, 1, 65535),
    pingTargets,
    pingIntervalMs: cluster.integer('ping_interval_ms', 5000, 100, 3600000),
    pingMultiplier: cluster.integer('ping_multiplier', 1000, 1, 1000000),
    flapCount: cluster.integer('flap_count', 3, 1, 1000),
    flapWindowMs: cluster.integer('flap_window_ms', 60000, 1000, 3600000),
    quorum: {
      expectedVotes: cluster.integer('expected_votes', totalVotes, 1, 65535),
      twoNode: cluster.boolean('two_node', nodes.length === 2),
      waitForAll: cluster.boolean('wait_for_all', nodes.length === 2),
    },
    heartbeatThread: cluster.boolean('heartbeat_thread', true),
    links,
    nodes,
  };
  cluster.rejectUnknown();
  if (config.quorum.twoNode && (nodes.length !== 2 || config.quorum.expectedVotes !== 2)) cluster.fail('two_node', 'two_node needs exactly two nodes and expected_votes 2');
  return config;
}

/**
 * Finds this member's node entry by name.
 * @throws ConfigError when the name is not configured.
 */
export function localNode(config: MembershipConfig, name: string): NodeConfig {
  const node = config.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new ConfigError(`${config.source}: node '${name}' is not configured (nodes: ${config.nodes.map((n) => n.name).join(', ')})`, { file: config.source, field: 'node', value: name });
  return node;
}
