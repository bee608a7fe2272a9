/**
 * Pacemaker itself as the oracle: `crm_resource --force-*` (with CIB_file,
 * no cluster needed) runs an agent through Pacemaker's own lib/services. The
 * same resource run through tandem's executor must see the same OCF
 * environment and give the same results. The environment is read from the
 * agent's own trace (resource-agents' trace_ra=1 dumps `printenv`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { ProcessActionRunner } from '../../src/executor/process-runner.js';
import { rcs, request, runActionSequence, tempDir, testRunner } from './helpers.js';

/**
 * Variables crm_resource sets that come from crm_resource itself, not from
 * the way Pacemaker runs agents: the primitive's XML attributes as meta
 * attributes, the feature set, its output format and trace settings.
 */
const crmResourceOnly = new Set([
  'OCF_RESKEY_CRM_meta_class', 'OCF_RESKEY_CRM_meta_id', 'OCF_RESKEY_CRM_meta_provider', 'OCF_RESKEY_CRM_meta_type',
  'OCF_RESKEY_crm_feature_set', 'OCF_OUTPUT_FORMAT', 'OCF_TRACE_FILE',
]);

function cibWith(resource: string, params: Record<string, string>, monitorTimeout: string, agent = 'class="ocf" provider="heartbeat" type="Dummy"'): string {
  const nvpairs = Object.entries(params).map(([name, value]) => `<nvpair id="${resource}-${name}" name="${name}" value="${value}"/>`).join('');
  return `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes/>
    <resources>
      <primitive id="${resource}" ${agent}>
        <instance_attributes id="${resource}-ia">${nvpairs}</instance_attributes>
        <operations><op id="${resource}-monitor" name="monitor" interval="10s" timeout="${monitorTimeout}"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;
}

async function crmResource(cibFile: string, resource: string, operation: string): Promise<{ exitCode: number; output: string }> {
  const result = await execa('crm_resource', [operation, '-r', resource], { env: { CIB_file: cibFile }, reject: false, all: true, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, output: result.all ?? '' };
}

/** The OCF_* variables of an agent trace. */
function ocfVariables(trace: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const line of trace.split('\n')) {
    const match = /^(OCF_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (match) variables.set(match[1] ?? '', match[2] ?? '');
  }
  return variables;
}

test('a probe sees the OCF environment Pacemaker gives (crm_resource --force-check as oracle)', async () => {
  const temp = tempDir('oracle-env');
  try {
    const resource = 'oracle-env';
    const params = { state: join(temp.dir, 'Dummy.state'), trace_ra: '1', trace_dir: join(temp.dir, 'trace') };
    const cibFile = join(temp.dir, 'cib.xml');
    writeFileSync(cibFile, cibWith(resource, params, '33s'));
    const pacemaker = await crmResource(cibFile, resource, '--force-check');
    assert.equal(pacemaker.exitCode, OcfExit.NOT_RUNNING, pacemaker.output);
    const expected = ocfVariables(pacemaker.output);
    assert.ok(expected.has('OCF_RESOURCE_INSTANCE'), `Pacemaker's trace shows the environment: ${pacemaker.output.slice(0, 500)}`);

    const ours = await testRunner().run(request('ocf:heartbeat:Dummy', resource, 'monitor', params, { timeoutMs: 33_000 }));
    assert.equal(ours.rc, OcfExit.NOT_RUNNING);
    const traceDir = join(params.trace_dir, 'Dummy');
    const traceFile = readdirSync(traceDir).find((name) => name.startsWith(`${resource}.monitor.`));
    assert.ok(traceFile, 'our run left its trace');
    const actual = ocfVariables(readFileSync(join(traceDir, traceFile), 'utf8'));

    for (const name of crmResourceOnly) expected.delete(name);
    assert.deepEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...expected].sort()));
    assert.equal(actual.get('OCF_RESKEY_CRM_meta_timeout'), '33000');
    assert.equal(actual.has('OCF_RESKEY_CRM_meta_interval'), false, 'a probe has no interval, as under Pacemaker');
  } finally {
    temp.remove();
  }
});

test('Dummy gives the same results under crm_resource --force-* and under the executor', async () => {
  const temp = tempDir('oracle-rc');
  try {
    const operations: Array<[string, string]> = [
      ['--force-check', 'monitor'], ['--force-start', 'start'], ['--force-start', 'start'], ['--force-check', 'monitor'],
      ['--force-stop', 'stop'], ['--force-stop', 'stop'], ['--force-check', 'monitor'],
    ];
    const cibFile = join(temp.dir, 'cib.xml');
    writeFileSync(cibFile, cibWith('oracle-rc', { state: join(temp.dir, 'pacemaker.state') }, '20s'));
    const pacemakerRcs: number[] = [];
    for (const [operation] of operations) pacemakerRcs.push((await crmResource(cibFile, 'oracle-rc', operation)).exitCode);
    const ours = await runActionSequence('ocf:heartbeat:Dummy', { state: join(temp.dir, 'tandem.state') }, operations.map(([, action]) => action), 'oracle-rc');
    assert.deepEqual(rcs(ours), pacemakerRcs);
    assert.deepEqual(pacemakerRcs, [7, 0, 0, 0, 0, 0, 7]);
  } finally {
    temp.remove();
  }
});

test("LSB status codes map as Pacemaker maps them: the system's own init scripts, status only", async () => {
  const temp = tempDir('oracle-lsb');
  try {
    // Read-only: only `status` runs. Scripts of packages in the Makefile's
    // DEBS; here nbd-client answers 1 ("dead, pid file exists"), procps 0,
    // corosync 3 unless it runs.
    const runner = new ProcessActionRunner();
    for (const script of ['corosync', 'nbd-client', 'procps']) {
      const cibFile = join(temp.dir, `${script}.xml`);
      writeFileSync(cibFile, cibWith('oracle-lsb', {}, '20s', `class="lsb" type="${script}"`));
      const pacemaker = await crmResource(cibFile, 'oracle-lsb', '--force-check');
      const ours = await runner.run(request(`lsb:${script}`, 'oracle-lsb', 'monitor'));
      assert.equal(ours.rc, pacemaker.exitCode, `lsb:${script}: raw status ${ours.rawExitCode}`);
    }
  } finally {
    temp.remove();
  }
});
