import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from '../cib/xml.js';
import { schedule } from './schedule.js';

const cib = (status: string, extraConfig = ''): string => `<cib have-quorum="1"><configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
  <resources><primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
  <constraints>${extraConfig}</constraints></configuration>
  <status>${status}</status></cib>`;

const online = (id: string, name: string, lrm = ''): string =>
  `<node_state id="${id}" uname="${name}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="${id}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;

test('schedule: a stopped resource starts on the preferred node', () => {
  const result = schedule(parseXml(cib(online('1', 'n1') + online('2', 'n2'), '<rsc_location id="l" rsc="vip" node="n2" score="50"/>')), new Date(0));
  assert.deepEqual(result.lines, ['start vip n2']);
  assert.equal(result.placement.get('vip'), 'n2');
});

test('schedule: same input, same output; a failed monitor means recover', () => {
  const running = '<lrm_resource id="vip" class="ocf" provider="heartbeat" type="IPaddr2">'
    + '<lrm_rsc_op id="vip_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>'
    + '<lrm_rsc_op id="vip_monitor_10000" operation="monitor" call-id="2" rc-code="7" op-status="0" interval="10000" transition-key="2:1:0:x"/>'
    + '</lrm_resource>';
  const text = cib(online('1', 'n1', running) + online('2', 'n2'));
  const first = schedule(parseXml(text), new Date(0));
  const second = schedule(parseXml(text), new Date(0));
  assert.deepEqual(first.lines, ['recover vip n1']);
  assert.deepEqual(second.lines, first.lines);
  // n2 never saw vip: it is probed there (before the start); no monitor is configured
  assert.deepEqual(first.graph.actions.map((a) => `${a.kind} ${a.node}`), ['probe n2', 'stop n1', 'start n1']);
});
