import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from '../cib/xml.js';
import { schedule } from './schedule.js';
import type { TransitionGraph } from './graph.js';

const cib = (resources: string, status: string, constraints = ''): string => `<cib have-quorum="1"><configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
  <resources>${resources}</resources><constraints>${constraints}</constraints></configuration>
  <status>${status}</status></cib>`;

const state = (id: string, name: string, lrm = '', join = 'member'): string =>
  `<node_state id="${id}" uname="${name}" in_ccm="true" crmd="online" join="${join}" expected="member"><lrm id="${id}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;

const dummy = (id: string, meta = ''): string => `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">${meta}
  <operations><op id="${id}-mon" name="monitor" interval="10s"/></operations></primitive>`;

const running = (id: string): string => `<lrm_resource id="${id}" class="ocf" provider="pacemaker" type="Dummy">
  <lrm_rsc_op id="${id}_last_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/></lrm_resource>`;

const probedStopped = (id: string): string => `<lrm_resource id="${id}" class="ocf" provider="pacemaker" type="Dummy">
  <lrm_rsc_op id="${id}_last_0" operation="monitor" call-id="1" rc-code="7" op-status="0" interval="0" transition-key="1:1:7:x"/></lrm_resource>`;

/** Whether `before` must finish before `after` (a path of edges). */
function precedes(graph: TransitionGraph, before: string, after: string): boolean {
  const byKey = new Map(graph.actions.map((a) => [`${a.key}@${a.pseudo && a.kind === 'pseudo' ? '' : a.node}`, a.id]));
  const from = byKey.get(before);
  const to = byKey.get(after);
  assert.ok(from !== undefined && to !== undefined, `no ${from === undefined ? before : after} in ${[...byKey.keys()].join(', ')}`);
  const next = new Map<number, number[]>();
  for (const [a, b] of graph.edges) next.set(a, [...(next.get(a) ?? []), b]);
  const queue = [from];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const id = queue.pop() as number;
    if (id === to) return true;
    for (const n of next.get(id) ?? []) if (!seen.has(n)) { seen.add(n); queue.push(n); }
  }
  return false;
}

test('graph: probes where the state is unknown come before the start; the monitor after it', () => {
  const result = schedule(parseXml(cib(dummy('d1'), state('1', 'n1') + state('2', 'n2'), '<rsc_location id="l" rsc="d1" node="n1" score="10"/>')), new Date(0));
  const graph = result.graph;
  assert.deepEqual(graph.actions.map((a) => `${a.key}@${a.node}`), ['d1_monitor_0@n1', 'd1_monitor_0@n2', 'd1_start_0@n1', 'd1_monitor_10000@n1']);
  assert.deepEqual(graph.actions.filter((a) => a.kind === 'probe').map((a) => a.targetRc), [7, 7]);
  assert.ok(precedes(graph, 'd1_monitor_0@n2', 'd1_start_0@n1'));
  assert.ok(precedes(graph, 'd1_start_0@n1', 'd1_monitor_10000@n1'));
});

test('graph: a probe on a node still joining cannot run, so the start is blocked', () => {
  // With fencing on, a node whose controller runs but has not joined yet is pending.
  const text = cib(dummy('d1') + '<primitive id="f" class="stonith" type="fence_dummy"/>', state('1', 'n1') + state('2', 'n2', '', 'down'))
    .replace('value="false"', 'value="true"');
  const result = schedule(parseXml(text), new Date(0));
  assert.deepEqual(result.lines.filter((l) => l.startsWith('start d1')), ['start d1 n1 blocked']);
  assert.ok(!result.graph.actions.some((a) => a.node === 'n2'), 'nothing runs on the pending node');
  assert.ok(result.graph.actions.some((a) => a.key === 'd1_monitor_0' && a.node === 'n1'));
});

test('graph: a group moving gets stop/stopped and start/running pseudo-actions around its members', () => {
  const group = `<group id="g">${dummy('a')}${dummy('b')}</group>`;
  const status = state('1', 'n1', running('a') + running('b')) + state('2', 'n2', probedStopped('a') + probedStopped('b'));
  const result = schedule(parseXml(cib(group, status, '<rsc_location id="l" rsc="g" node="n2" score="100"/>')), new Date(0));
  const graph = result.graph;
  assert.ok(precedes(graph, 'g_stop_0@', 'b_stop_0@n1'));
  assert.ok(precedes(graph, 'b_stop_0@n1', 'a_stop_0@n1'));
  assert.ok(precedes(graph, 'a_stop_0@n1', 'g_stopped_0@'));
  assert.ok(precedes(graph, 'g_stopped_0@', 'g_start_0@'));
  assert.ok(precedes(graph, 'a_start_0@n2', 'b_start_0@n2'));
  assert.ok(precedes(graph, 'b_start_0@n2', 'g_running_0@'));
});

test('graph: allow-migrate moves by migrate_to, migrate_from, stop of the source and a pseudo start', () => {
  const meta = '<meta_attributes id="m"><nvpair id="m1" name="allow-migrate" value="true"/></meta_attributes>';
  const status = state('1', 'n1', running('v')) + state('2', 'n2', probedStopped('v'));
  const result = schedule(parseXml(cib(dummy('v', meta), status, '<rsc_location id="l" rsc="v" node="n2" score="100"/>')), new Date(0));
  assert.deepEqual(result.lines, ['migrate v n1->n2']);
  const graph = result.graph;
  const migrateTo = graph.actions.find((a) => a.kind === 'migrate_to');
  assert.deepEqual(migrateTo?.meta, { migrate_source: 'n1', migrate_target: 'n2' });
  assert.ok(precedes(graph, 'v_migrate_to_0@n1', 'v_migrate_from_0@n2'));
  assert.ok(precedes(graph, 'v_migrate_from_0@n2', 'v_stop_0@n1'));
  assert.equal(graph.actions.find((a) => a.key === 'v_start_0')?.pseudo, true);
  assert.ok(precedes(graph, 'v_stop_0@n1', 'v_monitor_10000@n2'));
});

/** A promotable clone of one Stateful instance, monitored every 11 s unpromoted and every 10 s promoted. */
const stateful = `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/><nvpair id="ms-c" name="clone-max" value="1"/></meta_attributes>
  <primitive id="s" class="ocf" provider="pacemaker" type="Stateful"><operations>
    <op id="s-mon-u" name="monitor" interval="11s" role="Unpromoted"/><op id="s-mon-p" name="monitor" interval="10s" role="Promoted"/>
  </operations></primitive></clone>`;

/** `s` in `role` on n1, with the recurring monitor of that role recorded as running. */
function statefulIn(role: 'Unpromoted' | 'Promoted'): string {
  const promote = role === 'Promoted' ? '<lrm_rsc_op id="s_last_0" operation="promote" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="3:1:0:x"/>' : '';
  const monitor = role === 'Promoted'
    ? '<lrm_rsc_op id="s_monitor_10000" operation="monitor" call-id="4" rc-code="8" op-status="0" interval="10000" transition-key="4:1:8:x"/>'
    : '<lrm_rsc_op id="s_monitor_11000" operation="monitor" call-id="4" rc-code="0" op-status="0" interval="11000" transition-key="4:1:0:x"/>';
  return `<lrm_resource id="s" class="ocf" provider="pacemaker" type="Stateful">
    <lrm_rsc_op id="s_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="2:1:0:x"/>${promote}${monitor}</lrm_resource>`;
}

const promotedOn = (score: string): string => `<rsc_location id="l" rsc="ms" role="Promoted" node="n1" score="${score}"/>`;

test('graph: a promote cancels the unpromoted role\'s recorded monitor first, and starts the promoted one after', () => {
  const result = schedule(parseXml(cib(stateful, state('1', 'n1', statefulIn('Unpromoted')) + state('2', 'n2', probedStopped('s')), promotedOn('100'))), new Date(0));
  const graph = result.graph;
  assert.deepEqual(result.lines, ['promote s:0 n1 [Unpromoted->Promoted]']);
  const cancel = graph.actions.find((a) => a.kind === 'cancel');
  assert.deepEqual(cancel && { key: cancel.key, node: cancel.node, operation: cancel.operation, intervalMs: cancel.intervalMs, meta: cancel.meta },
    { key: 's:0_monitor_11000', node: 'n1', operation: 'cancel', intervalMs: 11_000, meta: { operation: 'monitor', interval: '11000' } });
  assert.ok(precedes(graph, 's:0_monitor_11000@n1', 's:0_promote_0@n1'));
  assert.ok(precedes(graph, 's:0_promote_0@n1', 's:0_monitor_10000@n1'));
  assert.equal(graph.actions.find((a) => a.key === 's:0_monitor_10000')?.targetRc, 8);
  assert.ok(!graph.actions.some((a) => a.kind === 'monitor' && a.intervalMs === 11_000), 'the unpromoted monitor is not scheduled again');
});

test('graph: a demote cancels the promoted role\'s recorded monitor first, and starts the unpromoted one after', () => {
  const result = schedule(parseXml(cib(stateful, state('1', 'n1', statefulIn('Promoted')) + state('2', 'n2', probedStopped('s')), promotedOn('-INFINITY'))), new Date(0));
  const graph = result.graph;
  assert.deepEqual(result.lines, ['demote s:0 n1 [Promoted->Unpromoted]']);
  assert.deepEqual(graph.actions.filter((a) => a.kind === 'cancel').map((a) => `${a.key}@${a.node}`), ['s:0_monitor_10000@n1']);
  assert.ok(precedes(graph, 's:0_monitor_10000@n1', 's:0_demote_0@n1'));
  assert.ok(precedes(graph, 's:0_demote_0@n1', 's:0_monitor_11000@n1'));
  assert.equal(graph.actions.find((a) => a.key === 's:0_monitor_11000')?.targetRc, 0);
});

test('graph: nothing is cancelled where the role stays, nor where the monitor is not recorded as running', () => {
  const stays = schedule(parseXml(cib(stateful, state('1', 'n1', statefulIn('Unpromoted')) + state('2', 'n2', probedStopped('s')))), new Date(0));
  assert.deepEqual(stays.graph.actions.map((a) => a.key), []);
  const unrecorded = statefulIn('Unpromoted').replace(/<lrm_rsc_op id="s_monitor_11000"[^>]*\/>/, '');
  const promote = schedule(parseXml(cib(stateful, state('1', 'n1', unrecorded) + state('2', 'n2', probedStopped('s')), promotedOn('100'))), new Date(0));
  assert.deepEqual(promote.lines, ['promote s:0 n1 [Unpromoted->Promoted]']);
  assert.ok(!promote.graph.actions.some((a) => a.kind === 'cancel'));
});
