/**
 * Every CIB of Pacemaker's scheduler regression corpus loads, round-trips
 * to equivalent XML, and Pacemaker's crm_verify judges the written file
 * exactly as it judges the input; our validation flags nothing in them. xmllint counts elements and attributes
 * independently of xml2js, so nothing can be dropped on both sides unseen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseXml, serializeXml } from '../../src/cib/xml.js';
import { canonicalize } from '../../src/cib/canonical.js';
import { validateCib } from '../../src/cib/validate.js';
import { allResources, clusterOptions, constraints, nodeStates } from '../../src/cib/model.js';
import { corpusDir, pooled, runTool } from './corpus.js';

test('the Pacemaker corpus loads, round-trips, and crm_verify agrees on input and output', async () => {
  const dir = corpusDir();
  const names = (await readdir(dir)).filter((name) => name.endsWith('.xml')).sort();
  assert.ok(names.length >= 283, `expected the 283 corpus files, found ${names.length}`);
  const outDir = await mkdtemp(join(tmpdir(), 'tdm-cib-corpus-'));
  try {
    const failures: string[] = [];
    let verifiedOk = 0;
    await pooled(names, 2, async (name) => {
      const input = join(dir, name);
      const text = await readFile(input, 'utf8');
      const tree = parseXml(text, input);
      // the typed views read every file, and validation flags nothing in these Pacemaker-made CIBs
      if (allResources(tree).length === 0 && constraints(tree).length === 0 && nodeStates(tree).length === 0) failures.push(`${name}: typed views saw nothing`);
      if (typeof clusterOptions(tree)['stonith-enabled'] !== 'boolean') failures.push(`${name}: stonith-enabled not typed`);
      for (const issue of validateCib(tree)) failures.push(`${name}: validation: ${issue.element} '${issue.id}': ${issue.message}`);
      const written = serializeXml(tree, { declaration: true });
      const output = join(outDir, name);
      await writeFile(output, written);
      if (JSON.stringify(canonicalize(parseXml(written, output))) !== JSON.stringify(canonicalize(tree))) failures.push(`${name}: round trip changed the tree`);
      const counts = async (file: string): Promise<string> => (await runTool('xmllint', ['--xpath', 'concat("elements ", count(//*), ", attributes ", count(//@*))', file])).stdout.trim();
      const [before, after] = [await counts(input), await counts(output)];
      if (before !== after || !before.startsWith('elements')) failures.push(`${name}: ${before} in the input, ${after} written`);
      const [verifyIn, verifyOut] = [await runTool('crm_verify', ['-x', input]), await runTool('crm_verify', ['-x', output])];
      if (verifyIn.code !== verifyOut.code) failures.push(`${name}: crm_verify exit ${verifyIn.code} on the input, ${verifyOut.code} on the written file: ${verifyOut.stderr.slice(0, 300)}`);
      if (verifyIn.code === 0) verifiedOk++;
    });
    assert.deepEqual(failures, []);
    process.stdout.write(`# corpus: ${names.length} files round-tripped; crm_verify accepts ${verifiedOk} inputs and the same written files\n`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
