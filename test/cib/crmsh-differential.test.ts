/**
 * The crmsh differential test: every script under test/cib/crm-scripts/
 * runs through real crmsh (`CIB_file=... crm -F configure`) and through
 * `tandem -f ... configure load update` on copies of the same empty CIB.
 * The written CIBs must be equal (attribute order aside, generated ids
 * included), crm_verify must accept tandem's, both `show`s must print the
 * same text (tandem also shows `$id=`, `$nvpair-id:` and `string:` where crmsh's
 * text would lose them), and tandem's `show` must load back into the same configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseXml, serializeXml } from '../../src/cib/xml.js';
import { canonicalize } from '../../src/cib/canonical.js';
import { emptyCib } from '../../src/cib/empty.js';
import { pooled, runTandem, runTool, semanticConfiguration, sourcePath } from './corpus.js';

const scriptsDir = sourcePath('test/cib/crm-scripts');

function comparableShow(text: string): string {
  return text.replace(/\$id=\S+ /g, '').replace(/(^|\s)\$[^\s:=]+:(?=[^\s=]+=)/g, '$1').replace(/ string:(lt|gt|lte|gte|eq|ne) /g, ' $1 ');
}

test('tandem writes what crmsh writes, shows what crmsh shows, and show loads back', async () => {
  const scripts = (await readdir(scriptsDir)).filter((name) => name.endsWith('.crm')).sort();
  assert.ok(scripts.length >= 7, `expected the crm scripts in ${scriptsDir}`);
  const dir = await mkdtemp(join(tmpdir(), 'tdm-cib-crmsh-'));
  try {
    // two at a time: crmsh takes a few seconds per script
    await pooled(scripts, 2, async (script) => {
      const scriptPath = join(scriptsDir, script);
      const crmFile = join(dir, `crmsh-${script}.xml`);
      const tandemFile = join(dir, `tandem-${script}.xml`);
      const empty = serializeXml(emptyCib());
      await writeFile(crmFile, empty);
      await writeFile(tandemFile, empty);

      const crmsh = await runTool('crm', ['-F', 'configure'], { ...process.env, CIB_file: crmFile }, await readFile(scriptPath, 'utf8'));
      assert.equal(crmsh.code, 0, `${script}: crmsh failed: ${crmsh.stderr}`);
      const tandem = await runTandem(['-f', tandemFile, 'configure', 'load', 'update', scriptPath]);
      assert.equal(tandem.code, 0, `${script}: tandem failed: ${tandem.stderr}`);

      const crmCib = canonicalize(parseXml(await readFile(crmFile, 'utf8'), crmFile));
      const tandemCib = canonicalize(parseXml(await readFile(tandemFile, 'utf8'), tandemFile));
      assert.equal(serializeXml(tandemCib), serializeXml(crmCib), `${script}: tandem's CIB differs from crmsh's`);

      const verify = await runTool('crm_verify', ['-x', tandemFile]);
      assert.equal(verify.code, 0, `${script}: crm_verify refuses tandem's CIB: ${verify.stderr}`);

      const crmShow = await runTool('crm', ['configure', 'show'], { ...process.env, CIB_file: crmFile });
      const tandemShow = await runTandem(['-f', tandemFile, 'configure', 'show']);
      assert.equal(tandemShow.code, 0, tandemShow.stderr);
      assert.equal(comparableShow(tandemShow.stdout).trimEnd(), comparableShow(crmShow.stdout).trimEnd(), `${script}: show differs from crmsh's`);

      const showFile = join(dir, `${script}.show`);
      const backFile = join(dir, `back-${script}.xml`);
      await writeFile(showFile, tandemShow.stdout);
      await writeFile(backFile, empty);
      const back = await runTandem(['-f', backFile, 'configure', 'load', 'replace', showFile]);
      assert.equal(back.code, 0, `${script}: show output does not load back: ${back.stderr}`);
      assert.equal(semanticConfiguration(parseXml(await readFile(backFile, 'utf8'))), semanticConfiguration(tandemCib), `${script}: show did not load back to the same configuration`);
    });
    process.stdout.write(`# crmsh differential: ${scripts.length} scripts, same XML, same show, show loads back\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
