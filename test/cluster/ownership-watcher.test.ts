/**
 * The double-ownership watcher itself, on bare node namespaces: it must see
 * the VIP on two nodes (and not a VIP on a node whose link is down, as on a
 * fenced node), two postmasters, and two mirror engines, each the moment it
 * happens. The "postmasters" are copies of sleep named postgres, the
 * "engines" node processes whose command line says `mirror serve`: the
 * watcher identifies them by name and command line, as it does the real ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { NetnsCluster, waitUntil } from '../membership/netns-cluster.js';
import { OwnershipViolationError, OwnershipWatcher } from '../support/ownership-watcher.js';
import { cliPath } from '../support/paths.js';

describe('ownership watcher', () => {
  const net = new NetnsCluster({ nodes: 2 });
  const children: ChildProcess[] = [];
  let watcher: OwnershipWatcher;
  const vip = '198.19.9.100';

  function inNode(node: number, argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', net.nodeNs(node), ...argv], { stdio: 'ignore' });
    children.push(child);
    return child;
  }

  before(async () => {
    await net.create();
    const legs = [path.join(net.dir, 'a.img'), path.join(net.dir, 'b.img')];
    await execa(process.execPath, [cliPath, 'mirror', 'create', ...legs, '--size', '8M'], { env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
    watcher = new OwnershipWatcher({ nodes: [1, 2].map((node) => ({ name: `n${node}`, netns: net.nodeNs(node) })), vip, legFiles: legs });
    await watcher.start();
  });
  after(async () => {
    await watcher.stop();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await net.destroy();
  });

  test('legs read, nothing held: no violation', async () => {
    await waitUntil(() => watcher.samples > 3, 5000, 'samples');
    assert.deepEqual(watcher.current(), { vip: [], mirror: [], database: [], legs: ['', ''] });
    assert.equal(watcher.violations.length, 0);
  });

  test('the VIP on a node whose link is down is not held; on two up nodes it is a violation', async () => {
    await execa('ip', ['-n', net.nodeNs(2), 'link', 'set', 'pub', 'down']);
    for (const node of [1, 2]) await execa('ip', ['-n', net.nodeNs(node), 'addr', 'add', `${vip}/24`, 'dev', 'pub']);
    await waitUntil(() => watcher.current().vip.join() === 'n1', 5000, 'the VIP seen on n1 only');
    assert.equal(watcher.violations.length, 0);
    await execa('ip', ['-n', net.nodeNs(2), 'link', 'set', 'pub', 'up']);
    await waitUntil(() => watcher.violations.length > 0, 5000, 'the violation');
    assert.deepEqual(watcher.violations.map((violation) => [violation.what, violation.holders]), [['vip', ['n1', 'n2']]]);
    assert.throws(() => watcher.check(), (error: unknown) => error instanceof OwnershipViolationError && /vip held by n1 and n2/.test(error.message));
    for (const node of [1, 2]) await execa('ip', ['-n', net.nodeNs(node), 'addr', 'del', `${vip}/24`, 'dev', 'pub']);
  });

  test('two postmasters, two mirror engines: violations', async () => {
    const fakePostgres = path.join(net.dir, 'postgres');
    copyFileSync('/bin/sleep', fakePostgres);
    for (const node of [1, 2]) inNode(node, [fakePostgres, '300']);
    for (const node of [1, 2]) inNode(node, [process.execPath, '-e', 'setTimeout(() => {}, 300000)', 'mirror', 'serve']);
    await waitUntil(() => watcher.violations.length >= 3, 5000, 'the database and mirror violations');
    assert.deepEqual(watcher.violations.slice(1).map((violation) => [violation.what, violation.holders]).sort(), [['database', ['n1', 'n2']], ['mirror', ['n1', 'n2']]]);
  });
});
