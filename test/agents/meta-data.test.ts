/**
 * The meta-data of VirtualIP, Database and PhysicalVolume, as their
 * launchers print it, validates against Debian's ra-api-1.dtd (what
 * ocf-tester and Pacemaker read) and the OCF 1.1 RELAX NG schema, and
 * advertises the monitor depths the agents implement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedDir } from '../support/paths.js';
import { launcherPath } from './agent-runner.js';

const dtdPath = '/usr/share/resource-agents/ra-api-1.dtd';
const rngPath = path.join(sharedDir, 'ocf', 'ra-api-1.1.rng');

const depths: Record<string, string[]> = { VirtualIP: ['0'], Database: ['0', '10'], PhysicalVolume: ['0', '10', '20'] };

for (const [agent, advertised] of Object.entries(depths)) {
  test(`${agent} meta-data validates against the DTD and the OCF 1.1 RNG`, () => {
    for (const file of [dtdPath, rngPath, '/usr/bin/xmllint']) assert.ok(existsSync(file), `${file} is missing (resource-agents, libxml2-utils, the shared folder)`);
    const xml = execFileSync(launcherPath(agent), ['meta-data'], { encoding: 'utf8', env: { ...process.env, OCF_ROOT: '/usr/lib/ocf' } });
    const directory = mkdtempSync(path.join(tmpdir(), `tdm-agents-${process.pid}-meta-`));
    try {
      const file = path.join(directory, `${agent}.xml`);
      writeFileSync(file, xml);
      for (const schema of [['--dtdvalid', dtdPath], ['--relaxng', rngPath]]) {
        const lint = spawnSync('/usr/bin/xmllint', ['--noout', ...schema, file], { encoding: 'utf8' });
        assert.equal(lint.status, 0, `${schema.join(' ')}: ${lint.stderr}`);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const monitorDepths = [...xml.matchAll(/<action name="monitor"[^>]*depth="(\d+)"/g)].map((match) => match[1]);
    assert.deepEqual(monitorDepths.sort(), advertised);
  });
}
