/**
 * `tandem cluster` refuses bad input with a message naming what is wrong,
 * a non-zero exit code, and no file written or changed. Also: a config that
 * init wrote is accepted by the daemon's own loaders; start with systemd as
 * init calls systemctl (systemd cannot run as PID 1 here: a stand-in
 * `systemctl` script on PATH records its arguments — the one mock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cliPath } from '../support/paths.js';
import { loadMembershipConfig } from '../../src/membership/member.js';
import { readClusterKey } from '../../src/membership/key.js';

const tandem = (args: string[], env: Record<string, string> = {}) => execa(process.execPath, [cliPath, ...args], { reject: false, env: { TANDEM_LOG_LEVEL: 'warn', ...env } });

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tdm-cluster-cli-'));
  try { await body(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('init writes a config the daemon\'s loaders accept, with the defaults spelled out', () => inTempDir(async (dir) => {
  const result = await tandem(['cluster', 'init', '--name', 'alpha', '--node', 'a=198.18.0.1', '--node', 'b=198.18.0.2', '--ping-target', '198.19.9.254', '--config', join(dir, 'tandem.conf'), '--key', join(dir, 'authkey'), '--run-dir', join(dir, 'run')]);
  assert.equal(result.exitCode, 0, result.stderr);
  const config = await loadMembershipConfig(join(dir, 'tandem.conf'));
  assert.equal(config.clusterName, 'alpha');
  assert.deepEqual(config.nodes.map((node) => [node.name, node.id, node.endpoints]), [['a', 1, { hb0: '198.18.0.1' }], ['b', 2, { hb0: '198.18.0.2' }]]);
  assert.deepEqual(config.pingTargets, ['198.19.9.254']);
  assert.equal(config.quorum.twoNode, true);
  assert.equal((await readClusterKey(config.keyFile)).length, 64);
}));

test('bad arguments: clear error, usage exit code, no file', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['--node', 'a=198.18.0.1'], 64, /required option '--name/],
    [['--name', 'x'], 64, /no --node given/],
    [['--name', 'x', '--node', 'a=198.18.0.300'], 64, /'198\.18\.0\.300' is not an IPv4 address/],
    [['--name', 'x', '--node', 'a'], 64, /expected NAME=ADDR/],
    [['--name', 'x', '--node', 'a=198.18.0.1', '--node', 'a=198.18.0.2'], 64, /node 'a' given twice/],
    [['--name', 'x', '--node', 'a=198.18.0.1,198.18.1.1', '--node', 'b=198.18.0.2'], 64, /every node needs one address per heartbeat link/],
    [['--name', 'x', '--node', 'a=198.18.0.1', '--node', 'b=198.18.0.1'], 64, /address 198\.18\.0\.1 is used twice/],
    [['--name', 'bad name', '--node', 'a=198.18.0.1'], 64, /cluster name/],
    [['--name', 'x', '--node', 'a=198.18.0.1', '--port', '70000'], 64, /--port '70000'/],
  ];
  await inTempDir(async (dir) => {
    for (const [args, code, message] of cases) {
      const result = await tandem(['cluster', 'init', ...args, '--config', join(dir, 'tandem.conf'), '--key', join(dir, 'authkey')]);
      assert.equal(result.exitCode, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.deepEqual(await readdir(dir), [], `${args.join(' ')}: no file written`);
    }
    for (const [args, message] of [
      [['--peer', 'nowhere'], /--peer 'nowhere': expected the peer's IPv4 address/],
      [['--peer', '198.18.0.1'], /no join token/],
      [['--peer', '198.18.0.1', '--token', 'guess'], /not a join token/],
    ] as Array<[string[], RegExp]>) {
      const result = await tandem(['cluster', 'join', ...args, '--config', join(dir, 'tandem.conf'), '--key', join(dir, 'authkey')], { TANDEM_JOIN_TOKEN: '' });
      assert.equal(result.exitCode, 64, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.deepEqual(await readdir(dir), []);
    }
    const start = await tandem(['cluster', 'start', '--config', join(dir, 'missing.conf'), '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state'), '--log-file', join(dir, 'log')], { TANDEM_INIT: 'direct' });
    assert.equal(start.exitCode, 78, start.stderr);
    assert.match(start.stderr, /missing\.conf/);
    assert.deepEqual(await readdir(dir), [], 'no run dir, no pid file');
  });
});

test('an existing config is not overwritten without --force; with it, config and key are replaced', () => inTempDir(async (dir) => {
  const args = ['cluster', 'init', '--node', 'a=198.18.0.1', '--config', join(dir, 'tandem.conf'), '--key', join(dir, 'authkey')];
  assert.equal((await tandem([...args, '--name', 'one'])).exitCode, 0);
  const [config, key] = [await readFile(join(dir, 'tandem.conf')), await readFile(join(dir, 'authkey'))];
  const refused = await tandem([...args, '--name', 'two']);
  assert.equal(refused.exitCode, 108);
  assert.match(refused.stderr, /tandem\.conf already exists: not overwriting it \(use --force/);
  assert.deepEqual(await readFile(join(dir, 'tandem.conf')), config);
  assert.deepEqual(await readFile(join(dir, 'authkey')), key);
  const forced = await tandem([...args, '--name', 'two', '--force']);
  assert.equal(forced.exitCode, 0, forced.stderr);
  assert.match(await readFile(join(dir, 'tandem.conf'), 'utf8'), /^name = two$/m);
  assert.notDeepEqual(await readFile(join(dir, 'authkey')), key, 'a new key');
}));

test('the package\'s comment-only placeholder config does not count as a config', () => inTempDir(async (dir) => {
  await writeFile(join(dir, 'tandem.conf'), '# tandem node configuration. `tandem cluster init` writes a complete one;\n');
  const result = await tandem(['cluster', 'init', '--name', 'x', '--node', 'a=198.18.0.1', '--config', join(dir, 'tandem.conf'), '--key', join(dir, 'authkey')]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(await readFile(join(dir, 'tandem.conf'), 'utf8'), /^\[node a\]$/m);
}));

test('with systemd as init, start and stop go through systemctl (stand-in systemctl: systemd cannot be PID 1 here)', () => inTempDir(async (dir) => {
  const calls = join(dir, 'calls');
  // is-active answers "inactive" until start ran, then "active"
  await writeFile(join(dir, 'systemctl'), `#!/bin/sh\necho "$@" >> ${calls}\nif [ "$1" = is-active ]; then grep -q '^start' ${calls} && ! grep -q '^stop' ${calls}; exit $?; fi\nexit 0\n`);
  await chmod(join(dir, 'systemctl'), 0o755);
  const env = { TANDEM_INIT: 'systemd', PATH: `${dir}:${process.env['PATH'] ?? ''}` };
  const started = await tandem(['cluster', 'start'], env);
  assert.equal(started.exitCode, 0, started.stderr);
  assert.match(started.stdout, /tandem\.service started/);
  const again = await tandem(['cluster', 'start'], env);
  assert.match(again.stdout, /already running/);
  const paths = await tandem(['cluster', 'start', '--config', join(dir, 'other.conf')], env);
  assert.equal(paths.exitCode, 64);
  assert.match(paths.stderr, /systemd runs tandemd with the paths of tandem\.service/);
  const stopped = await tandem(['cluster', 'stop'], env);
  assert.match(stopped.stdout, /tandem\.service stopped/);
  assert.deepEqual((await readFile(calls, 'utf8')).trim().split('\n'), ['is-active --quiet tandem', 'start tandem', 'is-active --quiet tandem', 'is-active --quiet tandem', 'stop tandem']);
}));
