/** Finding agents on this machine's disk and in the fixtures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AgentLocator, defaultAgentPaths } from '../../src/executor/agent-locator.js';
import { parseAgentSpec } from '../../src/executor/agent-spec.js';
import { fixturesDir, testLocator } from './helpers.js';

test('defaults: OCF_ROOT/resource.d first; OCF_ROOT and OCF_RA_PATH override', () => {
  const defaults = defaultAgentPaths({});
  assert.equal(defaults.ocfRoot, '/usr/lib/ocf');
  assert.equal(defaults.ocfAgentDirs[0], '/usr/lib/ocf/resource.d');
  assert.equal(defaults.lsbDir, '/etc/init.d');
  assert.deepEqual(defaultAgentPaths({ OCF_ROOT: '/opt/ocf' }).ocfAgentDirs[0], '/opt/ocf/resource.d');
  assert.deepEqual(defaultAgentPaths({ OCF_RA_PATH: '/a:/b' }).ocfAgentDirs, ['/a', '/b']);
});

test('agents resolve by standard, in search order', () => {
  const locator = testLocator();
  assert.equal(locator.resolve(parseAgentSpec('ocf:heartbeat:Dummy')), '/usr/lib/ocf/resource.d/heartbeat/Dummy');
  assert.equal(locator.resolve(parseAgentSpec('ocf:tdmtest:Hang')), join(fixturesDir, 'ocf/tdmtest/Hang'));
  assert.equal(locator.resolve(parseAgentSpec('lsb:tdmlsb')), join(fixturesDir, 'init.d/tdmlsb'));
  assert.equal(locator.resolve(parseAgentSpec('stonith:fence_tdmtest')), join(fixturesDir, 'fence/fence_tdmtest'));
  assert.equal(locator.resolve(parseAgentSpec('ocf:heartbeat:NoSuch')), undefined);
  assert.equal(new AgentLocator().resolve(parseAgentSpec('stonith:fence_ipmilan')), '/usr/sbin/fence_ipmilan');
});

test('listings: providers across search dirs, agents of a provider, init scripts, fence agents', () => {
  const locator = testLocator();
  assert.ok(locator.ocfProviders().includes('heartbeat') && locator.ocfProviders().includes('tdmtest'));
  assert.deepEqual(locator.ocfAgents('tdmtest'), ['Chatty', 'Env', 'Forker', 'Hang', 'Sleepy', 'Weird']);
  assert.ok(locator.ocfAgents().includes('heartbeat:Dummy'));
  assert.deepEqual(locator.lsbAgents(), ['tdmlsb']);
  assert.deepEqual(locator.fenceAgents(), ['fence_tdmtest']);
});
