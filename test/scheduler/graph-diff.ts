/**
 * `node dist/test/scheduler/graph-diff.js [NAME...] [--all] [--kinds]`:
 * tandem's transition graph against crm_simulate's for corpus cases. Prints
 * each case's missing (-) and extra (+) actions, or with --all a count of
 * cases whose action sets are equal; --kinds tallies the differences by
 * action kind over the cases run; --write-ratchet rewrites same-graph-cases.txt.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { corpusDir, readCases } from './corpus.js';
import { diffGraphs, pacemakerGraph, tandemGraph } from './graph-compare.js';

const args = process.argv.slice(2);
const writeRatchet = args.includes('--write-ratchet');
const all = args.includes('--all') || writeRatchet;
const sameCases: string[] = [];
const kinds = args.includes('--kinds');
const names = all ? readCases().map((c) => c.name) : args.filter((a) => !a.startsWith('--'));
let equal = 0;
const tally = new Map<string, number>();
const kindOf = (entry: string): string => {
  const key = entry.split('@')[0] ?? '';
  const match = /_((?:confirmed-)?(?:pre|post)_notify|monitor_0|monitor|[a-z]+)_\d+$/.exec(key);
  return `${entry.endsWith('@') ? 'pseudo ' : ''}${match?.[1] ?? key}`;
};
for (const name of names) {
  const path = join(corpusDir(), 'xml', `${name}.xml`);
  let diff;
  try {
    diff = diffGraphs(pacemakerGraph(path), tandemGraph(path));
  } catch (error) {
    console.log(`== ${name}: ERROR ${error instanceof Error ? error.message : String(error)}`);
    continue;
  }
  if (diff.missing.length === 0 && diff.extra.length === 0) { equal++; sameCases.push(name); if (!all) console.log(`== ${name}: same actions`); continue; }
  for (const entry of diff.missing) tally.set(`- ${kindOf(entry)}`, (tally.get(`- ${kindOf(entry)}`) ?? 0) + 1);
  for (const entry of diff.extra) tally.set(`+ ${kindOf(entry)}`, (tally.get(`+ ${kindOf(entry)}`) ?? 0) + 1);
  if (all && kinds) continue;
  console.log(`== ${name}: ${diff.missing.length} missing, ${diff.extra.length} extra`);
  for (const entry of diff.missing) console.log(`- ${entry}`);
  for (const entry of diff.extra) console.log(`+ ${entry}`);
}
if (kinds) for (const [kind, n] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(6)} ${kind}`);
console.log(`same action set: ${equal}/${names.length}`);
if (writeRatchet) {
  writeFileSync(join(repoRoot, 'test/scheduler/same-graph-cases.txt'), `# Corpus cases whose transition graph has crm_simulate's actions (a ratchet: only grows)\n${sameCases.join('\n')}\n`);
}
