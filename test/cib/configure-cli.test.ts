/**
 * The configure CLI on a CIB file: good edits land atomically, bad input
 * (malformed XML, duplicate ids, dangling references, bad scores and
 * intervals, bad crm syntax) is refused with a message naming what is
 * wrong, a non-zero exit, and the file byte for byte unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTandem, runTool } from './corpus.js';
import { emptyCib } from '../../src/cib/empty.js';
import { serializeXml } from '../../src/cib/xml.js';
import { editCib } from '../../src/crm/edit.js';
import { parseArgs } from '../../src/crm/parser.js';

const setup = [
  ['property', 'stonith-enabled=false'],
  ['primitive', 'vip', 'ocf:heartbeat:IPaddr2', 'params', 'ip=198.18.0.10', 'op', 'monitor', 'interval=10s'],
  ['primitive', 'web', 'ocf:heartbeat:Dummy', 'op', 'monitor', 'interval=30s'],
  ['group', 'g', 'vip', 'web'],
];

/**
 * A CIB file with a small configuration. `viaCli` builds it with the real
 * CLI, one process per statement; the others build it in-process (the same
 * code) to keep the run short.
 */
async function withCib(body: (file: string, dir: string) => Promise<void>, viaCli = false): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tdm-cib-cli-'));
  try {
    const file = join(dir, 'cib.xml');
    if (viaCli) {
      const created = await runTandem(['-f', file, 'configure', 'new']);
      assert.equal(created.code, 0, created.stderr);
      for (const statement of setup) {
        const result = await runTandem(['-f', file, 'configure', ...statement]);
        assert.equal(result.code, 0, `${statement.join(' ')}: ${result.stderr}`);
      }
    } else {
      let cib = emptyCib();
      for (const statement of setup) cib = editCib(cib, [parseArgs(statement)]).after;
      await writeFile(file, serializeXml(cib));
    }
    await body(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a command that must fail and checks exit code, message and that the file did not change. */
async function refused(file: string, args: string[], exitCode: number, message: RegExp): Promise<void> {
  const before = await readFile(file);
  const result = await runTandem(['-f', file, 'configure', ...args]);
  assert.equal(result.code, exitCode, `${args.join(' ')}: exit ${result.code}, stderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.deepEqual(await readFile(file), before, `${args.join(' ')} changed the file`);
}

test('edits write crmsh ids, bump the epoch, and the result passes crm_verify', async () => {
  await withCib(async (file, dir) => {
    const text = await readFile(file, 'utf8');
    assert.match(text, /<op name="monitor" interval="10s" id="vip-monitor-10s"\/>/);
    assert.match(text, /id="vip-instance_attributes"/);
    assert.match(text, /epoch="5"/);
    assert.equal((await runTool('crm_verify', ['-x', file])).code, 0);
    assert.deepEqual((await readdir(dir)).sort(), ['cib.xml'], 'a temporary file was left behind');
    const shown = await runTandem(['-f', file, 'configure', 'show', 'g']);
    assert.equal(shown.stdout, 'group g vip web\n');
    const json = await runTandem(['-f', file, '-o', 'json', 'configure', 'show', 'vip']);
    assert.deepEqual((JSON.parse(json.stdout) as { objects: unknown }).objects, [{ type: 'primitive', id: 'vip' }]);
    const xml = await runTandem(['-f', file, 'configure', 'show', 'xml', 'web']);
    assert.match(xml.stdout, /^<primitive id="web" class="ocf" provider="heartbeat" type="Dummy">/);
  }, true);
});

test('--dry-run prints the diff and leaves the file alone', async () => {
  await withCib(async (file) => {
    const before = await readFile(file);
    const result = await runTandem(['-f', file, 'configure', 'location', 'loc-1', 'g', '100:', 'n1', '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\+ \/cib\/configuration\/constraints\/rsc_location\[@id='loc-1'\]/);
    assert.match(result.stdout, /~ \/cib\/@epoch: "5" -> "6"/);
    assert.deepEqual(await readFile(file), before);
  });
});

test('bad crm syntax names line, column and token and changes nothing', async () => {
  await withCib(async (file, dir) => {
    await refused(file, ['location', 'bad', 'g', 'rule', '-inf:', 'pingd', 'eqq', '2'], 65, /line 1, column 33: expected .*near 'eqq'/);
    await refused(file, ['location', 'bad', 'g', '1.5:', 'n1'], 65, /bad score '1\.5'/);
    await refused(file, ['colocation', 'c', 'inf:', '(', 'vip', 'web'], 65, /unmatched opening bracket/);
    await refused(file, ['frobnicate', 'x'], 64, /unknown command/);
    const script = join(dir, 'bad.crm');
    await writeFile(script, 'primitive a ocf:heartbeat:Dummy\nprimitive b ocf:heartbeat:Dummy \\\n\top monitor interval=10s\norder o1 Mandatory: a b extra:start more\nlocation l a "unterminated: n1\n');
    await refused(file, ['load', 'update', script], 65, /bad\.crm: line 5, column 14: unterminated quotation/);
    await writeFile(script, 'primitive a ocf:heartbeat:Dummy\ncolocation c1 inf: a [ b\n');
    await refused(file, ['load', 'update', script], 65, /line 2, column .*unmatched opening bracket/);
  });
});

test('duplicate ids, dangling references, bad intervals are refused by id', async () => {
  await withCib(async (file) => {
    await refused(file, ['primitive', 'vip', 'ocf:heartbeat:Dummy'], 65, /cannot create primitive with id 'vip': found an existing primitive/);
    await refused(file, ['colocation', 'c1', 'inf:', 'g', 'ghost'], 78, /rsc_colocation 'c1': references resource 'ghost', which does not exist/);
    await refused(file, ['order', 'o1', 'Mandatory:', 'ghost', 'g'], 78, /rsc_order 'o1': references resource 'ghost'/);
    await refused(file, ['clone', 'cl', 'ghost'], 65, /cl refers to missing object ghost/);
    await refused(file, ['group', 'g2', 'vip'], 65, /resource 'vip' is already in group 'g'/);
    await refused(file, ['primitive', 'x', 'ocf:heartbeat:Dummy', 'op', 'monitor', 'interval=often'], 78, /op 'x-monitor-often': bad interval 'often'/);
    await refused(file, ['primitive', 'y', '@notemplate'], 78, /primitive 'y': template 'notemplate' does not exist/);
    await refused(file, ['delete', 'nothere'], 105, /object nothere does not exist/);
    await refused(file, ['delete', 'vip-instance_attributes'], 105, /vip-instance_attributes is part of an object/);
  });
});

test('a malformed or invalid CIB file is refused with file and line, and verify names the ids', async () => {
  await withCib(async (file, dir) => {
    const broken = join(dir, 'broken.xml');
    await writeFile(broken, '<cib epoch="1">\n  <configuration>\n    <resources>\n  </configuration>\n</cib>\n');
    await refused(broken, ['primitive', 'a', 'ocf:heartbeat:Dummy'], 65, /broken\.xml: malformed XML/);
    await refused(broken, ['show'], 65, /broken\.xml: malformed XML/);
    const duplicate = join(dir, 'dup.xml');
    const text = (await readFile(file, 'utf8')).replace('<constraints/>', '<constraints><rsc_location id="web" rsc="g" node="n1" score="5"/><rsc_order id="o" first="g" then="nope"/></constraints>');
    await writeFile(duplicate, text);
    const verify = await runTandem(['-f', duplicate, 'configure', 'verify']);
    assert.equal(verify.code, 78);
    assert.match(verify.stdout, /rsc_location 'web': duplicate id \(also used by a <primitive>\)/);
    assert.match(verify.stdout, /rsc_order 'o': references resource 'nope'/);
    const good = await runTandem(['-f', file, 'configure', 'verify']);
    assert.equal(good.code, 0, good.stdout);
    // loading a CIB with a duplicate id is refused too
    await refused(file, ['load', 'replace', duplicate], 65, /cannot create rsc_location with id 'web': the id is in use/);
    // without -f, configure edits the live CIB: no daemon, a clear message
    const noFile = await runTandem(['configure', 'show'], { TANDEM_RUN_DIR: join(dir, 'no-daemon') });
    assert.equal(noFile.code, 69);
    assert.match(noFile.stderr, /tandemd is not running/);
  });
});
