/**
 * Two tandemd daemons, each in its own network namespace (the membership
 * harness builds namespaces, links and config): `tandem status` on either
 * shows both nodes online and quorate; kill -9 of one shows it OFFLINE on
 * the other; SIGTERM stops a daemon cleanly and removes its socket; the CIB
 * survives a restart; a bad config is refused with a message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { NetnsCluster, waitUntil } from '../membership/netns-cluster.js';
import { cliPath, repoRoot } from '../support/paths.js';
import type { DaemonStatus } from '../../src/daemon/tandemd.js';

const daemonPath = join(repoRoot, 'dist/src/daemon/main.js');

describe('tandemd on two nodes', () => {
  const cluster = new NetnsCluster({ nodes: 2 });
  const daemons = new Map<number, ChildProcess>();
  const runDir = (node: number) => join(cluster.dir, `run-n${node}`);
  const stateDir = (node: number) => join(cluster.dir, `state-n${node}`);

  async function statusOf(node: number): Promise<DaemonStatus> {
    const result = await execa('ip', ['netns', 'exec', cluster.nodeNs(node), process.execPath, cliPath, '--output', 'json', 'status'], { env: { TANDEM_RUN_DIR: runDir(node) } });
    return JSON.parse(result.stdout) as DaemonStatus;
  }

  async function startDaemon(node: number): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', cluster.nodeNs(node), process.execPath, daemonPath, '--config', cluster.configPath, '--node', `n${node}`, '--state-dir', stateDir(node), '--run-dir', runDir(node)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    daemons.set(node, child);
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`tandemd n${node} exited with ${child.exitCode}: ${stderr}`);
      return (await statusOf(node).catch(() => undefined)) !== undefined;
    }, 15000, `tandemd n${node} to answer`);
  }

  async function stopDaemon(node: number, signal: NodeJS.Signals): Promise<number | null> {
    const child = daemons.get(node);
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    daemons.delete(node);
    return exited;
  }

  before(async () => {
    await cluster.create();
    await startDaemon(1);
    await startDaemon(2);
  });
  after(async () => {
    for (const node of [...daemons.keys()]) await stopDaemon(node, 'SIGKILL');
    await cluster.destroy();
  });

  test('both nodes online and quorate, in crm_mon layout and in JSON', async () => {
    await waitUntil(async () => (await statusOf(1)).membership.view.members.length === 2 && (await statusOf(2)).membership.view.agreed, 15000, 'a two-node view');
    const status = await statusOf(1);
    assert.equal(status.node, 'n1');
    assert.equal(status.membership.quorum.quorate, true);
    const text = await execa('ip', ['netns', 'exec', cluster.nodeNs(2), process.execPath, cliPath, 'status'], { env: { TANDEM_RUN_DIR: runDir(2) } });
    assert.match(text.stdout, /^Cluster Summary:/);
    assert.match(text.stdout, /\* Current node: n2/);
    assert.match(text.stdout, /\* Online: \[ n1 n2 \]/);
    assert.match(text.stdout, /partition with quorum/);
  });

  test('kill -9 of one daemon: the other shows it OFFLINE', async () => {
    await stopDaemon(2, 'SIGKILL');
    await waitUntil(async () => (await statusOf(1)).membership.view.members.length === 1, 15000, 'n2 lost');
    const text = await execa('ip', ['netns', 'exec', cluster.nodeNs(1), process.execPath, cliPath, 'status'], { env: { TANDEM_RUN_DIR: runDir(1) } });
    assert.match(text.stdout, /\* Online: \[ n1 \]/);
    assert.match(text.stdout, /\* OFFLINE: \[ n2 \]/);
  });

  test('SIGTERM stops cleanly and removes the socket; the CIB survives a restart', async () => {
    const before = (await statusOf(1)).version;
    assert.equal(await stopDaemon(1, 'SIGTERM'), 0);
    assert.equal(existsSync(join(runDir(1), 'api.sock')), false);
    const refused = await execa(process.execPath, [cliPath, 'status'], { env: { TANDEM_RUN_DIR: runDir(1) }, reject: false });
    assert.equal(refused.exitCode, 69);
    assert.match(refused.stderr, /tandemd is not running/);
    await startDaemon(1);
    // The configuration is the same; status updates (probes, the node
    // rejoining) may have moved num_updates on, never back.
    const afterRestart = (await statusOf(1)).version;
    assert.equal(afterRestart.adminEpoch, before.adminEpoch);
    assert.equal(afterRestart.epoch, before.epoch);
    assert.ok(afterRestart.numUpdates >= before.numUpdates, `num_updates ${afterRestart.numUpdates} < ${before.numUpdates}`);
  });

  test('a bad config is refused naming the file, and nothing keeps running', async () => {
    const result = await execa(process.execPath, [daemonPath, '--config', join(cluster.dir, 'missing.conf'), '--state-dir', stateDir(3), '--run-dir', runDir(3)], { reject: false, timeout: 20000 });
    assert.equal(result.exitCode, 78);
    assert.match(result.stderr, /missing\.conf/);
  });
});
