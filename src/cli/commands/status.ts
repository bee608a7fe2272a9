/**
 * `tandem status`: the live cluster as tandemd sees it, laid out like
 * crm_mon (Cluster Summary, Node List); `--output json|xml` for scripts.
 * with the resources and failed actions (Full List of Resources, Failed
 * Resource Actions).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { callApi, localApiSocketPath } from '../../daemon/api/client.js';
import type { DaemonStatus } from '../../daemon/tandemd.js';
import type { ResourceLine } from '../../controller/resource-status.js';
import { render, type OutputFormat } from '../output.js';
import { ocfExitName } from '../../ocf/exit-codes.js';

function primitiveLine(rsc: ResourceLine, indent: string): string {
  const state = rsc.failed ? `FAILED ${rsc.runningOn.join(' ')}` : rsc.runningOn.length > 0 ? `${rsc.role === 'Promoted' ? 'Promoted' : 'Started'} ${rsc.runningOn.join(' ')}` : 'Stopped';
  const notes = [rsc.targetRole === 'Stopped' ? 'disabled' : '', rsc.managed ? '' : 'unmanaged'].filter((note) => note !== '');
  return `${indent}* ${rsc.id}\t(${rsc.agent}):\t ${state}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

/**
 * crm_mon's nesting: a clone's instances under "Clone Set:", a group's
 * members under "Resource Group:" (inside the clone for a cloned group),
 * in configuration order.
 */
function resourceLines(resources: readonly ResourceLine[]): string[] {
  const lines: string[] = [];
  let clone: string | undefined;
  let group: string | undefined;
  for (const rsc of resources) {
    if (rsc.clone !== clone) {
      clone = rsc.clone;
      group = undefined;
      if (clone !== undefined) lines.push(`  * Clone Set: ${clone}:`);
    }
    const groupIndent = clone !== undefined ? '    ' : '  ';
    if (rsc.group !== group) {
      group = rsc.group;
      if (group !== undefined) lines.push(`${groupIndent}* Resource Group: ${group}:`);
    }
    lines.push(primitiveLine(rsc, group !== undefined ? `${groupIndent}  ` : groupIndent));
  }
  return lines;
}

/** crm_mon-like text of a daemon's status. */
export function statusText(status: DaemonStatus): string {
  const { membership } = status;
  const quorum = membership.quorum.quorate
    ? 'partition with quorum'
    : `partition WITHOUT quorum${membership.quorum.reason ? ` (${membership.quorum.reason})` : ''}`;
  const online = [status.node, ...membership.peers.filter((peer) => peer.member).map((peer) => peer.name)].sort();
  const offline = membership.peers.filter((peer) => !peer.member).map((peer) => peer.name).sort();
  const lines = [
    'Cluster Summary:',
    `  * Cluster: ${status.cluster}`,
    `  * Current node: ${status.node}`,
    `  * View ${membership.view.id}${membership.view.agreed ? '' : ' (not yet agreed)'}: ${quorum}, ${membership.quorum.votes} of ${membership.quorum.expectedVotes} votes`,
    `  * Current DC: ${status.dc ?? 'NONE'}`,
    `  * CIB version: ${status.version.adminEpoch}:${status.version.epoch}:${status.version.numUpdates}`,
    ...(membership.isolated ? ['  * ISOLATED: no ping target answers from this node'] : []),
    '',
    'Node List:',
    `  * Online: [ ${online.join(' ')} ]`,
    ...(offline.length > 0 ? [`  * OFFLINE: [ ${offline.join(' ')} ]`] : []),
  ];
  for (const peer of membership.peers) {
    const down = peer.links.filter((link) => link.state !== 'up');
    if (peer.member && down.length > 0) lines.push(`  * ${peer.name}: link ${down.map((link) => `${link.name} ${link.state}`).join(', ')}`);
  }
  lines.push('', 'Full List of Resources:');
  const { resources, failedActions, error } = status.resources;
  if (error !== undefined) lines.push(`  * (cannot read resources: ${error})`);
  else if (resources.length === 0) lines.push('  * No resources');
  lines.push(...resourceLines(resources));
  if (failedActions.length > 0) {
    lines.push('', 'Failed Resource Actions:');
    for (const failed of failedActions) {
      const when = new Date(failed.lastRcChange * 1000).toISOString();
      lines.push(`  * ${failed.resource}_${failed.operation}_${failed.intervalMs} on ${failed.node} '${ocfExitName(failed.rc)}' (${failed.rc}): exitreason='${failed.exitReason}', last-rc-change='${when}'`);
    }
  }
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the cluster (nodes, quorum, CIB version) from the local tandemd')
    .action(async () => {
      const { output, file } = program.opts<{ output: OutputFormat; file?: string }>();
      if (file !== undefined) throw new UsageError('status shows the live cluster; for a CIB file use: tandem simulate -x FILE', { option: 'file' });
      const status = await callApi('status', {}, { socketPath: localApiSocketPath() }) as DaemonStatus;
      process.stdout.write(render(output, status, { text: statusText }, 'status'));
    });
}
