/**
 * tandem's transition graph against crm_simulate's (`-S -G`, Debian's
 * Pacemaker 2.1.5) on every corpus case: the sets of actions (probes,
 * stops, starts, migrations, promotions, recurring monitors and the cancels
 * of a role change, notifications, fencing and pseudo-actions) are compared. Cases listed in
 * same-graph-cases.txt must keep the same set (a ratchet); the count is
 * printed every run. `node dist/test/scheduler/graph-diff.js NAME` shows one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, readCases } from './corpus.js';
import { diffGraphs, pacemakerGraph, tandemGraph } from './graph-compare.js';
import { repoRoot } from '../support/paths.js';

const ratchetPath = join(repoRoot, 'test/scheduler/same-graph-cases.txt');

test('scheduler corpus: transition graphs have the same actions as crm_simulate\'s', () => {
  assert.ok(existsSync(corpusDir()), `corpus not found at ${corpusDir()} (set TANDEM_SCHEDULER_CORPUS)`);
  const cases = readCases();
  const same = new Set<string>();
  for (const c of cases) {
    const path = join(corpusDir(), 'xml', `${c.name}.xml`);
    const diff = diffGraphs(pacemakerGraph(path), tandemGraph(path));
    if (diff.missing.length === 0 && diff.extra.length === 0) same.add(c.name);
  }
  process.stdout.write(`# same graph actions as crm_simulate: ${same.size}/${cases.length}\n`);
  const ratchet = readFileSync(ratchetPath, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const regressions = ratchet.filter((name) => !same.has(name));
  assert.deepEqual(regressions, [], `graphs differ now: ${regressions.join(', ')} (see: node dist/test/scheduler/graph-diff.js NAME)`);
});
