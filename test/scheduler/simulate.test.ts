/**
 * `tandem simulate` end to end: the real CLI on corpus CIBs, its Transition
 * Summary compared with what Debian's crm_simulate prints for the same file
 * (column padding aside), and the JSON output's normalized lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusDir } from './corpus.js';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function summaryLines(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf('Transition Summary:');
  assert.ok(start >= 0, `no Transition Summary in:\n${text}`);
  const result: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  *')) break;
    // crm_simulate pads columns and appends reasons; compare the action, resource and place.
    result.push(line.replace(/\s+due to .*$/, '').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim());
  }
  return result.sort();
}

for (const name of ['simple2', 'group-fail', 'rec-node-4', 'migrate-begin', 'promoted-1']) {
  test(`simulate ${name}: same Transition Summary as crm_simulate`, () => {
    const cib = join(corpusDir(), 'xml', `${name}.xml`);
    const ours = execFileSync('node', [cli, 'simulate', '-x', cib], { encoding: 'utf8' });
    const shadowDir = mkdtempSync(join(tmpdir(), 'tdm-scheduler-sim-'));
    try {
      const theirs = execFileSync('crm_simulate', ['-S', '-x', cib], {
        encoding: 'utf8', env: { ...process.env, CIB_shadow_dir: shadowDir, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'ignore'],
      });
      assert.deepEqual(summaryLines(ours).map((l) => l.replace(/:\d+/, '')), summaryLines(theirs).map((l) => l.replace(/:\d+/, '')));
    } finally {
      rmSync(shadowDir, { recursive: true, force: true });
    }
  });
}

test('simulate --output json gives the normalized transition summary', () => {
  const cib = join(corpusDir(), 'xml', 'group-fail.xml');
  const parsed = JSON.parse(execFileSync('node', [cli, '--output', 'json', 'simulate', '-x', cib], { encoding: 'utf8' })) as { transitionSummary: string[]; actions: unknown[] };
  assert.deepEqual(parsed.transitionSummary, ['restart rsc2 node1', 'restart rsc4 node1', 'start rsc1 node1', 'start rsc3 node1']);
  assert.ok(parsed.actions.length >= 6);
});

test('simulate names a missing CIB file and exits non-zero', () => {
  assert.throws(() => execFileSync('node', [cli, 'simulate', '-x', '/nonexistent/cib.xml'], { encoding: 'utf8', stdio: 'pipe' }),
    (error: { status?: number; stderr?: string }) => error.status === 105 && /nonexistent\/cib\.xml/.test(error.stderr ?? ''));
});
