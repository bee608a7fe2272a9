import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from './xml.js';
import { validateCib, assertValidCib, CibValidationError } from './validate.js';
import { clusterOptions, resources, constraints, nodeStates, failCounts, cibHeader } from './model.js';

const base = (resources: string, constraints = '', extra = ''): string => `<cib epoch="3" num_updates="1" admin_epoch="0" validate-with="pacemaker-3.9" have-quorum="1" dc-uuid="1">
<configuration><crm_config><cluster_property_set id="o"><nvpair id="o-1" name="stonith-enabled" value="false"/><nvpair id="o-2" name="cluster-recheck-interval" value="5min"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/></nodes><resources>${resources}</resources><constraints>${constraints}</constraints>${extra}</configuration>
<status><node_state id="1" uname="n1" in_ccm="true" crmd="online"><transient_attributes id="1"><instance_attributes id="status-1"><nvpair id="s-1" name="fail-count-d#monitor_10000" value="3"/><nvpair id="s-2" name="last-failure-d#monitor_10000" value="1700000000"/></instance_attributes></transient_attributes>
<lrm id="1"><lrm_resources><lrm_resource id="d" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="d_last_0" operation="start" call-id="4" rc-code="0" op-status="0" interval="0"/></lrm_resource></lrm_resources></lrm></node_state></status></cib>`;
const dummy = (id: string, ops = ''): string => `<primitive id="${id}" class="ocf" provider="heartbeat" type="Dummy"><operations>${ops}</operations></primitive>`;

test('a good CIB validates and its typed views read right', () => {
  const cib = parseXml(base(`${dummy('d', '<op id="d-m" name="monitor" interval="10s" timeout="20s"/>')}<clone id="c"><meta_attributes id="c-m"><nvpair id="c-m-p" name="promotable" value="true"/></meta_attributes>${dummy('s')}</clone>`,
    '<rsc_location id="l" rsc="d" node="n1" score="INFINITY"/><rsc_order id="o1" first="d" then="c"/>'));
  assert.deepEqual(validateCib(cib), []);
  assert.deepEqual(cibHeader(cib), { adminEpoch: 0, epoch: 3, numUpdates: 1, validateWith: 'pacemaker-3.9', haveQuorum: true, dcUuid: '1' });
  const options = clusterOptions(cib);
  assert.equal(options['stonith-enabled'], false);
  assert.equal(options['cluster-recheck-interval'], 300_000);
  assert.equal(options['no-quorum-policy'], 'stop');
  const [d, c] = resources(cib);
  assert.equal(d?.operations[0]?.intervalMs, 10_000);
  assert.equal(c?.promotable, true);
  assert.deepEqual(constraints(cib).map((x) => x.references), [['d'], ['d', 'c']]);
  const [state] = nodeStates(cib);
  assert.equal(state?.resources[0]?.ops[0]?.callId, 4);
  assert.deepEqual(state && failCounts(state), [{ resource: 'd', operation: 'monitor_10000', count: 3, lastFailure: 1_700_000_000 }]);
});

test('duplicate ids, dangling references, bad scores and intervals are named', () => {
  const cib = parseXml(base(`${dummy('d', '<op id="d-m" name="monitor" interval="often"/>')}${dummy('d')}<primitive id="t" template="nope"/>`,
    '<rsc_location id="l" rsc="ghost" node="n1" score="lots"/><rsc_colocation id="c1" score="INFINITY"><resource_set id="s"><resource_ref id="d"/><resource_ref id="phantom"/></resource_set></rsc_colocation>',
    '<rsc_defaults><meta_attributes id-ref="missing"/></rsc_defaults>'));
  const issues = validateCib(cib);
  const text = issues.map((issue) => `${issue.id}: ${issue.message}`).join('\n');
  assert.match(text, /d: duplicate id/);
  assert.match(text, /d-m: bad interval 'often'/);
  assert.match(text, /t: template 'nope' does not exist/);
  assert.match(text, /l: references resource 'ghost'/);
  assert.match(text, /l: bad score 'lots'/);
  assert.match(text, /c1: references resource 'phantom'/);
  assert.match(text, /id-ref 'missing' names no object/);
  assert.throws(() => assertValidCib(cib, { source: 'x.xml' }), (error: unknown) => error instanceof CibValidationError && /x\.xml is not valid/.test(error.message));
});

test('an injected agent lookup reports missing agents', () => {
  const cib = parseXml(base(dummy('d')));
  const issues = validateCib(cib, { agentExists: (_cls, _provider, type) => type !== 'Dummy' });
  assert.deepEqual(issues.map((issue) => issue.message), ["resource agent 'ocf:heartbeat:Dummy' is not installed"]);
});

test('bad ids and mistyped cluster options are named', () => {
  const cib = parseXml(base(dummy('1st')).replace('value="5min"', 'value="often"').replace('name="stonith-enabled" value="false"', 'name="stonith-enabled" value="maybe"'));
  const messages = validateCib(cib).map((issue) => `${issue.id}: ${issue.message}`);
  assert.deepEqual(messages, [
    '1st: not a valid XML ID (letters, digits, _ . -; not starting with a digit, . or -)',
    'o-1: cluster option stonith-enabled="maybe" is not a valid boolean',
    'o-2: cluster option cluster-recheck-interval="often" is not a valid time',
  ]);
});
