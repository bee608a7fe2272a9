/**
 * The scheduler on real processes: the node-wide limit and the per-resource
 * queue hold when agents really run; a recurring monitor really recurs and
 * stops when cancelled. The order of begin/end lines that the agents append
 * to a shared log shows the overlaps, without any timing assertion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import type { ActionResult } from '../../src/executor/action.js';
import { ActionScheduler } from '../../src/executor/action-scheduler.js';
import { request, tempDir, testRunner, waitFor } from './helpers.js';

/** The most actions running at once, overall and per resource, from the log lines. */
function overlaps(lines: string[]): { maxAll: number; maxPerResource: number } {
  const running = new Map<string, number>();
  let all = 0;
  let maxAll = 0;
  let maxPerResource = 0;
  for (const line of lines) {
    const [event, resource = ''] = line.split(' ');
    const delta = event === 'begin' ? 1 : -1;
    all += delta;
    running.set(resource, (running.get(resource) ?? 0) + delta);
    maxAll = Math.max(maxAll, all);
    maxPerResource = Math.max(maxPerResource, running.get(resource) ?? 0);
  }
  return { maxAll, maxPerResource };
}

test('real agents: at most 2 at once on the node, never 2 at once on one resource', async () => {
  const temp = tempDir('limit');
  const log = join(temp.dir, 'log');
  try {
    const scheduler = new ActionScheduler({ runner: testRunner(), maxConcurrent: 2 });
    const resources = ['r1', 'r1', 'r1', 'r2', 'r2', 'r3', 'r4'];
    const results = await Promise.all(resources.map((resource) => scheduler.submit(request('ocf:tdmtest:Sleepy', resource, 'start', { log, seconds: '0.4' }))));
    assert.deepEqual(results.map((result) => result.rc), resources.map(() => OcfExit.SUCCESS));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2 * resources.length);
    const { maxAll, maxPerResource } = overlaps(lines);
    assert.equal(maxAll, 2, `the limit was used and held: ${lines.join(', ')}`);
    assert.equal(maxPerResource, 1, `one action per resource at a time: ${lines.join(', ')}`);
    // The third action on r1 waited behind two others.
    const r1 = results.filter((result) => result.resource === 'r1');
    assert.ok((r1[2]?.queueTimeMs ?? 0) >= (r1[0]?.runTimeMs ?? 0));
  } finally {
    temp.remove();
  }
});

test('real agents: a recurring monitor fires repeatedly and stops when cancelled', async () => {
  const temp = tempDir('recurring');
  const log = join(temp.dir, 'log');
  try {
    const scheduler = new ActionScheduler({ runner: testRunner() });
    const seen: ActionResult[] = [];
    scheduler.startRecurring(request('ocf:tdmtest:Sleepy', 'mon', 'monitor', { log, seconds: '0' }, { intervalMs: 100 }), (result) => seen.push(result));
    assert.ok(await waitFor(() => seen.length >= 3), 'three runs of the monitor');
    assert.equal(scheduler.cancelRecurring('mon', 'monitor', 100), true);
    const countAtCancel = seen.length;
    // Long enough for several more intervals had it not been cancelled.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(seen.length, countAtCancel, 'nothing delivered after cancel, not even a run in progress');
    assert.equal(new Set(seen.map((result) => result.callId)).size, seen.length, 'each run has its own call id');
    assert.ok(seen.every((result) => result.rc === OcfExit.SUCCESS && result.intervalMs === 100));
  } finally {
    temp.remove();
  }
});
