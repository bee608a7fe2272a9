import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentMetaDataError, parseAgentMetaData } from './agent-metadata.js';

const sample = `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Sample" version="2.0">
  <version>1.1</version>
  <longdesc lang="en">A long
    description.</longdesc>
  <shortdesc lang="en">Sample agent</shortdesc>
  <parameters>
    <parameter name="ip" required="1" unique="1">
      <longdesc lang="en">The address.</longdesc>
      <shortdesc lang="en">Address</shortdesc>
      <content type="string"/>
    </parameter>
    <parameter name="mode">
      <shortdesc lang="en">Mode</shortdesc>
      <content type="select" default="fast"><option value="fast"/><option value="safe"/></content>
    </parameter>
  </parameters>
  <actions>
    <action name="start" timeout="20s"/>
    <action name="monitor" timeout="20s" interval="10s" depth="0"/>
  </actions>
</resource-agent>`;

test('meta-data is read into parameters and actions', () => {
  const meta = parseAgentMetaData(sample, 'ocf:test:Sample');
  assert.equal(meta.name, 'Sample');
  assert.equal(meta.version, '1.1');
  assert.equal(meta.longdesc, 'A long\ndescription.');
  assert.deepEqual(meta.parameters, [
    { name: 'ip', required: true, unique: true, type: 'string', shortdesc: 'Address', longdesc: 'The address.' },
    { name: 'mode', required: false, unique: false, type: 'select', default: 'fast', values: ['fast', 'safe'], shortdesc: 'Mode' },
  ]);
  assert.deepEqual(meta.actions, [{ name: 'start', timeout: '20s' }, { name: 'monitor', timeout: '20s', interval: '10s', depth: '0' }]);
});

test('malformed meta-data names the agent', () => {
  assert.throws(() => parseAgentMetaData('<resource-agent', 'ocf:x:Broken'), (error: unknown) => error instanceof AgentMetaDataError && /ocf:x:Broken: meta-data is not well-formed/.test(error.message));
  assert.throws(() => parseAgentMetaData('<cib/>', 'ocf:x:Wrong'), /root is <cib>/);
});
