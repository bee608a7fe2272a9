/**
 * The diff replays: for pairs of real CIBs from Pacemaker's corpus (very
 * different configurations and status sections), applying diff(a, b) to a
 * gives b (up to attribute order). This is what replication will rely on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseXml, serializeXml } from '../../src/cib/xml.js';
import { applyDiff, diffCib } from '../../src/cib/diff.js';
import { canonicalize } from '../../src/cib/canonical.js';
import { corpusDir } from './corpus.js';

test('applying diff(a, b) to a gives b for neighbouring corpus CIBs', async () => {
  const dir = corpusDir();
  const names = (await readdir(dir)).filter((name) => name.endsWith('.xml')).sort();
  const cibs = await Promise.all(names.map(async (name) => parseXml(await readFile(join(dir, name), 'utf8'), name)));
  let changes = 0;
  for (let index = 0; index + 1 < cibs.length; index++) {
    const [a, b] = [cibs[index], cibs[index + 1]];
    assert.ok(a && b);
    const diff = diffCib(a, b);
    changes += diff.length;
    assert.equal(serializeXml(canonicalize(applyDiff(a, diff))), serializeXml(canonicalize(b)), `${names[index]} -> ${names[index + 1]}`);
    assert.deepEqual(diffCib(a, a), []);
  }
  process.stdout.write(`# diff replay: ${cibs.length - 1} pairs, ${changes} changes replayed exactly\n`);
});
