/**
 * Node eligibility from `<nodes>` and `<node_state>`: online, unclean (to be
 * fenced), standby, maintenance, shutting down, pending. Follows Pacemaker's
 * determine_online_status(_fencing).
 */
import type { XmlElement } from '../cib/xml.js';
import type { ClusterNode, ClusterOptions } from './model.js';
import { applyNvSets, type IdIndex } from './nvsets.js';
import { parseScore } from './scores.js';

function isTrue(value: string | undefined): boolean {
  return ['true', 'yes', 'on', '1', 'y'].includes((value ?? '').toLowerCase());
}

function newNode(id: string, uname: string): ClusterNode {
  return {
    id, uname, attrs: new Map([['#uname', uname], ['#id', id], ['#kind', 'cluster']]), utilization: new Map(),
    online: false, unclean: false, standby: false, maintenance: false, shutdown: false, pending: false,
    assignedCount: 0, used: new Map(),
  };
}

/** Reads `<nodes>` (cluster nodes only; remote and ping nodes are out of scope). */
export function unpackNodes(nodesElement: XmlElement | undefined, now: Date, index: IdIndex): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const element of nodesElement?.children ?? []) {
    if (element.name !== 'node') continue;
    const type = element.attrs.type ?? 'member';
    if (type !== 'member' && type !== 'normal') continue;
    const uname = element.attrs.uname ?? element.attrs.id ?? '';
    const node = newNode(element.attrs.id ?? uname, uname);
    const attrs = new Map<string, string>();
    applyNvSets(element, 'instance_attributes', attrs, { now, nodeAttrs: node.attrs }, index);
    for (const [key, value] of attrs) node.attrs.set(key, value);
    const utilization = new Map<string, string>();
    applyNvSets(element, 'utilization', utilization, { now }, index);
    for (const [key, value] of utilization) node.utilization.set(key, parseScore(value, 0));
    nodes.push(node);
  }
  return nodes;
}

/** Applies one `<node_state>`: transient attributes and online status. */
export function applyNodeState(node: ClusterNode, state: XmlElement | undefined, options: ClusterOptions, now: Date, index: IdIndex): void {
  if (state === undefined) {
    // Never seen: offline. Pacemaker fences such nodes only with startup-fencing and a device;
    // the corpus treats them as cleanly down.
    return;
  }
  const transient = state.children.find((c) => c.name === 'transient_attributes');
  if (transient) {
    const attrs = new Map<string, string>();
    applyNvSets(transient, 'instance_attributes', attrs, { now }, index);
    for (const [key, value] of attrs) node.attrs.set(key, value);
  }
  const inCluster = isTrue(state.attrs.in_ccm) || /^\d+$/.test(state.attrs.in_ccm ?? '') && Number(state.attrs.in_ccm) > 0;
  const crmd = state.attrs.crmd ?? '';
  const crmdOnline = crmd === 'online' || (/^\d+$/.test(crmd) && Number(crmd) > 0);
  const join = state.attrs.join ?? 'down';
  const expected = state.attrs.expected ?? '';
  const shutdownAttr = node.attrs.get('shutdown');
  node.shutdown = shutdownAttr !== undefined && shutdownAttr !== '0';
  const terminate = isTrue(node.attrs.get('terminate'));
  if (options.stonithEnabled) {
    if (join === 'nack') {
      fence(node, 'peer failed Pacemaker membership criteria');
    } else if (!terminate && expected === 'down') {
      if (crmdOnline) node.pending = true;
    } else if (!inCluster) {
      fence(node, 'peer is no longer part of the cluster');
    } else if (!crmdOnline) {
      fence(node, 'peer process is no longer available');
    } else if (terminate) {
      fence(node, 'termination was requested');
    } else if (join === 'member') {
      node.online = true;
    } else if (join === 'pending' || join === 'down') {
      node.pending = true;
    } else {
      fence(node, 'peer was in an unknown state');
    }
  } else if (!inCluster) {
    // down
  } else if (crmdOnline) {
    if (join === 'member') node.online = true;
    else node.pending = true;
  } else if (expected === 'member') {
    node.unclean = true;
    node.fenceReason = 'peer is unexpectedly down';
  }
  if (node.pending) node.standby = true;
  if (isTrue(node.attrs.get('standby'))) node.standby = true;
  if (isTrue(node.attrs.get('maintenance'))) node.maintenance = true;
}

function fence(node: ClusterNode, reason: string): void {
  node.unclean = true;
  node.fenceReason = reason;
}

/** Whether resources may be placed on the node (online, clean, not standby/maintenance/shutdown). */
export function nodeCanRunResources(node: ClusterNode): boolean {
  return node.online && !node.unclean && !node.standby && !node.maintenance && !node.shutdown && !node.pending;
}
