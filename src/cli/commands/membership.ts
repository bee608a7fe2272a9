/**
 * `tandem membership run|status|send|keygen`: one heartbeat member in the
 * foreground, and the view of a running one through its control socket.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { generateClusterKey } from '../../membership/key.js';
import { loadMembershipConfig, Member, type MemberStatus } from '../../membership/member.js';
import { controlSocketPath, requestControl } from '../../membership/status-socket.js';
import { render, type OutputFormat } from '../output.js';

const defaultConfigPath = '/etc/tandem/membership.conf';

interface SocketOptions { config: string; node?: string; runDir?: string; socket?: string }

async function findSocket(options: SocketOptions): Promise<string> {
  if (options.socket) return options.socket;
  const config = await loadMembershipConfig(options.config);
  const runDir = options.runDir ?? config.runDir;
  if (options.node) return controlSocketPath(runDir, options.node);
  const sockets = (await readdir(runDir).catch(() => [])).filter((name) => /^membership-.+\.sock$/.test(name));
  if (sockets.length !== 1) throw new UsageError(`${runDir}: ${sockets.length} member sockets found; pass --node NAME`, { runDir });
  return join(runDir, sockets[0] as string);
}

function statusText(status: MemberStatus): string {
  const lines = [
    `cluster ${status.cluster}, node ${status.node} (id ${status.nodeId}, incarnation ${status.incarnation})`,
    `view ${status.view.id}${status.forming ? ' (forming)' : ''}: ${status.view.members.join(' ')} — ${status.view.agreed ? 'agreed' : 'NOT agreed'}`,
    `quorum: ${status.quorum.quorate ? 'quorate' : 'NOT quorate'} (${status.quorum.votes}/${status.quorum.expectedVotes} votes, ${status.quorum.neededVotes} needed)${status.quorum.reason ? ' — ' + status.quorum.reason : ''}`,
  ];
  if (status.ping) lines.push(`ping: ${status.ping.reachable.length}/${status.ping.targets.length} targets, pingd=${status.ping.pingd}${status.isolated ? ' — ISOLATED' : ''}`);
  lines.push('peers:');
  for (const peer of status.peers) {
    const links = peer.links.map((link) => `${link.name}=${link.state}${link.flapping ? '(flapping)' : ''}`).join(' ');
    lines.push(`  ${peer.name} (id ${peer.id}) ${peer.member ? 'member' : 'lost'} ${peer.state}  ${links}`);
  }
  const dropped = Object.entries(status.counters.dropped).filter(([, count]) => count > 0).map(([reason, count]) => `${reason}=${count}`).join(' ');
  lines.push(`packets: sent ${status.counters.sent}, received ${status.counters.received}, dropped ${dropped || 'none'}`);
  return lines.join('\n');
}

export function registerMembership(program: Command): void {
  const membership = program.command('membership').description('heartbeat membership: links, views, quorum');
  const format = (): OutputFormat => program.opts<{ output: OutputFormat }>().output;

  membership.command('run')
    .description('run one member in the foreground (logs to stderr)')
    .option('-c, --config <file>', 'membership config file', defaultConfigPath)
    .option('--node <name>', 'this node (default: the node with a local address)')
    .option('--run-dir <dir>', 'where the control socket goes (default: run_dir of the config)')
    .option('--allow-stall', 'accept requests to block the main loop (benchmarks)', false)
    .action(async (options: { config: string; node?: string; runDir?: string; allowStall: boolean }) => {
      const member = await Member.start({ configPath: options.config, nodeName: options.node, runDir: options.runDir, allowStall: options.allowStall });
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      member.log.info('stopping');
      await member.stop();
    });

  membership.command('status')
    .description('links, nodes, view and quorum of the running member')
    .option('-c, --config <file>', 'membership config file', defaultConfigPath)
    .option('--node <name>', 'which member (default: the only one in the run dir)')
    .option('--run-dir <dir>', 'run dir of the member')
    .option('--socket <path>', 'the control socket itself')
    .action(async (options: SocketOptions) => {
      const status = await requestControl(await findSocket(options), { cmd: 'status' }) as MemberStatus;
      process.stdout.write(render(format(), status, { text: statusText }, 'membership'));
    });

  membership.command('send')
    .description('send a message to a peer over reliable messaging')
    .requiredOption('--to <node>', 'receiving node')
    .argument('<payload>', 'message text')
    .option('-c, --config <file>', 'membership config file', defaultConfigPath)
    .option('--node <name>', 'which local member sends')
    .option('--run-dir <dir>', 'run dir of the member')
    .option('--socket <path>', 'the control socket itself')
    .action(async (payload: string, options: SocketOptions & { to: string }) => {
      const result = await requestControl(await findSocket(options), { cmd: 'send', to: options.to, payload }) as { sequence: number };
      process.stdout.write(render(format(), result, { text: (data) => `queued as #${data.sequence}` }));
    });

  membership.command('keygen')
    .description('write a new random cluster key (mode 0600)')
    .argument('<file>', 'key file to create (must not exist)')
    .action(async (file: string) => {
      await generateClusterKey(file);
      process.stdout.write(render(format(), { keyFile: file }, { text: (data) => `wrote ${data.keyFile}` }));
    });
}
