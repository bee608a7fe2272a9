import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexScript, CrmSyntaxError } from './lexer.js';
import { parseScript, parseArgs } from './parser.js';
import { applyCommands } from './apply.js';
import { showConfiguration } from './show.js';
import { emptyCib } from '../cib/empty.js';
import { child, serializeXml, type XmlElement } from '../cib/xml.js';

function build(script: string): XmlElement {
  return applyCommands(emptyCib(), parseScript(script, { providers: (type) => (type === 'Stateful' ? ['pacemaker'] : ['heartbeat']) })).cib;
}

function section(cib: XmlElement, name: string): XmlElement {
  const found = child(child(cib, 'configuration') ?? cib, name);
  assert.ok(found, `no ${name}`);
  return found;
}

test('the lexer joins continuation lines, strips quotes, skips comment lines', () => {
  const statements = lexScript('# a comment\nprimitive a Dummy \\\n\tparams x="two words" y=\'q\' \\\n\top monitor interval=10s\nlocation l a rule #uname eq n1\n');
  assert.equal(statements.length, 2);
  assert.deepEqual(statements[0]?.tokens.map((token) => token.text), ['primitive', 'a', 'Dummy', 'params', 'x=two words', 'y=q', 'op', 'monitor', 'interval=10s']);
  assert.deepEqual(statements[0]?.tokens[6], { text: 'op', line: 4, column: 2 });
  assert.equal(statements[1]?.tokens[4]?.text, '#uname');
  assert.throws(() => lexScript('primitive a Dummy\nparams x="open'), (error: unknown) => error instanceof CrmSyntaxError && /line 2, column 10: unterminated quotation/.test(error.message));
});

test('primitives get crmsh ids and class/provider defaults', () => {
  const cib = build('primitive vip IPaddr2 params ip=198.18.0.10 op monitor interval=10s timeout=20s op start interval=0 meta target-role=Started\nprimitive s Stateful op monitor interval=5s depth=1');
  const [vip, s] = section(cib, 'resources').children;
  assert.equal(serializeXml(vip as XmlElement), [
    '<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">',
    '  <instance_attributes id="vip-instance_attributes">',
    '    <nvpair name="ip" value="198.18.0.10" id="vip-instance_attributes-ip"/>',
    '  </instance_attributes>',
    '  <operations>',
    '    <op name="monitor" interval="10s" timeout="20s" id="vip-monitor-10s"/>',
    '    <op name="start" interval="0" id="vip-start-0"/>',
    '  </operations>',
    '  <meta_attributes id="vip-meta_attributes">',
    '    <nvpair name="target-role" value="Started" id="vip-meta_attributes-target-role"/>',
    '  </meta_attributes>',
    '</primitive>', ''].join('\n'));
  assert.equal(s?.attrs['provider'], 'pacemaker');
  const op = s?.children[0]?.children[0];
  assert.equal(op?.children[0]?.attrs['id'], 's-monitor-5s-instance_attributes');
  assert.equal(op?.children[0]?.children[0]?.attrs['name'], 'depth');
});

test('rules, dates and sets parse as crmsh builds them', () => {
  const cib = build([
    'primitive a Dummy', 'primitive b Dummy', 'primitive c Dummy',
    'location l a rule -inf: #uname eq n1 or pingd number:lte 0 rule 5: date spec hours=9-16',
    'colocation co inf: ( a b ) c',
    'order o Optional: a:start [ b c ]',
  ].join('\n'));
  const [location, colocation, order] = section(cib, 'constraints').children;
  const [rule1, rule2] = location?.children ?? [];
  assert.deepEqual(rule1?.attrs, { score: '-INFINITY', 'boolean-op': 'or', id: 'l-rule' });
  assert.deepEqual(rule1?.children.map((e) => e.attrs['id']), ['l-rule-expression', 'l-rule-expression-0']);
  assert.equal(rule1?.children[1]?.attrs['type'], 'number');
  assert.equal(rule2?.attrs['id'], 'l-rule-0');
  assert.deepEqual(rule2?.children[0]?.children[0]?.attrs, { hours: '9-16', id: 'l-rule-0-expression-date_spec' });
  assert.deepEqual(colocation?.children.map((set) => set.attrs), [{ sequential: 'false', id: 'co-0' }, { id: 'co-1' }]);
  assert.deepEqual(order?.children.map((set) => set.attrs), [{ action: 'start', id: 'o-0' }, { 'require-all': 'false', sequential: 'false', id: 'o-1' }]);
});

test('syntax errors name line, column and token', () => {
  assert.throws(() => parseScript('primitive a Dummy\norder o Mandatory: a:jump b\n'), (error: unknown) => {
    assert.ok(error instanceof CrmSyntaxError);
    assert.match(error.message, /line 2, column 20: invalid action 'jump' for 'a' near 'a:jump'/);
    return true;
  });
  assert.throws(() => parseArgs(['location', 'l', 'a', 'rule', 'inf:', 'x', 'eq', '1', 'and', 'y', 'eq', '2', 'or', 'z', 'eq', '3']), /mixing boolean operators/);
  assert.throws(() => parseArgs(['primitive', 'p', 'Dummy', 'op', 'monitor', 'depth=1', 'interval=5s']), /attribute order error/);
  assert.throws(() => parseArgs(['group', 'g']), /expected at least one group member/);
  assert.throws(() => parseArgs(['order', 'o', 'Sometimes:', 'a', 'b']), /invalid kind: Sometimes/);
});

test('show prints crmsh layout, and what it prints parses back to the same CIB', () => {
  const script = [
    'property stonith-enabled=false',
    'node n1 attributes standby=off',
    'primitive web Dummy params state="/run/web state" op monitor interval=10s',
    'primitive db ocf:pacemaker:Stateful',
    'group g web meta target-role=Started',
    'clone p db meta promotable=true',
    'location l g rule $role=Started 50: #uname eq n1',
    'order o Mandatory: p:promote g:start symmetrical=false',
  ].join('\n');
  const cib = build(script);
  const text = showConfiguration(cib);
  assert.equal(text, [
    'node n1 \\', '\tattributes standby=off',
    'primitive db ocf:pacemaker:Stateful',
    'primitive web Dummy \\', '\tparams state="/run/web state" \\', '\top monitor interval=10s',
    'group g web \\', '\tmeta target-role=Started',
    'clone p db \\', '\tmeta promotable=true',
    'location l g \\', '\trule $role=Started 50: #uname eq n1',
    'order o Mandatory: p:promote g:start symmetrical=false',
    'property cib-bootstrap-options: \\', '\tstonith-enabled=false', ''].join('\n'));
  const back = build(text);
  assert.equal(showConfiguration(back), text);
  for (const name of ['nodes', 'constraints', 'crm_config']) assert.deepEqual(section(back, name), section(cib, name));
});

test('ms is accepted with a deprecation warning', () => {
  const commands = parseScript('primitive s Stateful\nms m s meta notify=true');
  const result = applyCommands(emptyCib(), commands);
  assert.match(result.messages.join('\n'), /"ms" is deprecated. Please use "clone m s meta promotable=true"/);
  assert.equal(section(result.cib, 'resources').children[0]?.name, 'master');
});

test('fencing_topology: levels per target in order, commas join the devices of a level; show prints it back', () => {
  const cib = build('primitive f1 stonith:fence_ipmilan\nprimitive f2 stonith:fence_apc\nprimitive f3 stonith:fence_apc\nfencing_topology n1: f1 f2,f3 n2: f2 attr:rack=r1 f3');
  assert.equal(serializeXml(section(cib, 'fencing-topology')), serializeXml({ name: 'fencing-topology', attrs: {}, children: [
    { name: 'fencing-level', attrs: { id: 'fencing', target: 'n1', index: '1', devices: 'f1' }, children: [] },
    { name: 'fencing-level', attrs: { id: 'fencing-0', target: 'n1', index: '2', devices: 'f2,f3' }, children: [] },
    { name: 'fencing-level', attrs: { id: 'fencing-1', target: 'n2', index: '1', devices: 'f2' }, children: [] },
    { name: 'fencing-level', attrs: { id: 'fencing-2', 'target-attribute': 'rack', 'target-value': 'r1', index: '1', devices: 'f3' }, children: [] },
  ] }));
  assert.match(showConfiguration(cib), /^fencing_topology n1: f1 f2,f3 n2: f2 attr:rack=r1 f3$/m);
  // a second statement replaces the section, as crmsh's single object
  const again = applyCommands(cib, parseScript('fencing_topology n1: f2')).cib;
  assert.equal(section(again, 'fencing-topology').children.length, 1);
  const deleted = applyCommands(again, parseScript('delete fencing_topology')).cib;
  assert.equal(child(child(deleted, 'configuration') ?? deleted, 'fencing-topology'), undefined);
  assert.throws(() => parseScript('fencing_topology f1 f2'), /expected a target first/);
  assert.throws(() => parseScript('fencing_topology n1: n2: f1'), /expected a fence device for the previous target/);
  assert.throws(() => parseScript('fencing_topology n1:'), /at least one fence device/);
});
