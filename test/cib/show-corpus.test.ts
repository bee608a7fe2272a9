/**
 * `show` on every CIB of Pacemaker's corpus prints text that parses back
 * to the same configuration (up to object order within a section, which
 * crmsh's show does not keep either); objects the language cannot express
 * exactly fall back to `xml <...>` statements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseXml } from '../../src/cib/xml.js';
import { emptyCib } from '../../src/cib/empty.js';
import { showConfiguration } from '../../src/crm/show.js';
import { parseScript } from '../../src/crm/parser.js';
import { applyCommands } from '../../src/crm/apply.js';
import { corpusDir, semanticConfiguration } from './corpus.js';

test('show of every corpus CIB parses back to the same configuration', async () => {
  const dir = corpusDir();
  const names = (await readdir(dir)).filter((name) => name.endsWith('.xml')).sort();
  const failures: string[] = [];
  let statements = 0;
  let xmlFallbacks = 0;
  for (const name of names) {
    const cib = parseXml(await readFile(join(dir, name), 'utf8'), name);
    const text = showConfiguration(cib);
    try {
      const commands = parseScript(text, { source: `${name} (show)` });
      statements += commands.length;
      xmlFallbacks += commands.filter((command) => command.kind === 'object' && command.type === 'xml').length;
      const back = applyCommands(emptyCib(), commands).cib;
      if (semanticConfiguration(back) !== semanticConfiguration(cib)) failures.push(`${name}: show loads back to a different configuration`);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(xmlFallbacks < statements / 5, `too many objects shown as XML: ${xmlFallbacks} of ${statements}`);
  process.stdout.write(`# show round trip: ${names.length} CIBs, ${statements} statements, ${xmlFallbacks} shown as xml\n`);
});
