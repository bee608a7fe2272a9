/**
 * Failures on real daemons: two tandemd, stonith off.
 * 1. migration-threshold=2: the Dummy's monitor keeps failing on one node
 *    (its state file deleted there each time it appears); after the second
 *    failure it moves to the other node and stays there; `tandem resource
 *    failcount` shows 2 on the bad node, `tandem resource cleanup` clears it.
 * 2. failure-timeout: a Dummy with migration-threshold=1 and
 *    failure-timeout=5s fails once and moves; when the failure expires its
 *    fail count leaves the CIB by itself (no cleanup).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { execa } from 'execa';
import { cliPath } from '../support/paths.js';
import { TandemdCluster, waitUntil } from './tandemd-cluster.js';

describe('migration-threshold and failure-timeout on two nodes', () => {
  const cluster = new TandemdCluster(2);
  const cli = (...args: string[]) => execa(process.execPath, [cliPath, ...args], { env: { TANDEM_RUN_DIR: cluster.runDir(1) }, reject: false });
  const dummy = (id: string, meta: string): string => `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy">
    <meta_attributes id="${id}-meta">${meta}</meta_attributes>
    <operations><op id="${id}-monitor-1s" name="monitor" interval="1s" timeout="10s"/></operations>
  </primitive>`;

  before(async () => {
    await cluster.startAgreed([1, 2]);
    await cluster.replaceConfiguration({ 'stonith-enabled': 'false', 'no-quorum-policy': 'ignore' }, [dummy('d1', '<nvpair id="d1-mt" name="migration-threshold" value="2"/>')]);
  });
  after(async () => {
    await cluster.destroy();
  });

  test('migration-threshold=2: a monitor that keeps failing on one node moves the resource; failcount shows it, cleanup clears it', async () => {
    await waitUntil(async () => (await cluster.runningOn(1, 'd1')).length === 1, 30_000, 'd1 running');
    const [node] = await cluster.runningOn(1, 'd1');
    const bad = node === 'n1' ? 1 : 2;
    const good = bad === 1 ? 2 : 1;
    // the bad node loses d1's state every time it appears: each monitor there fails
    let breaking = true;
    const breaker = (async () => {
      while (breaking) {
        if (existsSync(cluster.dummyStateFile(bad, 'd1'))) rmSync(cluster.dummyStateFile(bad, 'd1'), { force: true });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await cluster.waitOrShowLogs([1, 2], async () => (await cluster.runningOn(1, 'd1')).join() === `n${good}` && cluster.dummyRunning(good, 'd1'), 60_000, `d1 moved to n${good}`);
    } finally {
      breaking = false;
      await breaker;
    }
    const counts = await cli('resource', 'failcount', 'd1');
    assert.equal(counts.exitCode, 0, counts.stderr);
    assert.match(counts.stdout, new RegExp(`d1 on n${bad} monitor_1000: fail-count=2`));
    const json = JSON.parse((await cli('--output', 'json', 'resource', 'failcount', 'd1')).stdout) as { failcounts: Array<{ node: string; count: string }> };
    assert.deepEqual(json.failcounts.map((entry) => [entry.node, entry.count]), [[`n${bad}`, '2']], 'a string: it may be INFINITY');
    // banned from the bad node while the fail count stands: it stays on the good one
    assert.deepEqual(await cluster.runningOn(2, 'd1'), [`n${good}`]);
    assert.equal(cluster.dummyRunning(bad, 'd1'), false);
    const cleaned = await cli('resource', 'cleanup', 'd1');
    assert.equal(cleaned.exitCode, 0, cleaned.stderr);
    await waitUntil(async () => /d1: no failures/.test((await cli('resource', 'failcount', 'd1')).stdout), 20_000, 'fail counts cleared');
    await waitUntil(async () => (await cluster.status(1)).resources.failedActions.length === 0, 20_000, 'no failed actions after cleanup');
    await waitUntil(async () => (await cluster.runningOn(1, 'd1')).length === 1 && [1, 2].filter((n) => cluster.dummyRunning(n, 'd1')).length === 1, 20_000, 'd1 re-probed, running once');
  });

  test('failure-timeout: after one failure (migration-threshold=1) it moves, and the fail count expires by itself', async () => {
    assert.equal((await cli('configure', 'primitive', 'd2', 'ocf:tandem:Dummy', 'meta', 'migration-threshold=1', 'failure-timeout=5s', 'op', 'monitor', 'interval=1s')).exitCode, 0);
    await waitUntil(async () => (await cluster.runningOn(1, 'd2')).length === 1, 30_000, 'd2 running');
    const [node] = await cluster.runningOn(1, 'd2');
    const bad = node === 'n1' ? 1 : 2;
    const good = bad === 1 ? 2 : 1;
    rmSync(cluster.dummyStateFile(bad, 'd2'));
    await cluster.waitOrShowLogs([1, 2], async () => (await cluster.runningOn(1, 'd2')).join() === `n${good}`, 30_000, `d2 moved to n${good} after one failure`);
    assert.match((await cli('resource', 'failcount', 'd2')).stdout, new RegExp(`d2 on n${bad} monitor_1000: fail-count=1`));
    await cluster.waitOrShowLogs([1, 2], async () => /d2: no failures/.test((await cli('resource', 'failcount', 'd2')).stdout), 30_000, 'the fail count expired by itself');
    assert.equal([1, 2].filter((n) => cluster.dummyRunning(n, 'd2')).length, 1, 'd2 runs once');
  });
});
