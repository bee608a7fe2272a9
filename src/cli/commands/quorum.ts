/**
 * `tandem quorum status|unblock`, as `pcs quorum status|unblock` and
 * corosync-quorumtool: the local node's quorum, and lifting wait_for_all
 * when the admin knows the nodes not seen since start are down (a two-node
 * cluster where one node starts alone waits for its peer until then: no
 * service, no fencing of the peer).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { callApi, localApiSocketPath } from '../../daemon/api/client.js';
import type { DaemonStatus } from '../../daemon/tandemd.js';
import { render, type OutputFormat } from '../output.js';
import { waitingForAll } from '../../membership/quorum.js';

/** What `quorum status` shows. */
export interface QuorumView {
  node: string;
  quorate: boolean;
  votes: number;
  expectedVotes: number;
  neededVotes: number;
  reason: string | null;
  members: string[];
  waitingForAll: boolean;
}

export function quorumView(status: DaemonStatus): QuorumView {
  const { quorum, view } = status.membership;
  return {
    node: status.node, quorate: quorum.quorate, votes: quorum.votes, expectedVotes: quorum.expectedVotes, neededVotes: quorum.neededVotes,
    reason: quorum.reason ?? null, members: view.members, waitingForAll: waitingForAll(quorum),
  };
}

function quorumText(view: QuorumView): string {
  return [
    `Node:           ${view.node}`,
    `Quorate:        ${view.quorate ? 'Yes' : 'No'}${view.reason !== null ? ` (${view.reason})` : ''}`,
    `Expected votes: ${view.expectedVotes}`,
    `Total votes:    ${view.votes}`,
    `Quorum:         ${view.neededVotes}`,
    `Members:        ${view.members.join(' ')}`,
    ...(view.waitingForAll ? ['', 'Waiting for every node (wait_for_all). If the others are powered off: tandem quorum unblock'] : []),
  ].join('\n');
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export function registerQuorum(program: Command): void {
  const quorum = program.command('quorum').description('quorum of the local node (status, unblock wait_for_all)');
  quorum.command('status')
    .description('quorate or not, votes, members (as corosync-quorumtool -s)')
    .action(async () => {
      const { output } = program.opts<{ output: OutputFormat }>();
      const status = await callApi('status', {}, { socketPath: localApiSocketPath() }) as DaemonStatus;
      process.stdout.write(render(output, quorumView(status), { text: quorumText }, 'quorum'));
    });
  quorum.command('unblock')
    .description('stop waiting for the nodes not seen since start (wait_for_all); they must be powered off')
    .option('--force', 'do not ask for confirmation')
    .action(async (options: { force?: boolean }) => {
      const warning = 'WARNING: the nodes this node has not seen since it started will be fenced and the service started here.\n'
        + 'If they are not powered off, or can still reach the shared data, data corruption may follow.\n';
      if (options.force !== true) {
        if (!process.stdin.isTTY) throw new UsageError(`${warning}Not on a terminal: confirm with --force`, { option: 'force' });
        if (!(await confirm(`${warning}Are you sure you want to continue? [y/N] `))) throw new UsageError('not confirmed: nothing changed', { option: 'force' });
      }
      const { waiting } = await callApi('quorum.unblock', {}, { socketPath: localApiSocketPath() }) as { waiting: boolean };
      process.stdout.write(waiting ? 'wait_for_all lifted: this node no longer waits for the others\n' : 'wait_for_all was not holding quorum back: nothing to do\n');
    });
}
