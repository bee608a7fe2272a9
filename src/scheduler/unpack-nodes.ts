/**
 * Node eligibility from `<nodes>` and `<node_state>`: online, unclean (to be
 * fenced), standby, maintenance, shutting down, pending. Follows Pacemaker's
 * determine_online_status(_fencing).
 */
import type { XmlElement } from '../cib/xml.js';
import type { ClusterNode, ClusterOptions } from './model.js';
import { applyNvSets, type IdIndex } from './nvsets.js';
import { parseScoreOr } from '../cib/score.js';
import { isTrue } from '../cib/values.js';

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
    for (const [key, value] of utilization) node.utilization.set(key, parseScoreOr(value, 0));
    nodes.push(node);
  }
  return nodes;
}

/** Applies one `<node_state>`: transient attributes and online status. */
export function applyNodeState(node: ClusterNode, state: XmlElement | undefined, options: ClusterOptions, now: Date, index: IdIndex, startupFencing: boolean): void {
  if (state === undefined) {
    // Never seen: with startup-fencing (the default) Pacemaker treats it as unclean.
    if (startupFencing) fence(node, 'node is unclean');
    return;
  }
  const transient = state.children.find((c) => c.name === 'transient_attributes');
  if (transient) {
    const attrs = new Map<string, string>();
    applyNvSets(transient, 'instance_attributes', attrs, { now }, index);
    for (const [key, value] of attrs) node.attrs.set(key, value);
  }
  const inClusterText = state.attrs.in_ccm;
  const inCluster = isTrue(inClusterText);
  const crmdOnline = (state.attrs.crmd ?? '').toLowerCase() === 'online';
  const join = (state.attrs.join ?? '').toLowerCase();
  const expected = (state.attrs.expected ?? 'down').toLowerCase();
  const shutdownAttr = node.attrs.get('shutdown');
  node.shutdown = shutdownAttr !== undefined && shutdownAttr !== '' && shutdownAttr !== '0';
  const terminateAttr = node.attrs.get('terminate') ?? '';
  const terminate = isTrue(terminateAttr) || /^[1-9]/.test(terminateAttr);
  let online = false;
  if (options.stonithEnabled) {
    online = inCluster;
    if (node.shutdown) {
      online = crmdOnline;
    } else if (inClusterText === undefined) {
      fence(node, 'peer has not been seen by the cluster');
    } else if (join === 'banned' || join === 'nack') {
      fence(node, 'peer failed Pacemaker membership criteria');
    } else if (!terminate && expected === 'down') {
      if (inCluster || crmdOnline) node.pending = true;
    } else if (terminate && join === 'down' && !inCluster && !crmdOnline) {
      online = false;
    } else if (!inCluster) {
      fence(node, 'peer is no longer part of the cluster');
    } else if (!crmdOnline) {
      fence(node, 'peer process is no longer available');
    } else if (terminate) {
      fence(node, 'termination was requested');
    } else if (join === 'member') {
      // active
    } else if (join === 'pending' || join === 'down') {
      node.pending = true;
    } else {
      fence(node, 'peer was in an unknown state');
    }
  } else if (!inCluster) {
    // down
  } else if (crmdOnline) {
    online = join === 'member';
  } else if (expected === 'member') {
    fence(node, 'peer is unexpectedly down');
  }
  node.online = online;
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
