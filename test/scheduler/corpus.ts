/**
 * The Pacemaker scheduler corpus (../shared/pacemaker-scheduler): reading
 * cases and running tandem's scheduler on them in the corpus's normalized form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXml } from '../../src/cib/xml.js';
import { schedule } from '../../src/scheduler/index.js';

export interface CorpusCase { name: string; category: string; description: string }

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The corpus directory: $TANDEM_SCHEDULER_CORPUS or <repo>/../shared/pacemaker-scheduler. */
export function corpusDir(): string {
  return process.env.TANDEM_SCHEDULER_CORPUS ?? resolve(repoRoot, '../shared/pacemaker-scheduler');
}

/** The ratchet file listing the cases that must keep passing (kept in the source tree). */
export const ratchetPath = resolve(repoRoot, 'test/scheduler/passing-cases.txt');

export function readCases(dir = corpusDir()): CorpusCase[] {
  const text = readFileSync(join(dir, 'corpus.tsv'), 'utf8');
  return text.split('\n').slice(1).filter((line) => line.trim() !== '').map((line) => {
    const [name = '', category = '', description = ''] = line.split('\t');
    return { name, category, description };
  });
}

export function stripInstance(line: string): string {
  return line.replace(/^(\S+ \S+?):\d+( |$)/, '$1$2');
}

export interface CaseResult { name: string; expected: string[]; actual: string[]; pass: boolean; error?: string }

export function runCase(name: string, dir = corpusDir()): CaseResult {
  const expected = readFileSync(join(dir, 'expected', `${name}.actions`), 'utf8')
    .split('\n').filter((l) => l.trim() !== '').map(stripInstance).sort();
  try {
    const cib = parseXml(readFileSync(join(dir, 'xml', `${name}.xml`), 'utf8'), `${name}.xml`);
    const executionDate = cib.attrs['execution-date'];
    // Cases without execution-date were recorded at an unknown time; their rules do not depend on it.
    const now = executionDate !== undefined ? new Date(Number(executionDate) * 1000) : new Date(Date.UTC(2023, 0, 1));
    const actual = schedule(cib, now).lines.map(stripInstance).sort();
    const pass = actual.length === expected.length && actual.every((line, i) => line === expected[i]);
    return { name, expected, actual, pass };
  } catch (error) {
    return { name, expected, actual: [], pass: false, error: error instanceof Error ? error.stack ?? error.message : String(error) };
  }
}

export function readRatchet(): string[] {
  if (!existsSync(ratchetPath)) return [];
  return readFileSync(ratchetPath, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** Per-category pass figures, as printed by the test and the diff tool. */
export function tally(cases: CorpusCase[], results: Map<string, CaseResult>): string[] {
  const byCategory = new Map<string, { pass: number; total: number }>();
  for (const c of cases) {
    const entry = byCategory.get(c.category) ?? { pass: 0, total: 0 };
    entry.total++;
    if (results.get(c.name)?.pass) entry.pass++;
    byCategory.set(c.category, entry);
  }
  const lines = [...byCategory].sort((a, b) => b[1].total - a[1].total)
    .map(([category, { pass, total }]) => `${category.padEnd(24)} ${String(pass).padStart(3)}/${String(total).padEnd(3)} ${((100 * pass) / total).toFixed(0)}%`);
  const pass = [...results.values()].filter((r) => r.pass).length;
  lines.push(`${'overall'.padEnd(24)} ${String(pass).padStart(3)}/${String(cases.length).padEnd(3)} ${((100 * pass) / cases.length).toFixed(1)}%`);
  return lines;
}
