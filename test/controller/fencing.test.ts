/**
 * Failover with fencing: two tandemd in network namespaces, stonith enabled
 * with a stonith:fence_tandem_netns device (it really powers a namespace
 * node off: kills its processes, takes its links down; stonith-action=off
 * so it stays off). kill -9 of the
 * daemon where the Dummy runs: the survivor fences the lost node first, and
 * only then starts the Dummy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { TandemdCluster, waitUntil } from './tandemd-cluster.js';


describe('controller with fencing on two nodes', () => {
  const cluster = new TandemdCluster(2);
  const where = (node: number): Promise<string[]> => cluster.runningOn(node, 'd1');

  before(() => cluster.startAgreed([1, 2]));
  after(async () => {
    await cluster.destroy();
  });

  test('configure a fence device and a Dummy', async () => {
    await cluster.replaceConfiguration({ 'stonith-enabled': 'true', 'no-quorum-policy': 'ignore', 'stonith-action': 'off' }, [
      cluster.fenceDeviceXml(),
      `<primitive id="d1" class="ocf" provider="tandem" type="Dummy">
        <operations><op id="d1-monitor-1s" name="monitor" interval="1s" timeout="10s"/></operations>
      </primitive>`,
    ]);
    await waitUntil(async () => (await where(1)).length === 1 && (await where(2)).length === 1, 20_000, 'd1 running');
  });

  test('SIGTERM where the Dummy runs: it moves away first, and the peer does not fence the node that left', async () => {
    const [node] = await where(1);
    const leaving = node === 'n1' ? 1 : 2;
    const staying = leaving === 1 ? 2 : 1;
    await cluster.kill(leaving, 'SIGTERM');
    assert.equal(cluster.dummyRunning(leaving, 'd1'), false, 'stopped before the daemon exited');
    await waitUntil(async () => (await where(staying)).join() === `n${staying}` && cluster.dummyRunning(staying, 'd1'), 20_000, 'd1 on the staying node');
    await waitUntil(async () => (await cluster.status(staying)).membership.view.members.length === 1, 20_000, 'the leave seen');
    const { xml } = await cluster.api(staying, 'cib.query') as { xml: string };
    assert.match(xml, new RegExp(`<node_state id="${leaving}" uname="n${leaving}" in_ccm="false" crmd="offline" join="down" expected="down"`));
    assert.doesNotMatch(await readFile(cluster.logFile(staying), 'utf8'), /"msg":"fencing"/);
    // back: it rejoins without its shutdown request
    await cluster.start(leaving);
    await waitUntil(async () => (await cluster.status(leaving)).membership.view.members.length === 2 && (await cluster.status(leaving)).dc === `n${staying}`, 20_000, 'rejoined');
    await waitUntil(async () => !(await cluster.api(staying, 'cib.query') as { xml: string }).xml.includes('name="shutdown"'), 20_000, 'the shutdown request forgotten on rejoin');
  });

  test('kill -9 where the Dummy runs: the lost node is fenced, then the Dummy starts on the survivor', async () => {
    const [node] = await where(1);
    const victim = node === 'n1' ? 1 : 2;
    const survivor = victim === 1 ? 2 : 1;
    await cluster.kill(victim);
    await cluster.waitOrShowLogs([survivor], async () => (await where(survivor)).join() === `n${survivor}`, 40_000, 'd1 started on the survivor');
    // the fence agent really powered the victim off: its links are down
    const links = await execa('ip', ['-n', cluster.net.nodeNs(victim), '-o', 'link', 'show']);
    const up = links.stdout.split('\n').filter((line) => !/: lo[:@]/.test(line) && /state UP/.test(line));
    assert.deepEqual(up, [], links.stdout);
    // and fencing came first: the log has the fence before the start
    const log = await readFile(cluster.logFile(survivor), 'utf8');
    const fencedAt = log.indexOf('"msg":"fencing"');
    const startedAt = log.indexOf(`"action":"d1 start on n${survivor}"`, fencedAt);
    assert.ok(fencedAt >= 0, 'the survivor fenced');
    assert.ok(startedAt > fencedAt, 'd1 started after the fence');
    const { xml: after } = await cluster.api(survivor, 'cib.query') as { xml: string };
    assert.match(after, new RegExp(`<node_state id="${victim}" uname="n${victim}" in_ccm="false" crmd="offline" join="down" expected="down"`));
  });
});
