/**
 * `tandem ra` as a user runs it: the real CLI in a child process, against
 * Debian's agents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseXml } from '../../src/cib/xml.js';
import { tempDir } from './helpers.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

async function tandem(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('node', [cli, ...args], { reject: false, env: { TANDEM_LOG_LEVEL: 'warn' } });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

test('tandem ra classes and providers', async () => {
  const classes = await tandem('-o', 'json', 'ra', 'classes');
  assert.equal(classes.exitCode, 0);
  assert.deepEqual(JSON.parse(classes.stdout), ['ocf', 'lsb', 'systemd', 'stonith']);
  const providers = await tandem('ra', 'providers');
  assert.equal(providers.exitCode, 0);
  assert.ok(providers.stdout.split('\n').includes('heartbeat'));
});

test('tandem ra list ocf:heartbeat, in text and json', async () => {
  const text = await tandem('ra', 'list', 'ocf:heartbeat');
  assert.equal(text.exitCode, 0, text.stderr);
  const names = text.stdout.split('\n');
  assert.ok(names.includes('ocf:heartbeat:Dummy') && names.includes('ocf:heartbeat:anything'));
  assert.ok(names.every((name) => name.startsWith('ocf:heartbeat:')));
  const json = await tandem('--output', 'json', 'ra', 'list', 'ocf:heartbeat');
  const entries = JSON.parse(json.stdout) as Array<{ agent: string; provider: string; type: string }>;
  assert.deepEqual(entries.find((entry) => entry.type === 'Dummy'), { agent: 'ocf:heartbeat:Dummy', standard: 'ocf', provider: 'heartbeat', type: 'Dummy' });
  assert.equal(entries.length, names.length);
});

test('tandem ra info ocf:heartbeat:Dummy lists parameters and actions', async () => {
  const text = await tandem('ra', 'info', 'ocf:heartbeat:Dummy');
  assert.equal(text.exitCode, 0, text.stderr);
  assert.match(text.stdout, /^Example stateless resource agent \(ocf:heartbeat:Dummy\)/);
  assert.match(text.stdout, /^state \(string, \[.*Dummy-.*\.state\]\): State file$/m);
  assert.match(text.stdout, /^ {4}monitor +timeout=20s interval=10s depth=0$/m);
  const json = await tandem('-o', 'json', 'ra', 'info', 'ocf:heartbeat:Dummy');
  const info = JSON.parse(json.stdout) as { parameters: Array<{ name: string }>; actions: Array<{ name: string }> };
  assert.deepEqual(info.parameters.map((param) => param.name), ['state', 'fake']);
  assert.ok(info.actions.some((action) => action.name === 'validate-all'));
});

test("tandem ra info lays parameters and operations out as crmsh's crm ra info does", async () => {
  for (const agent of ['ocf:heartbeat:Dummy', 'ocf:heartbeat:IPaddr2']) {
    const ours = await tandem('ra', 'info', agent);
    const crmsh = await execa('crm', ['ra', 'info', agent], { reject: false });
    assert.equal(crmsh.exitCode, 0, crmsh.stderr);
    const section = (text: string): string => text.slice(text.indexOf("Operations' defaults")).trimEnd();
    assert.equal(section(ours.stdout), section(crmsh.stdout));
    // "name (type, [default]):" of every parameter, in order.
    const heads = (text: string): string[] => text.split('\n').filter((line) => /^[A-Za-z_][\w-]*\*? \(/.test(line)).map((line) => line.slice(0, line.indexOf('):') + 2));
    assert.deepEqual(heads(ours.stdout), heads(crmsh.stdout));
    assert.equal(ours.stdout.split('\n')[0], crmsh.stdout.split('\n')[0]);
  }
});

test('tandem ra meta prints the agent meta-data XML', async () => {
  const meta = await tandem('ra', 'meta', 'ocf:heartbeat:Dummy');
  assert.equal(meta.exitCode, 0, meta.stderr);
  assert.equal(parseXml(meta.stdout).attrs['name'], 'Dummy');
});

test('tandem ra exec runs Debian Dummy by hand; the exit code is the rc', async () => {
  const temp = tempDir('cli');
  try {
    const state = `state=${join(temp.dir, 'Dummy.state')}`;
    const exec = async (action: string, ...extra: string[]): Promise<{ exitCode: number; rc: number; status: string }> => {
      const run = await tandem('-o', 'json', 'ra', 'exec', 'ocf:heartbeat:Dummy', action, state, '--resource', 'cli-dummy', ...extra);
      const result = JSON.parse(run.stdout) as { rc: number; status: string; resource: string; opDigest: string };
      assert.equal(result.resource, 'cli-dummy');
      assert.match(result.opDigest, /^[0-9a-f]{32}$/);
      return { exitCode: run.exitCode, rc: result.rc, status: result.status };
    };
    assert.deepEqual(await exec('monitor'), { exitCode: 7, rc: 7, status: 'done' });
    assert.deepEqual(await exec('start', '--timeout', '20s'), { exitCode: 0, rc: 0, status: 'done' });
    assert.deepEqual(await exec('monitor', '--interval', '10s'), { exitCode: 0, rc: 0, status: 'done' });
    assert.deepEqual(await exec('stop'), { exitCode: 0, rc: 0, status: 'done' });
    const text = await tandem('ra', 'exec', 'ocf:heartbeat:Dummy', 'monitor', state);
    assert.equal(text.exitCode, 7);
    assert.match(text.stdout, /^ocf:heartbeat:Dummy monitor on Dummy: rc=7 \(OCF_NOT_RUNNING\), done/);
  } finally {
    temp.remove();
  }
});

test('tandem ra refuses bad input with a message naming it', async () => {
  const missing = await tandem('ra', 'exec', 'ocf:heartbeat:NoSuchAgent', 'start');
  assert.equal(missing.exitCode, 5);
  assert.match(missing.stdout, /rc=5 \(OCF_ERR_INSTALLED\), not-installed/);
  assert.match(missing.stdout, /ocf:heartbeat:NoSuchAgent is not installed/);
  const info = await tandem('ra', 'info', 'ocf:heartbeat:NoSuchAgent');
  assert.equal(info.exitCode, 5);
  assert.match(info.stderr, /ocf:heartbeat:NoSuchAgent is not installed/);
  const checks: Array<[string[], RegExp]> = [
    [['ra', 'exec', 'ocf:heartbeat:Dummy', 'start', 'statefile'], /parameter 'statefile': expected name=value/],
    [['ra', 'exec', 'ocf:heartbeat:Dummy', 'start', '=x'], /'' is not a valid parameter name/],
    [['ra', 'exec', 'ocf:heartbeat:Dummy', 'start', 'a=1', 'a=2'], /parameter 'a' given twice/],
    [['ra', 'exec', 'ocf:heartbeat:Dummy', 'start', 'state=/nonexistent/dir/x', '--interval', 'often'], /--interval: 'often' is not a duration/],
    [['ra', 'exec', 'ocf:heartbeat:Dummy', 'start', '--timeout', 'soon'], /--timeout: 'soon' is not a duration/],
    [['ra', 'exec', 'ocf:heartbeat:Dummy', 'start', '--timeout', '0'], /--timeout must be more than 0/],
    [['ra', 'exec', 'Dummy', 'start'], /agent 'Dummy': unknown class 'Dummy'/],
    [['ra', 'info', 'ocf:Dummy'], /ocf:PROVIDER:TYPE/],
    [['ra', 'list', 'nonsense'], /unknown class 'nonsense'/],
    [['ra', 'list', 'lsb:heartbeat'], /expected CLASS or ocf:PROVIDER/],
  ];
  for (const [args, message] of checks) {
    const run = await tandem(...args);
    assert.equal(run.exitCode, 64, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});
