/**
 * Builds the working set from a CIB XML tree: options, nodes, resources,
 * constraints, then the status section (node states, operation history,
 * fail counts). The scheduler's own unpack step, as Pacemaker's scheduler
 * reads the CIB XML itself.
 */
import type { XmlElement } from '../cib/xml.js';
import type { Clone, ClusterNode, ClusterOptions, Group, NodeHistory, Primitive, Resource, WorkingSet } from './model.js';
import { applyNvSets, buildIdIndex } from './nvsets.js';
import { applyNodeState, unpackNodes } from './unpack-nodes.js';
import { makeInstance, metaTrue, primitivesOf, unpackResources, type ResourceUnpackContext } from './unpack-resources.js';
import { unpackConstraints } from './unpack-constraints.js';
import { unpackNodeHistory, type HistoryOptions } from './unpack-history.js';
import { applyFailCounts, failCount, failureTimeoutMs, failuresExpired } from './failcounts.js';
import { parseIntervalMs } from './rules.js';
import { SchedulerInputError } from './errors.js';
import { isTrue } from '../cib/values.js';
import { canFence } from './fencing.js';

function find(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

function unpackOptions(cib: XmlElement, crmConfig: XmlElement | undefined, now: Date, index: Map<string, XmlElement>): ClusterOptions {
  const props = new Map<string, string>();
  applyNvSets(crmConfig, 'cluster_property_set', props, { now }, index);
  return {
    stonithEnabled: isTrue(props.get('stonith-enabled'), true),
    symmetric: isTrue(props.get('symmetric-cluster'), true),
    noQuorumPolicy: (props.get('no-quorum-policy') ?? 'stop').toLowerCase(),
    haveQuorum: isTrue(cib.attrs['have-quorum'], false),
    noQuorumPanic: isTrue(cib.attrs['no-quorum-panic'], false),
    maintenanceMode: isTrue(props.get('maintenance-mode'), false),
    stopAllResources: isTrue(props.get('stop-all-resources'), false),
    placementStrategy: (props.get('placement-strategy') ?? 'default').toLowerCase(),
    startFailureIsFatal: isTrue(props.get('start-failure-is-fatal'), true),
    stopOrphanResources: isTrue(props.get('stop-orphan-resources'), true),
    stonithAction: props.get('stonith-action') ?? 'reboot',
    clusterRecheckMs: parseIntervalMs(props.get('cluster-recheck-interval') ?? '15min'),
    shutdownLock: isTrue(props.get('shutdown-lock'), false),
    startupProbes: isTrue(props.get('enable-startup-probes'), true),
    shutdownLockLimitMs: parseIntervalMs(props.get('shutdown-lock-limit') ?? '0'),
  };
}

function crmProperty(crmConfig: XmlElement | undefined, name: string, now: Date, index: Map<string, XmlElement>): string | undefined {
  const props = new Map<string, string>();
  applyNvSets(crmConfig, 'cluster_property_set', props, { now }, index);
  return props.get(name);
}

function registerIds(ws: WorkingSet, rsc: Resource): void {
  ws.byId.set(rsc.id, rsc);
  if (rsc.kind === 'primitive') ws.primitives.set(rsc.id, rsc);
  if (rsc.kind === 'group') for (const member of rsc.children) registerIds(ws, member);
  if (rsc.kind === 'clone') {
    for (const instance of rsc.instances) registerIds(ws, instance);
  }
}

/** Resolves `rsc:N` / `rsc` history ids to clone instances; anonymous clones fill free instances per node. */
interface CloneHistoryTarget { clone: Clone; memberId: string }


function instanceNumber(id: string): number | undefined {
  const match = /:(\d+)$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

function stripInstance(id: string): string {
  return id.replace(/:\d+$/, '');
}

function memberOf(instance: Primitive | Group, baseId: string): Primitive | undefined {
  return primitivesOf(instance).find((p) => p.baseId === baseId);
}

/**
 * Unpacks a whole CIB.
 * @throws SchedulerInputError when the CIB lacks `<configuration>`.
 */
export function unpackCib(cib: XmlElement, now: Date): WorkingSet {
  const configuration = find(cib, 'configuration');
  if (!configuration) throw new SchedulerInputError('CIB has no <configuration> element', { element: cib.name });
  const index = buildIdIndex(configuration);
  const options = unpackOptions(cib, find(configuration, 'crm_config'), now, index);
  const nodes = unpackNodes(find(configuration, 'nodes'), now, index);
  const ws: WorkingSet = {
    now, options, nodes: new Map(), nodeOrder: [], statusOrder: [], resources: [], primitives: new Map(), byId: new Map(),
    locations: [], colocations: [], orders: [], haveFenceDevice: false, fencing: new Map(),
  };
  for (const node of nodes) {
    ws.nodes.set(node.uname, node);
    ws.nodeOrder.push(node.uname);
    node.attrs.set('#is_dc', node.id === cib.attrs['dc-uuid'] ? 'true' : 'false');
    const clusterName = crmProperty(find(configuration, 'crm_config'), 'cluster-name', now, index);
    if (clusterName !== undefined) node.attrs.set('#cluster-name', clusterName);
  }
  const status = find(cib, 'status');
  const nodeStates = new Map<string, XmlElement>();
  for (const state of status?.children ?? []) {
    if (state.name !== 'node_state') continue;
    const node = nodes.find((n) => n.id === state.attrs.id) ?? ws.nodes.get(state.attrs.uname ?? '');
    if (node) { nodeStates.set(node.uname, state); ws.statusOrder.push(node.uname); }
  }
  const startupFencing = options.stonithEnabled && isTrue(crmProperty(find(configuration, 'crm_config'), 'startup-fencing', now, index), true);
  for (const node of nodes) applyNodeState(node, nodeStates.get(node.uname), options, now, index, startupFencing);

  const rctx: ResourceUnpackContext = {
    index, now, rscDefaults: find(configuration, 'rsc_defaults'), opDefaults: find(configuration, 'op_defaults'),
    nodeCount: nodes.length, nextOrder: { value: 0 },
  };
  ws.resources = unpackResources(find(configuration, 'resources'), rctx);
  for (const rsc of ws.resources) registerIds(ws, rsc);
  const expansions = new Map<string, Resource[]>();
  for (const element of find(configuration, 'resources')?.children ?? []) {
    if (element.name === 'template') expansions.set(element.attrs.id ?? '', []);
  }
  for (const primitive of ws.primitives.values()) {
    const templateId = index.get(primitive.baseId)?.attrs.template;
    if (templateId !== undefined && primitive.parent === undefined) expansions.get(templateId)?.push(primitive);
  }
  for (const tag of find(configuration, 'tags')?.children ?? []) {
    const members = tag.children.flatMap((ref) => {
      const target = ws.byId.get(ref.attrs.id ?? '');
      return target ? [target] : (expansions.get(ref.attrs.id ?? '') ?? []);
    });
    expansions.set(tag.attrs.id ?? '', members);
  }
  unpackConstraints(find(configuration, 'constraints'), { ws, index, expansions });

  for (const primitive of ws.primitives.values()) {
    if (primitive.cls === 'stonith') ws.haveFenceDevice = true;
    primitive.managed = metaTrue(primitive.meta, 'is-managed', true) && !options.maintenanceMode && !metaTrue(primitive.meta, 'maintenance', false);
  }
  unpackStatus(ws, nodeStates, rctx);
  applyFailCounts(ws);
  return ws;
}

function unpackStatus(ws: WorkingSet, nodeStates: Map<string, XmlElement>, rctx: ResourceUnpackContext): void {
  const cloneTargets = new Map<string, CloneHistoryTarget>();
  for (const rsc of ws.resources) {
    if (rsc.kind !== 'clone') continue;
    const first = rsc.instances[0];
    if (!first) continue;
    for (const member of primitivesOf(first)) cloneTargets.set(member.baseId, { clone: rsc, memberId: member.baseId });
  }
  for (const nodeName of ws.nodeOrder) {
    const state = nodeStates.get(nodeName);
    const lrm = find(find(state, 'lrm'), 'lrm_resources');
    if (!lrm) continue;
    const node = ws.nodes.get(nodeName) as ClusterNode;
    const anonymous = new Map<Clone, Map<string, { memberId: string; element: XmlElement }[]>>();
    for (const lrmResource of lrm.children) {
      if (lrmResource.name !== 'lrm_resource') continue;
      const id = lrmResource.attrs.id ?? '';
      let target = ws.primitives.get(id);
      const cloneTarget = cloneTargets.get(stripInstance(id));
      if (cloneTarget && !cloneTarget.clone.uniqueInstances) {
        // anonymous clone instances are matched per node below, whatever number they were recorded under
        const byHint = anonymous.get(cloneTarget.clone) ?? new Map<string, { memberId: string; element: XmlElement }[]>();
        anonymous.set(cloneTarget.clone, byHint);
        const hint = instanceNumber(id);
        const key = hint === undefined ? '-' : String(hint);
        byHint.set(key, [...(byHint.get(key) ?? []), { memberId: cloneTarget.memberId, element: lrmResource }]);
        continue;
      }
      if (!target && cloneTarget) {
        const number = instanceNumber(id);
        const instance = cloneTarget.clone.instances.find((i) => instanceNumber(i.id) === number)
          ?? orphanInstanceNumbered(ws, cloneTarget.clone, rctx, number ?? cloneTarget.clone.instances.length);
        target = memberOf(instance, cloneTarget.memberId);
      }
      if (!target) target = orphanPrimitive(ws, id, lrmResource, rctx);
      recordHistory(ws, target, node, lrmResource);
    }
    for (const [clone, byHint] of anonymous) claimAnonymous(ws, clone, node, byHint, rctx);
  }
  for (const primitive of ws.primitives.values()) resolveMigrations(primitive);
  for (const primitive of ws.primitives.values()) {
    const active = [...primitive.history.values()].filter((h) => h.role !== 'Stopped');
    primitive.runningOn = active.map((h) => h.node);
    primitive.role = active.reduce<NodeHistory['role']>((role, h) => (h.role === 'Promoted' || role === 'Stopped' ? h.role : role), 'Stopped');
    primitive.failed = active.some((h) => h.failed);
  }
  applyOnFail(ws);
  for (const primitive of ws.primitives.values()) {
    if (!primitive.managed || !ws.options.stonithEnabled) continue;
    for (const history of primitive.history.values()) {
      const node = ws.nodes.get(history.node);
      // Active on a node that is down: only fencing makes that safe.
      if (history.role !== 'Stopped' && node && !node.online && !node.maintenance && !node.unclean) {
        node.unclean = true;
        node.fenceReason = `${primitive.id} is thought to be active there`;
      }
    }
  }
  for (const primitive of ws.primitives.values()) {
    primitive.failed = [...primitive.history.values()].some((h) => h.role !== 'Stopped' && h.failed);
  }
  applyMultipleActive(ws);
  for (const primitive of ws.primitives.values()) {
    // Resources on a node in maintenance are left alone.
    if (primitive.runningOn.some((node) => ws.nodes.get(node)?.maintenance)) primitive.managed = false;
  }
}

function historyOptions(ws: WorkingSet, target: Primitive, node: ClusterNode): HistoryOptions {
  return {
    stonithEnabled: ws.options.stonithEnabled,
    failuresExpired: failuresExpired(ws, target, node),
    failureTimeoutMs: failureTimeoutMs(target),
    nowMs: ws.now.getTime(),
    failCountActive: failCount(ws, target, node) > 0,
  };
}

function recordHistory(ws: WorkingSet, target: Primitive, node: ClusterNode, lrmResource: XmlElement): void {
  const history = unpackNodeHistory(target, node.uname, lrmResource, historyOptions(ws, target, node));
  // A duplicate entry saying "not running" does not hide one that shows it active.
  const existing = target.history.get(node.uname);
  if (existing && existing.role !== 'Stopped' && history.role === 'Stopped') return;
  if (lrmResource.attrs.id !== undefined) history.lrmId = lrmResource.attrs.id;
  const lockedAt = lrmResource.attrs['shutdown-lock'];
  if (ws.options.shutdownLock && lockedAt !== undefined) {
    const limitMs = ws.options.shutdownLockLimitMs;
    if (limitMs <= 0 || Number(lockedAt) * 1000 + limitMs > ws.now.getTime()) target.lockedTo = node.uname;
  }
  target.history.set(node.uname, history);
}

function historyIsActive(ws: WorkingSet, template: Primitive, node: ClusterNode, lrmResource: XmlElement): boolean {
  const history = unpackNodeHistory(template, node.uname, lrmResource, historyOptions(ws, template, node));
  return history.role !== 'Stopped';
}

/** Clone instance `number` of a unique clone found only in the status: an orphan. */
function orphanInstanceNumbered(ws: WorkingSet, clone: Clone, rctx: ResourceUnpackContext, number: number): Primitive | Group {
  const instance = makeInstance(clone, clone.childTemplate, rctx, number);
  for (const p of primitivesOf(instance)) p.orphan = true;
  clone.instances.push(instance);
  registerIds(ws, instance);
  return instance;
}

function isFreeInstance(instance: Primitive | Group, claimed: Set<Primitive | Group>): boolean {
  return !claimed.has(instance) && primitivesOf(instance).every((p) => [...p.history.values()].every((h) => h.role === 'Stopped'));
}

/**
 * Maps one node's history of an anonymous clone to instances: each recorded
 * instance number (a cloned group's members share it) that is active takes
 * a free instance (the same number when free), or becomes an orphan beyond
 * clone-max; inactive records go to an instance with nothing on this node.
 */
function claimAnonymous(ws: WorkingSet, clone: Clone, node: ClusterNode, byHint: Map<string, { memberId: string; element: XmlElement }[]>, rctx: ResourceUnpackContext): void {
  const template = clone.instances[0] ?? makeInstance(clone, clone.childTemplate, rctx, 0);
  const claimed = new Set<Primitive | Group>();
  const leftovers: { memberId: string; element: XmlElement }[] = [];
  const entries = [...byHint].map(([hint, records]) => ({
    hint,
    records,
    activeMembers: records.filter((r) => historyIsActive(ws, memberOf(template, r.memberId) as Primitive, node, r.element)).length,
  })).map((e) => ({ ...e, active: e.activeMembers > 0 }));
  // Complete (cloned group) instances claim first; a partial duplicate becomes the orphan.
  const activeEntries = entries.filter((e) => e.active).sort((a, b) => b.activeMembers - a.activeMembers);
  for (const entry of activeEntries) {
    const hinted = clone.instances.find((i) => String(instanceNumber(i.id)) === entry.hint);
    let instance = hinted && !hinted.id.includes('orphan') && isFreeInstance(hinted, claimed) && !primitivesOf(hinted)[0]?.orphan ? hinted
      : clone.instances.find((i) => !primitivesOf(i)[0]?.orphan && isFreeInstance(i, claimed));
    if (!instance) {
      let number = clone.instances.length;
      while (clone.instances.some((i) => instanceNumber(i.id) === number)) number++;
      instance = orphanInstanceNumbered(ws, clone, rctx, number);
    }
    claimed.add(instance);
    for (const record of entry.records) {
      const target = memberOf(instance, record.memberId);
      if (!target) continue;
      // A duplicate entry for a slot already filled by an active record is kept apart, as Pacemaker does.
      const existing = target.history.get(node.uname);
      if (existing && existing.role !== 'Stopped') { leftovers.push(record); continue; }
      const active = historyIsActive(ws, target, node, record.element);
      if (existing && !active) { leftovers.push(record); continue; }
      recordHistory(ws, target, node, record.element);
    }
  }
  for (const record of [...entries.filter((e) => !e.active).flatMap((e) => e.records), ...leftovers]) {
    const instance = clone.instances.find((i) => !claimed.has(i) && !memberOf(i, record.memberId)?.history.has(node.uname));
    const target = instance ? memberOf(instance, record.memberId) : undefined;
    if (target) recordHistory(ws, target, node, record.element);
  }
}

function orphanPrimitive(ws: WorkingSet, id: string, lrmResource: XmlElement, rctx: ResourceUnpackContext): Primitive {
  const synthetic: XmlElement = { name: 'primitive', attrs: { id, class: lrmResource.attrs.class ?? '', provider: lrmResource.attrs.provider ?? '', type: lrmResource.attrs.type ?? '' }, children: [] };
  const [primitive] = unpackResources({ name: 'resources', attrs: {}, children: [synthetic] }, rctx) as Primitive[];
  const orphan = primitive as Primitive;
  orphan.orphan = true;
  orphan.managed = !ws.options.maintenanceMode;
  ws.resources.push(orphan);
  registerIds(ws, orphan);
  return orphan;
}

/** multiple-active: stop_start (default) restarts, stop_only stops everywhere, block leaves it (and its group) alone. */
function applyMultipleActive(ws: WorkingSet): void {
  for (const primitive of ws.primitives.values()) {
    if (primitive.runningOn.length < 2) continue;
    const clone = primitive.parent?.kind === 'clone' || primitive.parent?.parent?.kind === 'clone';
    if (clone) continue;
    const policy = (primitive.meta.get('multiple-active') ?? 'stop_start').toLowerCase();
    if (policy === 'stop_only') primitive.meta.set('target-role', 'Stopped');
    else if (policy === 'block') {
      const group = primitive.parent?.kind === 'group' ? primitive.parent : undefined;
      for (const member of group ? group.children : [primitive]) { member.managed = false; member.blocked = true; }
    }
  }
}

/** What a failed operation's on-fail asks for beyond recovery (Pacemaker's process_rsc_state). */
function applyOnFail(ws: WorkingSet): void {
  for (const primitive of ws.primitives.values()) {
    for (const history of primitive.history.values()) {
      if (history.fatal) primitive.meta.set('target-role', 'Stopped');
      if (!history.failed || history.role === 'Stopped') continue;
      const node = ws.nodes.get(history.node);
      if (history.failedOp === 'stop' && history.failedHard === true && !canFence(ws, history.node)) {
        // A stop that failed hard where fencing cannot help: nothing more can be tried (Pacemaker blocks it).
        primitive.managed = false;
        primitive.blocked = true;
        continue;
      }
      switch (history.onFail) {
        case 'stop':
          primitive.meta.set('target-role', 'Stopped');
          break;
        case 'block':
          if (node?.unclean && ws.options.stonithEnabled && ws.haveFenceDevice) break; // fencing recovers it anyway
          primitive.managed = false;
          primitive.blocked = true;
          break;
        case 'demote':
          // demote in place instead of recovering; no promotion here
          if (history.role === 'Promoted') {
            history.failed = false;
            primitive.demoteOnly = history.node;
          }
          break;
        case 'standby':
          if (node) node.standby = true;
          break;
        case 'fence':
          if (node && !node.unclean && ws.options.stonithEnabled) { node.unclean = true; node.fenceReason = `${primitive.id} failed there`; }
          break;
        default:
          break;
      }
    }
  }
}

/**
 * Migration history across nodes: a completed migrate_to + migrate_from
 * without a stop on the source leaves the source "dangling" (stopped there);
 * a failed migrate_to leaves the resource possibly active on the target too.
 */
function resolveMigrations(primitive: Primitive): void {
  for (const history of primitive.history.values()) {
    const migrateTo = history.migrateTo;
    if (!migrateTo || history.role === 'Stopped') continue;
    const target = primitive.history.get(migrateTo.target);
    if (migrateTo.ok && target?.migrateFrom?.ok && target.role !== 'Stopped') {
      history.role = 'Stopped';
      history.failed = false;
    } else if (!migrateTo.ok && target && target.role === 'Stopped' && !target.migrateFrom) {
      target.role = 'Started';
      target.failed = true;
      target.onFail = 'restart';
    }
  }
}
