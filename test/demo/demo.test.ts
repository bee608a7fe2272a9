/**
 * `make demo`, the README's first command, end to end: scripts/demo.sh
 * builds the two-node cluster with the whole stack, kills the active node
 * and reports the failover. It must exit 0, say that no acknowledged row
 * was lost, report a failover time, and leave no namespace behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../support/paths.js';

test('make demo: the cluster starts, fails over after kill -9, loses no acknowledged row, cleans up', async (t) => {
  const run = await execa('bash', [path.join(repoRoot, 'scripts', 'demo.sh')], { reject: false, timeout: 300_000, all: true });
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stdout, /rows acknowledged, \d+ stored.*: no acknowledged row lost/);
  assert.match(run.stdout, /FAILOVER: the VIP answers HTTP again \d+\.\d s after the kill/);
  assert.match(run.stdout, /vip\s+\(ocf:tandem:VirtualIP\):\s+Started n[12]/);
  const result = /RESULT failover_ms=(\d+) rows_acknowledged=(\d+) rows_lost=0/.exec(run.stdout);
  assert.ok(result, run.stdout);
  assert.ok(Number(result[2]) >= 60, `only ${result[2]} rows acknowledged`);
  t.diagnostic(`demo: kill -9 → VIP answering HTTP again in ${result[1]} ms; ${result[2]} rows acknowledged, none lost`);
  // Its namespaces carry the demo's pid; none is left.
  const pid = /tandem-demo-logs-(\d+)/.exec(run.stdout)?.[1];
  assert.ok(pid !== undefined, 'the demo names its log directory');
  const namespaces = await execa('ip', ['netns', 'list']);
  assert.doesNotMatch(namespaces.stdout, new RegExp(`tdm-mb-${pid}-`));
  await execa('rm', ['-rf', `/tmp/tandem-demo-logs-${pid}`]);
});
