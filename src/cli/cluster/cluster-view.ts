/**
 * The short view of `tandem cluster status`: the nodes, which are online,
 * the DC and quorum — what `pcs cluster status` shows before the resources.
 */
import type { DaemonStatus } from '../../daemon/tandemd.js';

export interface ClusterView {
  cluster: string;
  localNode: string;
  dc: string | null;
  quorate: boolean;
  votes: number;
  expectedVotes: number;
  nodes: Array<{ name: string; online: boolean; dc: boolean; local: boolean }>;
}

export function clusterView(status: DaemonStatus): ClusterView {
  const nodes = [
    { name: status.node, online: true },
    ...status.membership.peers.map((peer) => ({ name: peer.name, online: peer.member })),
  ].sort((a, b) => a.name.localeCompare(b.name)).map((node) => ({ ...node, dc: node.name === status.dc, local: node.name === status.node }));
  return {
    cluster: status.cluster,
    localNode: status.node,
    dc: status.dc,
    quorate: status.membership.quorum.quorate,
    votes: status.membership.quorum.votes,
    expectedVotes: status.membership.quorum.expectedVotes,
    nodes,
  };
}

export function clusterViewText(view: ClusterView): string {
  const online = view.nodes.filter((node) => node.online).length;
  const lines = [
    `Cluster ${view.cluster}: ${view.nodes.length} nodes, ${online} online; DC: ${view.dc ?? 'NONE'}; ${view.quorate ? 'quorate' : 'NOT quorate'} (${view.votes}/${view.expectedVotes} votes)`,
  ];
  for (const node of view.nodes) {
    const notes = [node.dc ? 'DC' : '', node.local ? 'this node' : ''].filter((note) => note !== '');
    lines.push(`  ${node.name}\t${node.online ? 'online' : 'OFFLINE'}${notes.length > 0 ? `\t(${notes.join(', ')})` : ''}`);
  }
  return lines.join('\n');
}
