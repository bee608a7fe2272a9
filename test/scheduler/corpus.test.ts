/**
 * Runs tandem's scheduler on every case of Pacemaker's scheduler regression
 * corpus and compares the normalized transition summary (clone instance
 * numbers stripped). Cases listed in passing-cases.txt must pass (a ratchet);
 * the pass figures per category are printed every run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { corpusDir, readCases, readRatchet, runCase, tally, type CaseResult } from './corpus.js';

test('scheduler corpus: ratcheted cases pass, figures printed', () => {
  assert.ok(existsSync(corpusDir()), `corpus not found at ${corpusDir()} (set TANDEM_SCHEDULER_CORPUS)`);
  const cases = readCases();
  assert.ok(cases.length > 0, 'corpus.tsv lists no cases');
  const results = new Map<string, CaseResult>();
  for (const c of cases) results.set(c.name, runCase(c.name));
  process.stdout.write(tally(cases, results).map((l) => `# ${l}`).join('\n') + '\n');
  const regressions = readRatchet().filter((name) => !results.get(name)?.pass);
  assert.deepEqual(regressions, [], `ratcheted cases fail now: ${regressions.join(', ')} (see: node dist/test/scheduler/corpus-diff.js NAME)`);
});
