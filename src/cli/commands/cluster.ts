/**
 * `tandem cluster init|serve-join|join|start|stop|status`: set a cluster up
 * (config + key), copy them to the other nodes over an authenticated,
 * encrypted channel, run the local daemon, and a short view of the cluster.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { networkInterfaces, hostname } from 'node:os';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { logger } from '../../log.js';
import { parseMembershipConfig } from '../../membership/config.js';
import { newClusterKeyBytes, readClusterKey } from '../../membership/key.js';
import { loadMembershipConfig } from '../../membership/member.js';
import { apiSocketPath, callApi, defaultRunDir } from '../../daemon/api/client.js';
import type { DaemonStatus } from '../../daemon/tandemd.js';
import { render, type OutputFormat } from '../output.js';
import { buildClusterConfig, parseNodeSpec, type NodeSpec } from '../cluster/init-config.js';
import { holdsConfig, installFiles, refuseExisting } from '../cluster/install-files.js';
import { checkTokenShape, newJoinToken } from '../cluster/join-crypto.js';
import { defaultJoinPort, serveJoin } from '../cluster/join-server.js';
import { fetchJoinPayload } from '../cluster/join-client.js';
import { controlSystemd, detectInitSystem, startDirect, stopDirect, type ControlResult } from '../cluster/daemon-control.js';
import { clusterView, clusterViewText } from '../cluster/cluster-view.js';

const defaults = {
  config: '/etc/tandem/tandem.conf',
  key: '/etc/tandem/authkey',
  stateDir: '/var/lib/tandem',
  runDir: defaultRunDir,
  logFile: '/var/log/tandem/tandemd.log',
};

function integerOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${name} '${value}': expected a whole number ${min}..${max}`, { option: name, value });
    return Number(value);
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The existing files that init/join must not overwrite without --force (the package's comment-only config does not count). */
async function existingFiles(configPath: string, keyPath: string | undefined): Promise<Array<{ path: string; what: string }>> {
  const files = [];
  if (await holdsConfig(configPath)) files.push({ path: configPath, what: 'cluster config' });
  if (keyPath !== undefined && existsSync(keyPath)) files.push({ path: keyPath, what: 'cluster key' });
  return files;
}

/** `ADDR` or `ADDR:PORT`. @throws UsageError. */
function parsePeer(text: string): { host: string; port: number } {
  const match = /^([^:]+)(?::(\d+))?$/.exec(text);
  const host = match?.[1] ?? '';
  if (!match || isIP(host) !== 4) throw new UsageError(`--peer '${text}': expected the peer's IPv4 address, optionally :PORT (default ${defaultJoinPort})`, { option: 'peer', value: text });
  return { host, port: integerOption('peer port', 1, 65535)(match[2] ?? String(defaultJoinPort)) };
}

/** The first address of the node in `configText` whose address is on this host. */
function localClusterAddress(configText: string, source: string): string | undefined {
  const local = new Set(Object.values(networkInterfaces()).flat().map((nic) => nic?.address));
  const config = parseMembershipConfig(configText, source);
  for (const node of config.nodes) {
    const address = Object.values(node.endpoints).find((endpoint) => local.has(endpoint));
    if (address !== undefined) return address;
  }
  return undefined;
}

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('set up the cluster and run this node\'s daemon');
  const format = (): OutputFormat => program.opts<{ output: OutputFormat }>().output;
  const print = <T>(data: T, text: (data: T) => string): void => { process.stdout.write(render(format(), data, { text })); };

  cluster.command('init')
    .description('write a new cluster config and key on this node (then serve-join, and join on the others)')
    .requiredOption('--name <name>', 'cluster name')
    .option('--node <name=addr[,addr2]>', 'a node and its address on each heartbeat link (repeat for each node)', collect, [])
    .option('--ping-target <addr>', 'tiebreaker address to ping (repeatable)', collect, [])
    .option('--port <port>', 'UDP port of heartbeat link hb0 (hb1 uses port+1 ...)', integerOption('port', 1, 65535), 5405)
    .option('--message-port <port>', 'TCP port of node-to-node messaging', integerOption('message-port', 1, 65535), 5410)
    .option('--config <file>', 'config file to write', defaults.config)
    .option('--key <file>', 'key file to write (mode 0600)', defaults.key)
    .option('--run-dir <dir>', 'the daemon\'s runtime directory (run_dir in the config)', defaults.runDir)
    .option('--force', 'replace an existing config and key', false)
    .action(async (options: { name: string; node: string[]; pingTarget: string[]; port: number; messagePort: number; config: string; key: string; runDir: string; force: boolean }) => {
      const nodes: NodeSpec[] = options.node.map(parseNodeSpec);
      const { text, config } = buildClusterConfig({ clusterName: options.name, nodes, keyPath: options.key, runDir: options.runDir, basePort: options.port, messagePort: options.messagePort, pingTargets: options.pingTarget }, options.config);
      refuseExisting(await existingFiles(options.config, options.key), options.force);
      await installFiles([
        { path: options.key, data: newClusterKeyBytes(), mode: 0o600, what: 'cluster key' },
        { path: options.config, data: text, mode: 0o644, what: 'cluster config' },
      ]);
      const result = { cluster: config.clusterName, config: options.config, key: options.key, nodes: config.nodes.map((node) => node.name) };
      print(result, (data) => [
        `wrote ${data.config} (cluster ${data.cluster}: ${data.nodes.join(', ')}) and a new key ${data.key}`,
        'next: run `tandem cluster serve-join` here and `tandem cluster join --peer ADDR --token TOKEN` on each other node,',
        'then `tandem cluster start` on every node',
      ].join('\n'));
    });

  cluster.command('serve-join')
    .description('let other nodes copy this node\'s config and key: prints a one-time token, serves until they joined')
    .option('--config <file>', 'config to hand out', defaults.config)
    .option('--listen <addr>', 'address to listen on (default: this node\'s first cluster address)')
    .option('--port <port>', 'TCP port', integerOption('port', 1, 65535), defaultJoinPort)
    .option('--joins <count>', 'joins to serve before exiting', integerOption('joins', 1, 64), 1)
    .option('--timeout <seconds>', 'give up after this long', integerOption('timeout', 1, 86400), 600)
    .action(async (options: { config: string; listen?: string; port: number; joins: number; timeout: number }) => {
      const configText = await readFile(options.config, 'utf8').catch((cause: Error) => { throw new UsageError(`--config ${options.config}: cannot read it (${cause.message})`, { option: 'config' }); });
      const config = parseMembershipConfig(configText, options.config);
      const key = await readClusterKey(config.keyFile);
      const host = options.listen ?? localClusterAddress(configText, options.config);
      if (host === undefined) throw new UsageError(`no address of ${options.config}'s nodes is on this host: pass --listen ADDR`, { option: 'listen' });
      const token = newJoinToken();
      await serveJoin({
        token, payload: { configText, key }, host, port: options.port, joins: options.joins, timeoutMs: options.timeout * 1000, maxFailures: 5, log: logger('join'),
        onListening: (address) => {
          const data = { token, listen: `${address.address}:${address.port}`, joins: options.joins };
          print(data, (d) => `join token: ${d.token}\nwaiting on ${d.listen} for ${d.joins} node(s); on each run:\n  tandem cluster join --peer ${d.listen} --token ${d.token}`);
        },
      });
      process.stdout.write(format() === 'text' ? `${options.joins} node(s) joined; token withdrawn\n` : '');
    });

  cluster.command('join')
    .description('copy the config and key from a node that runs serve-join')
    .requiredOption('--peer <addr[:port]>', `the serving node (default port ${defaultJoinPort})`)
    .option('--token <token>', 'the join token serve-join printed (or $TANDEM_JOIN_TOKEN)')
    .option('--config <file>', 'config file to write', defaults.config)
    .option('--key <file>', 'key file to write (default: the path the config names)')
    .option('--timeout <seconds>', 'give up after this long', integerOption('timeout', 1, 3600), 30)
    .option('--force', 'replace an existing config and key', false)
    .action(async (options: { peer: string; token?: string; config: string; key?: string; timeout: number; force: boolean }) => {
      const peer = parsePeer(options.peer);
      const token = options.token ?? (process.env['TANDEM_JOIN_TOKEN'] || undefined);
      if (token === undefined) throw new UsageError('no join token: pass --token TOKEN (printed by `tandem cluster serve-join` on the peer) or set TANDEM_JOIN_TOKEN', { option: 'token' });
      checkTokenShape(token);
      refuseExisting(await existingFiles(options.config, options.key), options.force);
      const payload = await fetchJoinPayload({ ...peer, token, nodeName: hostname(), timeoutMs: options.timeout * 1000 });
      const received = parseMembershipConfig(payload.configText, `${options.peer}:config`);
      const keyPath = options.key ?? received.keyFile;
      const configText = keyPath === received.keyFile ? payload.configText : payload.configText.replace(/^(\s*key\s*=\s*).*$/m, `$1${keyPath}`);
      refuseExisting(await existingFiles(options.config, keyPath), options.force);
      await installFiles([
        { path: keyPath, data: payload.key, mode: 0o600, what: 'cluster key' },
        { path: options.config, data: configText, mode: 0o644, what: 'cluster config' },
      ]);
      const result = { cluster: received.clusterName, peer: options.peer, config: options.config, key: keyPath };
      print(result, (data) => `joined cluster ${data.cluster}: wrote ${data.config} and ${data.key} from ${data.peer}; next: tandem cluster start`);
    });

  const daemonOptions = (command: Command): Command => command
    .option('--config <file>', 'cluster config', defaults.config)
    .option('--node <name>', 'this node (default: the node with a local address)')
    .option('--state-dir <dir>', 'persistent state (CIB)', defaults.stateDir)
    .option('--run-dir <dir>', 'runtime directory (pid file, API socket)', defaults.runDir)
    .option('--log-file <file>', 'daemon log when not under systemd', defaults.logFile)
    .option('--fence-agent-dir <dir>', 'where fence agents are found (default /usr/sbin)')
    .option('--timeout <seconds>', 'how long to wait', integerOption('timeout', 1, 86400), 900);
  interface DaemonCliOptions { config: string; node?: string; stateDir: string; runDir: string; logFile: string; fenceAgentDir?: string; timeout: number }

  daemonOptions(cluster.command('start').description('start tandemd on this node (systemctl when systemd runs, else in the background)'))
    .action(async (options: DaemonCliOptions) => {
      let result: ControlResult;
      if (detectInitSystem() === 'systemd') {
        if (options.config !== defaults.config || options.stateDir !== defaults.stateDir || options.runDir !== defaults.runDir || options.node !== undefined) {
          throw new UsageError('systemd runs tandemd with the paths of tandem.service: --config, --node, --state-dir and --run-dir apply only without systemd (TANDEM_INIT=direct); change the unit with `systemctl edit tandem` instead', { option: 'config' });
        }
        result = await controlSystemd('start');
      }
      else {
        await loadMembershipConfig(options.config);
        result = await startDirect({
          configPath: options.config, stateDir: options.stateDir, runDir: options.runDir, logFile: options.logFile, timeoutMs: options.timeout * 1000,
          ...(options.node !== undefined ? { nodeName: options.node } : {}),
          ...(options.fenceAgentDir !== undefined ? { fenceAgentDir: options.fenceAgentDir } : {}),
        });
      }
      print(result, (data) => data.message);
    });

  daemonOptions(cluster.command('stop').description('stop tandemd on this node; its resources move away first'))
    .action(async (options: DaemonCliOptions) => {
      const result = detectInitSystem() === 'systemd' ? await controlSystemd('stop') : await stopDirect({ runDir: options.runDir, timeoutMs: options.timeout * 1000 });
      print(result, (data) => data.message);
    });

  cluster.command('status')
    .description('nodes, which are online, the DC and quorum')
    .option('--run-dir <dir>', 'the daemon\'s runtime directory (default $TANDEM_RUN_DIR or /run/tandem)')
    .action(async (options: { runDir?: string }) => {
      const socketPath = apiSocketPath(options.runDir ?? process.env['TANDEM_RUN_DIR'] ?? defaults.runDir);
      const view = clusterView(await callApi('status', {}, { socketPath, timeoutMs: 10_000 }) as DaemonStatus);
      process.stdout.write(render(format(), view, { text: clusterViewText }, 'cluster'));
    });
}
