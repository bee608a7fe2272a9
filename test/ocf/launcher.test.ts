// The launchers find their bundle (dev tree, or TANDEM_AGENT_BUNDLE_DIR),
// say "not installed" (5) when it is missing, and the built-in agents they
// run are the ones a worker can run in process, with the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launcherPath, repoRoot, runAgent, scratchDir } from './helpers.js';
import { builtinAgents } from '../../agents/builtin/index.js';
import { builtinAgentTypes } from '../../agents/builtin/types.js';
import { runAction } from '../../src/ocf/dispatcher.js';

test('TANDEM_AGENT_BUNDLE_DIR overrides the lookup; a missing bundle is 5 with a reason', () => {
  const directory = scratchDir('launcher');
  try {
    const empty = join(directory, 'empty');
    mkdirSync(empty);
    const missing = runAgent('Dummy', 'monitor', {}, { TANDEM_AGENT_BUNDLE_DIR: empty });
    assert.equal(missing.rc, 5);
    assert.match(missing.stderr, new RegExp(`ocf-exit-reason:tandem agent bundle Dummy\\.mjs not found in ${empty}`));
    const other = join(directory, 'other');
    mkdirSync(other);
    copyFileSync(join(repoRoot, 'dist', 'ocf-bundle', 'Dummy.mjs'), join(other, 'Dummy.mjs'));
    const found = runAgent('Dummy', 'meta-data', {}, { TANDEM_AGENT_BUNDLE_DIR: other });
    assert.equal(found.rc, 0, found.stderr);
    assert.match(found.stdout, /<resource-agent name="Dummy"/);
    // Installed, a launcher has no package.json above it and runs as CommonJS: it must work there too.
    const installed = join(directory, 'resource.d', 'tandem');
    mkdirSync(installed, { recursive: true });
    copyFileSync(launcherPath('Dummy'), join(installed, 'Dummy'));
    chmodSync(join(installed, 'Dummy'), 0o755);
    const copied = spawnSync(join(installed, 'Dummy'), ['meta-data'], { encoding: 'utf8', env: { ...process.env, TANDEM_AGENT_BUNDLE_DIR: other } });
    assert.equal(copied.status, 0, copied.stderr);
    assert.match(copied.stdout, /<resource-agent name="Dummy"/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('the agents are links to one launcher; called by its own name it says so and exits 5', () => {
  for (const agent of builtinAgentTypes) assert.equal(realpathSync(launcherPath(agent)), join(repoRoot, 'ocf', 'tandem-launcher'), agent);
  const direct = spawnSync(join(repoRoot, 'ocf', 'tandem-launcher'), ['meta-data'], { encoding: 'utf8' });
  assert.equal(direct.status, 5);
  assert.match(direct.stderr, /ocf-exit-reason:the tandem OCF launcher must be called by an agent's name/);
});

test('no action: usage on stderr and 2; an unknown action: 3', () => {
  const usage = runAgent('Dummy', '', {});
  assert.equal(usage.rc, 2);
  assert.match(usage.stderr, /^usage: Dummy \{/);
  assert.equal(runAgent('App', 'frobnicate', {}).rc, 3);
});

test('in process and through the launcher, Dummy answers alike', async () => {
  const dummy = builtinAgents.get('Dummy');
  assert.ok(dummy !== undefined);
  // Every agent with a launcher can run in the worker, and only those.
  assert.deepEqual([...builtinAgents.keys()].sort(), readdirSync(join(repoRoot, 'ocf/resource.d/tandem')).filter((name) => !name.startsWith('.')).sort());
  assert.deepEqual([...builtinAgents.keys()].sort(), [...builtinAgentTypes].sort());
  const directory = scratchDir('inproc');
  try {
    const state = join(directory, 'state');
    const vars = { OCF_ROOT: '/usr/lib/ocf', OCF_RESOURCE_INSTANCE: 'tdm-test', OCF_RESKEY_state: state, OCF_RESKEY_CRM_meta_interval: '10000' };
    for (const exists of [false, true]) {
      if (exists) writeFileSync(state, '');
      const inProcess = await runAction(dummy, 'monitor', vars);
      const launched = runAgent('Dummy', 'monitor', { state });
      assert.equal(inProcess.rc, launched.rc);
      assert.equal(inProcess.exitReason === undefined, !launched.stderr.includes('ocf-exit-reason:'));
    }
    const metaData = await runAction(dummy, 'meta-data', { OCF_RESOURCE_INSTANCE: 'tdm-test' });
    assert.equal(metaData.output, runAgent('Dummy', 'meta-data', {}).stdout);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
