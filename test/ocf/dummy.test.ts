// tandem:Dummy through its launcher: Debian's ocf-tester passes, and the
// rules it does not check (probe vs. recurring monitor, exit reasons).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ocfTester, runAgent, scratchDir } from './helpers.js';

test('ocf-tester passes for tandem:Dummy', () => {
  const directory = scratchDir('dummy-tester');
  try {
    const result = ocfTester('Dummy', { state: join(directory, 'state') });
    assert.equal(result.rc, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /passed all tests/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('Dummy: start is idempotent, stop is idempotent, monitor says 7 only when stopped', () => {
  const directory = scratchDir('dummy');
  const state = join(directory, 'missing', 'state');
  try {
    assert.equal(runAgent('Dummy', 'monitor', { state }).rc, 7);
    assert.match(runAgent('Dummy', 'monitor', { state }).stderr, /^ocf-exit-reason:No process state file found$/m);
    assert.equal(runAgent('Dummy', 'stop', { state }).rc, 0);
    assert.equal(runAgent('Dummy', 'start', { state }).rc, 0);
    assert.ok(existsSync(state));
    assert.equal(runAgent('Dummy', 'start', { state }).rc, 0);
    assert.equal(runAgent('Dummy', 'monitor', { state }).rc, 0);
    assert.equal(runAgent('Dummy', 'stop', { state }).rc, 0);
    assert.equal(existsSync(state), false);
    assert.equal(runAgent('Dummy', 'stop', { state }).rc, 0);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('Dummy: a probe says 7 without an exit reason; a bad parameter is 6 except on a probe', () => {
  const directory = scratchDir('dummy-probe');
  const state = join(directory, 'state');
  try {
    const probe = runAgent('Dummy', 'monitor', { state }, { OCF_RESKEY_CRM_meta_interval: '0' });
    assert.equal(probe.rc, 7);
    assert.doesNotMatch(probe.stderr, /ocf-exit-reason/);
    const bad = { state, op_sleep: 'slow' };
    assert.equal(runAgent('Dummy', 'start', bad).rc, 6);
    assert.match(runAgent('Dummy', 'start', bad).stderr, /ocf-exit-reason:parameter 'op_sleep' must be a number of seconds, got 'slow'/);
    assert.equal(runAgent('Dummy', 'monitor', bad, { OCF_RESKEY_CRM_meta_interval: '0' }).rc, 7);
    assert.equal(runAgent('Dummy', 'frobnicate', { state }).rc, 3);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('Dummy: a state directory that cannot be written fails validate-all with 2', () => {
  const result = runAgent('Dummy', 'validate-all', { state: '/proc/tdm-no-such-dir/state' });
  assert.equal(result.rc, 2);
  assert.match(result.stderr, /ocf-exit-reason:State file "\/proc\/tdm-no-such-dir\/state" is not writable/);
});

test('Dummy: fail_start_on names this node → start fails with 1; anonymous clone instances share the default state file', () => {
  const directory = scratchDir('dummy-clone');
  try {
    const failed = runAgent('Dummy', 'start', { state: join(directory, 'state'), fail_start_on: hostname() });
    assert.equal(failed.rc, 1);
    assert.match(failed.stderr, /ocf-exit-reason:simulated failure on/);
    const clone = (instance: string, unique?: string) => ({ HA_RSCTMP: directory, OCF_RESOURCE_INSTANCE: instance, ...(unique ? { OCF_RESKEY_CRM_meta_globally_unique: unique } : {}) });
    assert.equal(runAgent('Dummy', 'start', {}, clone('web:0')).rc, 0);
    assert.ok(existsSync(join(directory, 'Dummy-web.state')));
    assert.equal(runAgent('Dummy', 'monitor', {}, clone('web:1')).rc, 0, 'instance 1 sees the shared state');
    assert.equal(runAgent('Dummy', 'monitor', {}, clone('web:1', 'true')).rc, 7, 'a globally unique clone has its own');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
