/**
 * The test-host fence agent against a real network namespace: `off` kills
 * every process inside and takes the links down, `status` tells on/off,
 * `on` brings the links back; metadata is well-formed XML.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { parseXml } from '../../src/cib/xml.js';
import { repoRoot } from '../support/paths.js';

const agent = path.join(repoRoot, 'test/support/fence_tandem_netns');
const prefix = `tdm-fence-${process.pid}-`;
const namespace = `${prefix}n1`;
const started: number[] = [];

before(async () => {
  await execa('ip', ['netns', 'add', namespace]);
  // No dummy module here: a veth pair with both ends inside the node.
  await execa('ip', ['-n', namespace, 'link', 'add', 'hb0', 'type', 'veth', 'peer', 'name', 'hb0p']);
  await execa('ip', ['-n', namespace, 'addr', 'add', '198.18.77.1/24', 'dev', 'hb0']);
  for (const link of ['hb0', 'hb0p']) await execa('ip', ['-n', namespace, 'link', 'set', link, 'up']);
});

after(async () => {
  for (const pid of started) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  await execa('ip', ['netns', 'del', namespace], { reject: false });
});

function fence(stdin: string, args: string[] = []) {
  return execa(agent, args, { input: stdin, reject: false });
}

test('status is on, off kills every process of the node, status is then off, on restores links', async () => {
  assert.equal((await fence(`action=status\nplug=n1\nnetns_prefix=${prefix}\n`)).exitCode, 0);
  for (let count = 0; count < 2; count += 1) {
    const child = execa('ip', ['netns', 'exec', namespace, 'sleep', '600']);
    child.catch(() => undefined);
    if (child.pid) started.push(child.pid);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = (await execa('ip', ['netns', 'pids', namespace])).stdout.trim().split('\n').filter(Boolean);
  assert.ok(before.length >= 2, 'the node runs processes');

  const off = await fence(`action=off\nport=n1\nnetns-prefix=${prefix}\n`);
  assert.equal(off.exitCode, 0, off.stderr);
  assert.equal((await execa('ip', ['netns', 'pids', namespace])).stdout.trim(), '');
  assert.equal((await fence('', ['-o', 'status', '-n', 'n1', `--netns-prefix=${prefix}`])).exitCode, 2);

  assert.equal((await fence(`action=on\nplug=n1\nnetns_prefix=${prefix}\n`)).exitCode, 0);
  assert.equal((await fence(`action=status\nplug=n1\nnetns_prefix=${prefix}\n`)).exitCode, 0);
});

test('unknown node, missing plug and garbage input fail with a message', async () => {
  const unknown = await fence(`action=off\nplug=nosuch\nnetns_prefix=${prefix}\n`);
  assert.equal(unknown.exitCode, 1);
  assert.match(unknown.stderr, /no namespace .*nosuch/);
  assert.match((await fence('action=off\n')).stderr, /needs plug=NODE/);
  assert.match((await fence('garbage\n')).stderr, /stdin line 1/);
});

test('metadata is well-formed and lists the actions Pacemaker needs', async () => {
  const result = await fence('action=metadata\n');
  const root = parseXml(result.stdout, 'metadata');
  const actions = root.children.find((element) => element.name === 'actions')?.children.map((element) => element.attrs['name']);
  for (const name of ['on', 'off', 'reboot', 'status', 'monitor', 'list', 'metadata']) assert.ok(actions?.includes(name), name);
});

test('list names the nodes whose namespaces exist; fail_actions makes a broken device', async () => {
  const listed = await fence(`action=list\nnetns_prefix=${prefix}\n`);
  assert.equal(listed.exitCode, 0, listed.stderr);
  assert.equal(listed.stdout, 'n1,');
  const broken = await fence(`action=off\nplug=n1\nnetns_prefix=${prefix}\nfail_actions=off,reboot\n`);
  assert.equal(broken.exitCode, 1);
  assert.match(broken.stderr, /'off' fails/);
  assert.equal((await fence(`action=status\nplug=n1\nnetns_prefix=${prefix}\nfail_actions=off\n`)).exitCode, 0, 'other actions still work');
});
