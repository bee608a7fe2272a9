import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metaDataXml, escapeXml } from './meta-data.js';
import { readOcfEnvironment } from './environment.js';
import { testAgent } from './test-agent.js';

const xml = metaDataXml(testAgent, readOcfEnvironment({ OCF_RESOURCE_INSTANCE: 'p1', HA_RSCTMP: '/run/x' }));

test('meta-data starts with the DOCTYPE the old DTD needs', () => {
  assert.match(xml, /^<\?xml version="1.0"\?>\n<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">\n<resource-agent name="Probe" version="0.1">\n<version>1.1<\/version>/);
});

test('each parameter carries type, flags and default; text is escaped', () => {
  assert.match(xml, /<parameter name="name" unique="1" required="1">/);
  assert.match(xml, /<content type="integer" default="3" \/>/);
  assert.match(xml, /<content type="boolean" default="false" \/>/);
  assert.match(xml, /<content type="string" default="\/run\/x\/probe-p1" \/>/);
  assert.match(xml, /<parameter name="answer" unique="0" required="0">[^]*?<content type="integer" \/>/);
  assert.match(xml, /&lt;not&gt; shipped &amp; not installed/);
});

test('actions: declared ones with their timeouts, validate-all, meta-data, extra entries', () => {
  const actions = [...xml.matchAll(/<action ([^/]*)\/>/g)].map((match) => match[1]?.trim());
  assert.deepEqual(actions, [
    'name="start" timeout="30s"',
    'name="stop" timeout="40s"',
    'name="monitor" timeout="20s" interval="10s" depth="0"',
    'name="notify" timeout="5s"',
    'name="validate-all" timeout="20s"',
    'name="monitor" timeout="20s" interval="60s" depth="10"',
    'name="meta-data" timeout="5s"',
  ]);
});

test('never what the old DTD rejects', () => {
  assert.doesNotMatch(xml, /type="select"|reload-agent/);
});

test('escapeXml escapes the five XML specials', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});
