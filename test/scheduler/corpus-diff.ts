/**
 * Developer tool: `node dist/test/scheduler/corpus-diff.js NAME...` shows
 * expected vs. tandem's normalized actions for corpus cases;
 * `--all` lists every failing case and the per-category figures;
 * `--write-ratchet` rewrites passing-cases.txt with the cases that pass now.
 */
import { writeFileSync } from 'node:fs';
import { readCases, ratchetPath, readRatchet, runCase, tally, type CaseResult } from './corpus.js';

function show(result: CaseResult): void {
  process.stdout.write(`== ${result.name}: ${result.pass ? 'PASS' : 'FAIL'}\n`);
  if (result.error) process.stdout.write(`error: ${result.error}\n`);
  const expected = new Set(result.expected);
  const actual = new Set(result.actual);
  for (const line of result.expected) process.stdout.write(`${actual.has(line) ? ' ' : '-'} ${line}\n`);
  for (const line of result.actual) if (!expected.has(line)) process.stdout.write(`+ ${line}\n`);
}

const args = process.argv.slice(2);
if (args.includes('--all') || args.includes('--write-ratchet')) {
  const cases = readCases();
  const results = new Map<string, CaseResult>();
  for (const c of cases) results.set(c.name, runCase(c.name));
  if (args.includes('--all')) {
    for (const c of cases) {
      const result = results.get(c.name);
      if (result && !result.pass) process.stdout.write(`FAIL ${c.category.padEnd(22)} ${c.name}\n`);
    }
  }
  process.stdout.write(tally(cases, results).join('\n') + '\n');
  if (args.includes('--write-ratchet')) {
    // The ratchet only grows: refuse to drop a case that passed before.
    const regressions = readRatchet().filter((name) => !results.get(name)?.pass);
    if (regressions.length > 0) {
      process.stderr.write(`not writing the ratchet: these ratcheted cases fail now: ${regressions.join(', ')}\n`);
      process.exit(1);
    }
    const passing = cases.filter((c) => results.get(c.name)?.pass).map((c) => c.name);
    writeFileSync(ratchetPath, `# corpus cases tandem's scheduler passes; the corpus test fails if one stops passing\n${passing.join('\n')}\n`);
  }
} else {
  for (const name of args) show(runCase(name));
}
