/**
 * Fencing topology on real daemons: two tandemd, three fence devices of
 * the test agent fence_tandem_netns, configured with the CLI's crm language:
 * - f-broken: can fence n1 and n2 (pcmk_host_list) but fails every off
 *   (fail_actions: a device whose controller does not answer);
 * - f-good: finds its targets by asking the agent (pcmk_host_check=
 *   dynamic-list) and maps each node to its plug (pcmk_host_map: the plug
 *   is the node's namespace name without the common prefix);
 * - f-elsewhere: fences only a node n9 (pcmk_host_list), never used here.
 * fencing_topology n1: f-broken f-good n2: f-broken f-good.
 * kill -9 of the daemon where the Dummy runs: the survivor tries level 1
 * (f-broken fails), then level 2 (f-good powers the node off), and only
 * then starts the Dummy.
 * Then with every device failing and stonith-max-attempts=2: the survivor
 * tries twice, gives up, and never starts the Dummy of the unfenced node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { cliPath } from '../support/paths.js';
import { parseXml, serializeXml } from '../../src/cib/xml.js';
import { cibHeader } from '../../src/cib/model.js';
import { TandemdCluster, configSection, waitUntil } from './tandemd-cluster.js';

interface LogLine { msg?: string; target?: string; level?: number | string; devices?: string[]; levels?: Array<{ index: number; devices: string[] }> }

describe('fencing topology: the first level fails, the second fences', () => {
  const cluster = new TandemdCluster(2);
  const cli = (...args: string[]) => execa(process.execPath, [cliPath, ...args], { env: { TANDEM_RUN_DIR: cluster.runDir(1) }, reject: false });

  before(() => cluster.startAgreed([1, 2]));
  after(async () => {
    await cluster.destroy();
  });

  test('configured with the crm language', async () => {
    const prefix = cluster.fencePrefix;
    const shortPrefix = prefix.slice(0, -1); // the namespace of nX is shortPrefix + "-nX": the plug of nX is "-nX"
    const script = [
      'property stonith-enabled=true stonith-action=off no-quorum-policy=ignore',
      `primitive f-broken stonith:fence_tandem_netns params netns_prefix=${prefix} fail_actions=off,reboot pcmk_host_list="n1 n2"`,
      `primitive f-good stonith:fence_tandem_netns params netns_prefix=${shortPrefix} pcmk_host_check=dynamic-list pcmk_host_map="n1:-n1;n2:-n2"`,
      `primitive f-elsewhere stonith:fence_tandem_netns params netns_prefix=${prefix} pcmk_host_list=n9`,
      'primitive d1 ocf:tandem:Dummy op monitor interval=1s',
      'fencing_topology n1: f-broken f-good n2: f-broken f-good',
    ];
    for (const line of script) {
      const result = await cli('configure', ...line.match(/(?:[^\s"]+|"[^"]*")+/g)!.map((word) => word.replaceAll('"', '')));
      assert.equal(result.exitCode, 0, `${line}: ${result.stderr}`);
    }
    const shown = await cli('configure', 'show');
    assert.match(shown.stdout, /^fencing_topology n1: f-broken f-good n2: f-broken f-good$/m);
    await waitUntil(async () => (await cluster.runningOn(1, 'd1')).length === 1 && (await cluster.runningOn(2, 'd1')).length === 1, 30_000, 'd1 running');
  });

  test('kill -9 where the Dummy runs: level 1 fails, level 2 fences, then the Dummy starts on the survivor', async () => {
    const [node] = await cluster.runningOn(1, 'd1');
    const victim = node === 'n1' ? 1 : 2;
    const survivor = victim === 1 ? 2 : 1;
    await cluster.kill(victim);
    await cluster.waitOrShowLogs([survivor], async () => (await cluster.runningOn(survivor, 'd1')).join() === `n${survivor}`, 60_000, 'd1 started on the survivor');
    const lines = (await readFile(cluster.logFile(survivor), 'utf8')).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
    const fencing = lines.find((line) => line.msg === 'fencing' && line.target === `n${victim}`);
    assert.deepEqual(fencing?.levels, [{ index: 1, devices: ['f-broken'] }, { index: 2, devices: ['f-good'] }], 'the topology, in order; f-elsewhere not in it');
    const failed = lines.findIndex((line) => line.msg === 'fencing level failed' && line.level === 1);
    const fenced = lines.findIndex((line) => line.msg === 'fenced' && line.level === 2);
    const started = lines.findIndex((line) => line.msg === 'action done' && JSON.stringify(line).includes(`"d1 start on n${survivor}"`));
    assert.ok(failed >= 0, 'level 1 failed');
    assert.ok(fenced > failed, 'then level 2 fenced');
    assert.ok(started > fenced, 'and only then d1 started');
    assert.match(JSON.stringify(lines[failed]), /f-broken off of n\d: rc 1/);
    // f-good really powered the victim off: every link down, no process left
    const links = await execa('ip', ['-n', cluster.net.nodeNs(victim), '-o', 'link', 'show']);
    assert.deepEqual(links.stdout.split('\n').filter((line) => !/: lo[:@]/.test(line) && /state UP/.test(line)), []);
    assert.equal((await execa('ip', ['netns', 'pids', cluster.net.nodeNs(victim)])).stdout.trim(), '');
  });
  test('every device failing, stonith-max-attempts=2: two attempts, then none, and the Dummy is not recovered without fencing', async () => {
    const off = [1, 2].find((node) => !cluster.alive(node)) ?? 0;
    await cluster.powerOn(off);
    await cluster.waitOrShowLogs([1, 2], async () => {
      const [a, b] = [await cluster.status(1), await cluster.status(2)];
      return a.dc !== null && a.dc === b.dc && a.membership.view.members.length === 2 && a.version.epoch === b.version.epoch
        && a.version.numUpdates === b.version.numUpdates && (await cluster.runningOn(1, 'd1')).length === 1;
    }, 30_000, 'the powered-on node rejoined');
    const { xml } = await cluster.api(1, 'cib.query', { dc: true }) as { xml: string };
    const cib = parseXml(xml, 'cib.query');
    const base = cibHeader(cib);
    configSection(cib, 'crm_config').children[0]?.children.push({ name: 'nvpair', attrs: { id: 'o-max', name: 'stonith-max-attempts', value: '2' }, children: [] });
    const good = configSection(cib, 'resources').children.find((element) => element.attrs.id === 'f-good');
    good?.children.find((element) => element.name === 'instance_attributes')?.children.push({ name: 'nvpair', attrs: { id: 'f-good-fail', name: 'fail_actions', value: 'off,reboot' }, children: [] });
    await cluster.api(1, 'cib.replace', { xml: serializeXml(cib), base });
    // both replicas have the change before one of them has to act on it
    await waitUntil(async () => {
      const replicas = await Promise.all([1, 2].map(async (n) => (await cluster.api(n, 'cib.query') as { xml: string }).xml));
      return replicas.every((text) => text.includes('f-good-fail') && text.includes('stonith-max-attempts'));
    }, 20_000, 'the change replicated to both nodes');
    const [node] = await cluster.runningOn(1, 'd1');
    const victim = node === 'n1' ? 1 : 2;
    const survivor = victim === 1 ? 2 : 1;
    const attemptsBefore = (await readFile(cluster.logFile(survivor), 'utf8')).split('"msg":"fencing"').length;
    await cluster.kill(victim);
    const attempts = async (): Promise<number> => (await readFile(cluster.logFile(survivor), 'utf8')).split('"msg":"fencing"').length - attemptsBefore;
    await cluster.waitOrShowLogs([survivor], async () => (await readFile(cluster.logFile(survivor), 'utf8')).includes('(stonith-max-attempts)'), 60_000, 'the survivor gives up after two attempts');
    assert.equal(await attempts(), 2);
    // nothing more happens until the node is seen again: no third attempt, no start of its Dummy
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(await attempts(), 2);
    assert.equal(cluster.dummyRunning(survivor, 'd1'), false, 'not recovered without fencing');
  });
});
