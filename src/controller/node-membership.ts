/**
 * What the DC writes about cluster nodes: every configured node in
 * `<configuration><nodes>`, and in each `node_state` whether it is in the
 * membership (`in_ccm`), its controller is up (`crmd`), it has joined
 * (`join`) and whether it is expected up (`expected`) — the fields the
 * scheduler reads to tell online, offline and unclean nodes apart. Pure.
 */
import type { XmlElement } from '../cib/xml.js';
import { ensureChild, removeChildren, transientAttributes } from './cib-edit.js';
import { eraseNodeHistory, type NodeRef } from './op-history.js';
import { nodeStateOf } from './cib-edit.js';

export interface NodeMembership {
  node: NodeRef;
  /** In the current view. */
  member: boolean;
  /** Left cleanly (shutdown), so it is not unclean. */
  leftCleanly?: boolean;
  /**
   * A member that restarted since it was last written as one (a new
   * incarnation in the same membership; or this DC's own daemon just
   * started, and its stored CIB predates the restart).
   */
  newIncarnation?: boolean;
}

/**
 * Writes membership into `cib` (in place). A node that joins gets its
 * operation history erased: its executor starts empty, so the scheduler must
 * probe it before anything starts. Returns the names of the nodes that joined.
 */
export function applyMembership(cib: XmlElement, nodes: readonly NodeMembership[]): string[] {
  const configuration = ensureChild(cib, 'configuration');
  const nodesSection = ensureChild(configuration, 'nodes');
  const joined: string[] = [];
  const fencing = stonithEnabled(cib);
  for (const { node, member, leftCleanly, newIncarnation } of nodes) {
    if (!nodesSection.children.some((c) => c.name === 'node' && (c.attrs.uname === node.uname || c.attrs.id === node.id))) {
      nodesSection.children.push({ name: 'node', attrs: { id: node.id, uname: node.uname }, children: [] });
    }
    const state = nodeStateOf(cib, node);
    const wasMember = state.attrs.in_ccm === 'true' && state.attrs.crmd === 'online' && state.attrs.join === 'member';
    if (member) {
      if (!wasMember || newIncarnation === true) {
        // A new incarnation: what its executor ran and its transient attributes (fail counts,
        // a shutdown request) belong to the last one.
        eraseNodeHistory(cib, node.uname);
        removeChildren(state, (c) => c.name === 'transient_attributes');
        joined.push(node.uname);
      }
      Object.assign(state.attrs, { in_ccm: 'true', crmd: 'online', join: 'member', expected: 'member', 'crm-debug-origin': 'do_state_transition' });
    } else {
      // Without fencing, a lost node is taken as down and its resources as stopped there (as
      // Pacemaker does with stonith-enabled=false); with fencing it stays "expected member":
      // unclean, its history kept, until fenced.
      // A node that asked to shut down (transient attribute `shutdown`) and left is down cleanly.
      const shutdownRequested = (transientAttributes(cib, node.uname).get('shutdown') ?? '0') !== '0';
      const clean = leftCleanly === true || shutdownRequested;
      if ((!fencing || clean) && state.attrs.in_ccm !== 'false') eraseNodeHistory(cib, node.uname);
      const expected = clean || state.attrs.expected === undefined || state.attrs.expected === 'down' ? 'down' : 'member';
      Object.assign(state.attrs, { in_ccm: 'false', crmd: 'offline', join: 'down', expected, 'crm-debug-origin': 'do_state_transition' });
    }
  }
  return joined;
}

/** After a node was fenced (or left cleanly): it is down, clean, and ran nothing. */
export function markNodeDown(cib: XmlElement, node: NodeRef): void {
  const state = nodeStateOf(cib, node);
  Object.assign(state.attrs, { in_ccm: 'false', crmd: 'offline', join: 'down', expected: 'down' });
  eraseNodeHistory(cib, node.uname);
}

/** The stonith-enabled cluster option (default true). */
export function stonithEnabled(cib: XmlElement): boolean {
  const crmConfig = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'crm_config');
  for (const set of crmConfig?.children ?? []) for (const pair of set.children) {
    if (pair.attrs.name === 'stonith-enabled') return ['true', 'yes', 'on', '1', 'y'].includes((pair.attrs.value ?? '').toLowerCase());
  }
  return true;
}
