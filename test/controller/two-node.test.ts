/**
 * The controller end to end: two tandemd in network namespaces, stonith off,
 * a tandem:Dummy configured through the local API. It starts on exactly one
 * node, recorded in the CIB status on both (replicated); a failed monitor is
 * recovered in place; standby moves it; a change against an old epoch and
 * bad requests are refused; kill -9 of its node's daemon starts it on the
 * survivor.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseXml, serializeXml, type XmlElement } from '../../src/cib/xml.js';
import { cibHeader } from '../../src/cib/model.js';
import { execa } from 'execa';
import { cliPath } from '../support/paths.js';
import { TandemdCluster, configSection, waitUntil } from './tandemd-cluster.js';

const options = `<cluster_property_set id="cib-bootstrap-options">
  <nvpair id="o-stonith" name="stonith-enabled" value="false"/>
  <nvpair id="o-quorum" name="no-quorum-policy" value="ignore"/>
</cluster_property_set>`;
const dummy = `<primitive id="d1" class="ocf" provider="tandem" type="Dummy">
  <operations><op id="d1-monitor-1s" name="monitor" interval="1s" timeout="10s"/></operations>
</primitive>`;


describe('controller on two nodes (stonith disabled)', () => {
  const cluster = new TandemdCluster(2);
  let killed: number | undefined;
  const where = (node: number): Promise<string[]> => cluster.runningOn(node, 'd1');

  async function readCib(node: number): Promise<XmlElement> {
    const { xml } = await cluster.api(node, 'cib.query') as { xml: string };
    return parseXml(xml, 'cib.query');
  }

  before(() => cluster.startAgreed([1, 2]));
  after(async () => {
    await cluster.destroy();
  });

  test('a configured Dummy starts on exactly one node, recorded on both', async () => {
    const cib = await readCib(2);
    const base = cibHeader(cib);
    configSection(cib, 'crm_config').children = [parseXml(options, 'options')];
    configSection(cib, 'resources').children = [parseXml(dummy, 'dummy')];
    await cluster.api(2, 'cib.replace', { xml: serializeXml(cib), base });
    await waitUntil(async () => (await where(1)).length === 1 && (await where(2)).length === 1, 20_000, 'd1 running, seen on both nodes');
    await waitUntil(async () => serializeXml(await readCib(1)).includes('operation_key="d1_monitor_1000"') && serializeXml(await readCib(2)).includes('operation_key="d1_monitor_1000"'), 20_000, 'the monitor recorded on both nodes');
    const [node] = await where(1);
    assert.deepEqual(await where(2), [node]);
    const running = [1, 2].filter((n) => cluster.dummyRunning(n, 'd1'));
    assert.deepEqual(running.map((n) => `n${n}`), [node]);
    // probes ran on both nodes, the start and its monitor where it runs
    const status = await readCib(running[0] === 1 ? 2 : 1);
    const ops = [...status.children.find((c) => c.name === 'status')?.children ?? []].flatMap((state) => [...walkOps(state)].map((op) => `${state.attrs.uname} ${op.attrs.operation_key} rc=${op.attrs['rc-code']}`)).sort();
    assert.ok(ops.includes(`${node} d1_start_0 rc=0`), ops.join('\n'));
    assert.ok(ops.includes(`${node} d1_monitor_1000 rc=0`), ops.join('\n'));
    const other = node === 'n1' ? 'n2' : 'n1';
    assert.ok(ops.includes(`${other} d1_monitor_0 rc=7`), ops.join('\n'));
  });

  test('a failed monitor (state file deleted) is recovered on the same node', async () => {
    const [node] = await where(1);
    const index = node === 'n1' ? 1 : 2;
    rmSync(cluster.dummyStateFile(index, 'd1'));
    await waitUntil(async () => (await cluster.status(1)).resources.failedActions.some((f) => f.resource === 'd1' && f.operation === 'monitor'), 20_000, 'the failed monitor recorded');
    await waitUntil(() => cluster.dummyRunning(index, 'd1'), 20_000, 'd1 restarted');
    await waitUntil(async () => (await where(1)).join() === node && (await cluster.status(1)).resources.resources[0]?.failed === false, 20_000, 'd1 running again, not failed');
    const cib = await readCib(1);
    assert.match(serializeXml(cib), /name="fail-count-d1#monitor_1000" value="1"/);
  });

  test('standby moves it, online lets it stay where it is', async () => {
    const [node] = await where(1);
    const other = node === 'n1' ? 'n2' : 'n1';
    await cluster.api(1, 'node.attribute', { node, name: 'standby', value: 'on' });
    await waitUntil(async () => (await where(2)).join() === other, 20_000, `d1 moved to ${other}`);
    assert.equal(cluster.dummyRunning(node === 'n1' ? 1 : 2, 'd1'), false);
    await cluster.api(2, 'node.attribute', { node, name: 'standby' });
    await waitUntil(async () => (await readCib(1)).children.length > 0 && !serializeXml(await readCib(1)).includes('name="standby"'), 10_000, 'standby removed');
    assert.deepEqual(await where(1), [other]);
  });

  test('a change against an older epoch, and bad requests, are refused without change', async () => {
    const cib = await readCib(1);
    const base = cibHeader(cib);
    await cluster.api(1, 'resource.meta', { resource: 'd1', name: 'description', value: 'first' });
    const before = cibHeader(await readCib(1));
    await assert.rejects(cluster.api(2, 'cib.replace', { xml: serializeXml(cib), base }), (error: Error & { code?: string }) => error.code === 'E_CIB_CHANGED');
    await assert.rejects(cluster.api(1, 'resource.meta', { resource: 'nope', name: 'target-role', value: 'Stopped' }), (error: Error & { code?: string }) => error.code === 'E_NO_SUCH_OBJECT' || /no resource 'nope'/.test(error.message));
    await assert.rejects(cluster.api(2, 'node.attribute', { node: 'n1' }), (error: Error & { code?: string }) => error.code === 'E_BAD_REQUEST');
    await assert.rejects(cluster.api(1, 'cib.replace', { xml: '<cib', base }), /XML|xml|parse/);
    assert.equal(cibHeader(await readCib(1)).epoch, before.epoch);
  });

  test('the CLI, live: configure a primitive, stop and start it, status shows resources and failures, cleanup', async () => {
    const cli = (node: number, ...args: string[]) => execa(process.execPath, [cliPath, ...args], { env: { TANDEM_RUN_DIR: cluster.runDir(node) }, reject: false });
    const configured = await cli(2, 'configure', 'primitive', 'd2', 'ocf:tandem:Dummy', 'op', 'monitor', 'interval=1s');
    assert.equal(configured.exitCode, 0, configured.stderr);
    await waitUntil(() => cluster.dummyRunning(1, 'd2') || cluster.dummyRunning(2, 'd2'), 20_000, 'd2 started');
    const text = await cli(1, 'status');
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /Full List of Resources:/);
    assert.match(text.stdout, /\* d2\t\(ocf:tandem:Dummy\):\t Started n[12]/);
    assert.match(text.stdout, /Failed Resource Actions:\n {2}\* d1_monitor_1000 on n[12] 'OCF_NOT_RUNNING' \(7\)/);
    assert.equal((await cli(1, 'resource', 'stop', 'd2')).exitCode, 0);
    await waitUntil(() => !cluster.dummyRunning(1, 'd2') && !cluster.dummyRunning(2, 'd2'), 20_000, 'd2 stopped');
    // The agent's state file goes before the stop's result reaches n2's copy of the CIB: wait for that too.
    await waitUntil(async () => /resource d2 is NOT running/.test((await cli(2, 'resource', 'status', 'd2')).stdout), 20_000, 'n2 sees d2 stopped');
    assert.equal((await cli(1, 'resource', 'stop', 'd2')).exitCode, 0, 'already stopped: exit 0');
    assert.equal((await cli(2, 'resource', 'start', 'd2')).exitCode, 0);
    await waitUntil(() => cluster.dummyRunning(1, 'd2') || cluster.dummyRunning(2, 'd2'), 20_000, 'd2 started again');
    assert.match((await cli(2, 'resource', 'failcount', 'd1')).stdout, /d1 on n[12] monitor_1000: fail-count=1/);
    assert.match((await cli(1, 'node', 'list')).stdout, /n1: online\nn2: online/);
    const restarted = await cli(1, 'resource', 'restart', 'd2');
    assert.equal(restarted.exitCode, 0, restarted.stderr);
    await waitUntil(() => cluster.dummyRunning(1, 'd2') || cluster.dummyRunning(2, 'd2'), 20_000, 'd2 started after the restart');
    const cleaned = await cli(1, 'resource', 'cleanup', 'd1');
    assert.equal(cleaned.exitCode, 0, cleaned.stderr);
    await waitUntil(async () => (await cluster.status(2)).resources.failedActions.length === 0, 20_000, 'failures forgotten');
    await waitUntil(async () => (await where(1)).length === 1, 20_000, 'd1 re-probed, still running once');
    assert.match((await cli(2, 'resource', 'failcount', 'd1')).stdout, /d1: no failures/);
    const [d2node] = (await cluster.status(1)).resources.resources.find((r) => r.id === 'd2')?.runningOn ?? [];
    const target = d2node === 'n1' ? 'n2' : 'n1';
    const moved = await cli(2, 'resource', 'move', 'd2', target);
    assert.equal(moved.exitCode, 0, moved.stderr);
    assert.match(moved.stdout, /cli-prefer-d2.*tandem resource clear d2/);
    await waitUntil(() => cluster.dummyRunning(target === 'n1' ? 1 : 2, 'd2') && !cluster.dummyRunning(target === 'n1' ? 2 : 1, 'd2'), 20_000, `d2 moved to ${target}`);
    assert.equal((await cli(1, 'resource', 'clear', 'd2')).exitCode, 0);
    await waitUntil(async () => !(await cluster.api(1, 'cib.query', { dc: true }) as { xml: string }).xml.includes('cli-prefer-d2'), 10_000, 'constraint cleared');
    const missing = await cli(1, 'resource', 'start', 'nope');
    assert.equal(missing.exitCode, 105, missing.stderr);
    assert.match(missing.stderr, /no resource 'nope'/);
  });

  test('a configuration change during a transition: the slow start finishes, the new resource starts too', async () => {
    const cli = (...args: string[]) => execa(process.execPath, [cliPath, ...args], { env: { TANDEM_RUN_DIR: cluster.runDir(1) }, reject: false });
    const slow = await cli('configure', 'primitive', 'slow', 'ocf:tandem:Dummy', 'params', 'op_sleep=1.5', 'op', 'start', 'timeout=20s');
    assert.equal(slow.exitCode, 0, slow.stderr);
    // wait until its start is under way (probes done, start sent), then change the configuration
    await waitUntil(async () => (await readFile(cluster.logFile(1), 'utf8') + await readFile(cluster.logFile(2), 'utf8')).includes('"slow start on n'), 20_000, 'the slow start under way');
    const during = await cli('configure', 'primitive', 'quick', 'ocf:tandem:Dummy');
    assert.equal(during.exitCode, 0, during.stderr);
    const running = (rsc: string) => [1, 2].filter((n) => cluster.dummyRunning(n, rsc)).length;
    await waitUntil(() => running('slow') === 1 && running('quick') === 1, 30_000, 'both running, once each');
    await waitUntil(async () => {
      const lines = (await cluster.status(2)).resources.resources;
      return ['slow', 'quick'].every((id) => lines.find((line) => line.id === id)?.runningOn.length === 1);
    }, 20_000, 'both recorded running');
  });

  test('kill -9 of the daemon where it runs: the survivor starts it', async () => {
    const [node] = await where(1);
    const victim = node === 'n1' ? 1 : 2;
    const survivor = victim === 1 ? 2 : 1;
    await cluster.kill(victim);
    await cluster.waitOrShowLogs([survivor], async () => (await where(survivor)).join() === `n${survivor}`, 30_000, 'd1 started on the survivor');
    assert.equal(cluster.dummyRunning(survivor, 'd1'), true);
    assert.equal((await cluster.status(survivor)).dc, `n${survivor}`);
    killed = victim;
  });

  test('the killed node rejoins: probed before anything starts there, the DC stays, d1 runs once', async () => {
    assert.ok(killed !== undefined, 'needs the kill test');
    const survivor = killed === 1 ? 2 : 1;
    await cluster.start(killed);
    await cluster.waitOrShowLogs([killed, survivor], async () => {
      const [a, b] = [await cluster.status(killed as number), await cluster.status(survivor)];
      return a.dc === `n${survivor}` && a.version.epoch === b.version.epoch && a.version.numUpdates === b.version.numUpdates
        && (await where(killed as number)).length === 1 && [1, 2].filter((n) => cluster.dummyRunning(n, 'd1')).length === 1;
    }, 20_000, 'the rejoined node has the DC\'s CIB and d1 runs once');
    // probed on rejoin: the DC asked the rejoined node what it runs (d1's state file survived the kill -9)
    const log = await readFile(cluster.logFile(survivor), 'utf8');
    assert.match(log, new RegExp(`"action":"d1 probe on n${killed}","rc":0`));
    assert.equal([1, 2].filter((n) => cluster.dummyRunning(n, 'd1')).length, 1);
  });
});

function* walkOps(element: XmlElement): Generator<XmlElement> {
  for (const child of element.children) {
    if (child.name === 'lrm_rsc_op') yield child;
    else yield* walkOps(child);
  }
}
