// The meta-data of every tandem agent, as its launcher prints it, validates
// against Debian's ra-api-1.dtd (what ocf-tester checks) and the OCF 1.1
// RELAX NG schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dtdPath, requireFile, rngPath, runAgent, scratchDir } from './helpers.js';

function xmllint(args: string[]): { rc: number; output: string } {
  requireFile('/usr/bin/xmllint', 'Debian package libxml2-utils');
  const result = spawnSync('/usr/bin/xmllint', args, { encoding: 'utf8' });
  return { rc: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

for (const agent of ['Dummy', 'App']) {
  test(`${agent} meta-data validates against the DTD and the OCF 1.1 RNG`, () => {
    requireFile(dtdPath, 'Debian package resource-agents');
    requireFile(rngPath, 'the shared folder beside the clone');
    const run = runAgent(agent, 'meta-data', {});
    assert.equal(run.rc, 0, run.stderr);
    assert.match(run.stdout, /<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">/);
    const directory = scratchDir('meta');
    try {
      const file = join(directory, `${agent}.xml`);
      writeFileSync(file, run.stdout);
      const dtd = xmllint(['--noout', '--dtdvalid', dtdPath, file]);
      assert.equal(dtd.rc, 0, dtd.output);
      const rng = xmllint(['--noout', '--relaxng', rngPath, file]);
      assert.equal(rng.rc, 0, rng.output);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
}
