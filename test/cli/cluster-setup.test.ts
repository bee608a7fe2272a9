/**
 * `tandem cluster` end to end on two network namespaces (real TCP over
 * veth, 198.18.x): init writes a config and key; serve-join on n1 and join
 * on n2 copy them (a wrong token first: refused, nothing written); start
 * runs real tandemd daemons from that config, which form a cluster that
 * `cluster status` shows; start/stop again are no-ops with exit 0; stop
 * ends the daemon by its pid file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { NetnsCluster, cliPath, waitUntil } from '../membership/netns-cluster.js';
import { repoRoot } from '../support/paths.js';
import { newJoinToken } from '../../src/cli/cluster/join-crypto.js';
import type { ClusterView } from '../../src/cli/cluster/cluster-view.js';

describe('tandem cluster init, join, start, status, stop on two namespaces', () => {
  const net = new NetnsCluster({ nodes: 2 });
  const dir = (node: number): string => join(net.dir, `node${node}`);
  const configOf = (node: number): string => join(dir(node), 'etc/tandem.conf');
  const keyOf = (node: number): string => join(dir(node), 'etc/authkey');
  const runDirOf = (node: number): string => join(dir(node), 'run');
  const daemonArgs = (node: number): string[] => ['--config', configOf(node), '--node', `n${node}`, '--state-dir', join(dir(node), 'state'), '--run-dir', runDirOf(node), '--log-file', join(dir(node), 'tandemd.log'), '--fence-agent-dir', join(repoRoot, 'test/support'), '--timeout', '60'];
  const tandemIn = (node: number, args: string[], env: Record<string, string> = {}) =>
    execa('ip', ['netns', 'exec', net.nodeNs(node), process.execPath, cliPath, ...args], { reject: false, env: { TANDEM_LOG_LEVEL: 'warn', ...env } });

  before(async () => {
    await net.create();
    for (const node of [1, 2]) await mkdir(dir(node), { recursive: true });
  });
  after(async () => {
    for (const node of [1, 2]) {
      // whatever a failed step left running: the pid file names it
      const pidFile = join(runDirOf(node), 'tandemd.pid');
      if (existsSync(pidFile)) {
        try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* already gone */ }
      }
    }
    await net.destroy();
  });

  /** Runs serve-join on n1 and resolves with its token once it listens. */
  function serveJoin(): { token: Promise<string>; exit: Promise<number | null>; output: () => string; kill: () => void } {
    const child = spawn('ip', ['netns', 'exec', net.nodeNs(1), process.execPath, cliPath, 'cluster', 'serve-join', '--config', configOf(1), '--timeout', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const token = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /join token: (\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.once('exit', () => reject(new Error(`serve-join exited: ${output}`)));
    });
    token.catch(() => undefined);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { token, exit, output: () => output, kill: () => child.kill('SIGKILL') };
  }

  test('init writes a config and a 0600 key', async () => {
    const result = await tandemIn(1, ['cluster', 'init', '--name', `cc-${process.pid}`, '--node', 'n1=198.18.0.1,198.18.1.1', '--node', 'n2=198.18.0.2,198.18.1.2', '--config', configOf(1), '--key', keyOf(1), '--run-dir', runDirOf(1)]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(readFileSync(configOf(1), 'utf8'), /\[node n2\]\nid = 2\nhb0 = 198\.18\.0\.2\nhb1 = 198\.18\.1\.2/);
    assert.equal(statSync(keyOf(1)).mode & 0o777, 0o600);
    assert.equal(statSync(keyOf(1)).size, 64);
  });

  test('join with a wrong token is refused and writes nothing; the right token copies config and key', async () => {
    const server = serveJoin();
    try {
      const token = await server.token;
      const wrong = await tandemIn(2, ['cluster', 'join', '--peer', '198.18.0.1', '--token', newJoinToken(), '--config', configOf(2), '--key', keyOf(2)]);
      assert.equal(wrong.exitCode, 77, wrong.stderr);
      assert.match(wrong.stderr, /refused the join: wrong join token/);
      assert.deepEqual(await readdir(dir(2)), [], 'nothing written after a refused join');
      // the token travels in the environment, not on the command line
      const joined = await tandemIn(2, ['cluster', 'join', '--peer', '198.18.0.1', '--config', configOf(2), '--key', keyOf(2)], { TANDEM_JOIN_TOKEN: token });
      assert.equal(joined.exitCode, 0, joined.stderr);
      assert.equal(await server.exit, 0, server.output());
    } finally {
      server.kill();
    }
    assert.deepEqual(readFileSync(keyOf(2)), readFileSync(keyOf(1)), 'the same key');
    assert.equal(statSync(keyOf(2)).mode & 0o777, 0o600);
    const withoutKeyLine = (text: string): string => text.replace(/^key = .*$/m, '');
    assert.equal(withoutKeyLine(readFileSync(configOf(2), 'utf8')), withoutKeyLine(readFileSync(configOf(1), 'utf8')), 'the same config');
    assert.match(readFileSync(configOf(2), 'utf8'), new RegExp(`^key = ${keyOf(2)}$`, 'm'), 'pointing at its own key file');
    // a second join without --force does not overwrite
    const again = await tandemIn(2, ['cluster', 'join', '--peer', '198.18.0.1', '--token', newJoinToken(), '--config', configOf(2), '--key', keyOf(2)]);
    assert.equal(again.exitCode, 108, again.stderr);
    assert.match(again.stderr, /already exists.*--force/);
  });

  test('start runs tandemd from that config on both nodes; status shows both online, one DC, quorum', async () => {
    for (const node of [1, 2]) {
      const started = await tandemIn(node, ['cluster', 'start', ...daemonArgs(node)]);
      assert.equal(started.exitCode, 0, started.stderr);
      assert.match(started.stdout, /tandemd started \(pid \d+/);
    }
    let view: ClusterView | undefined;
    await waitUntil(async () => {
      const result = await tandemIn(1, ['-o', 'json', 'cluster', 'status', '--run-dir', runDirOf(1)]);
      if (result.exitCode !== 0) return false;
      view = JSON.parse(result.stdout) as ClusterView;
      return view.nodes.every((node) => node.online) && view.dc !== null && view.quorate;
    }, 30_000, 'both nodes online with a DC');
    assert.deepEqual(view?.nodes.map((node) => node.name), ['n1', 'n2']);
    const text = await tandemIn(2, ['cluster', 'status', '--run-dir', runDirOf(2)]);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^Cluster cc-${process.pid}: 2 nodes, 2 online; DC: n[12]; quorate \\(2/2 votes\\)`));
    const again = await tandemIn(1, ['cluster', 'start', ...daemonArgs(1)]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /already running/);
  });

  test('stop ends the daemon (SIGTERM by its pid file); the peer sees it offline; stopping again is a no-op', async () => {
    const pid = Number(readFileSync(join(runDirOf(2), 'tandemd.pid'), 'utf8'));
    const stopped = await tandemIn(2, ['cluster', 'stop', ...daemonArgs(2)]);
    assert.equal(stopped.exitCode, 0, stopped.stderr);
    assert.match(stopped.stdout, /tandemd stopped/);
    // gone, or a zombie of whatever reaps orphans here
    const state = existsSync(`/proc/${pid}/status`) ? /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] : 'gone';
    assert.ok(state === 'gone' || state === 'Z', `the daemon is gone (state ${state})`);
    assert.equal(existsSync(join(runDirOf(2), 'tandemd.pid')), false);
    await waitUntil(async () => {
      const result = await tandemIn(1, ['-o', 'json', 'cluster', 'status', '--run-dir', runDirOf(1)]);
      return result.exitCode === 0 && (JSON.parse(result.stdout) as ClusterView).nodes.find((node) => node.name === 'n2')?.online === false;
    }, 20_000, 'n1 to see n2 offline');
    const again = await tandemIn(2, ['cluster', 'stop', ...daemonArgs(2)]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /not running/);
    const status = await tandemIn(2, ['cluster', 'status', '--run-dir', runDirOf(2)]);
    assert.equal(status.exitCode, 69);
    assert.match(status.stderr, /tandemd is not running/);
    assert.equal((await tandemIn(1, ['cluster', 'stop', ...daemonArgs(1)])).exitCode, 0);
  });
});
