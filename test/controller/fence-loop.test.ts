/**
 * No fence loop, and wait_for_all: two tandemd with fencing on both sides
 * (fence_tandem_netns, stonith-action off), the default
 * no-quorum-policy (stop), two_node with wait_for_all (the membership
 * default for two nodes).
 * 1. The heartbeat links are cut: the holder fences its peer. The fenced
 *    node is powered on while the links are still cut: it starts alone,
 *    waits for its peer (not quorate), and neither fences the running peer
 *    nor starts the service. Once the links are back it joins, and the
 *    service stays where it is.
 * 2. Both nodes lose power; one is powered on alone: it waits (no service,
 *    no fencing) until the admin runs `tandem quorum unblock --force`; then
 *    it fences the absent peer and starts the service.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { cliPath } from '../support/paths.js';
import { TandemdCluster } from './tandemd-cluster.js';
import { startPartitionCluster, waitSettled } from './partition-rounds.js';

const heartbeatPorts = ['n1hb0', 'n1hb1', 'n2hb0', 'n2hb1'];

describe('no fence loop; wait_for_all on two nodes', () => {
  const cluster = new TandemdCluster(2, { pingTarget: true });
  const cli = (node: number, ...args: string[]) => execa(process.execPath, [cliPath, ...args], { env: { TANDEM_RUN_DIR: cluster.runDir(node) }, reject: false });
  const switchLinks = (commands: string[]) => execa('ip', ['-n', cluster.net.switchNs, '-batch', '-'], { input: commands.join('\n') + '\n' });
  const fencings = async (node: number): Promise<number> => (await readFile(cluster.logFile(node), 'utf8')).split('"msg":"fencing"').length - 1;

  before(() => startPartitionCluster(cluster));
  after(async () => {
    await cluster.destroy();
  });

  test('a fenced node powered on while the links are still cut waits for its peer: no fencing, no service', async () => {
    const holder = await waitSettled(cluster);
    const other = holder === 1 ? 2 : 1;
    await switchLinks(heartbeatPorts.map((port) => `link set ${port} nomaster`));
    try {
      // powered on only once the fence device is done with it (its agent reports success)
      await cluster.waitOrShowLogs([1, 2], async () => !cluster.alive(other) && (await readFile(cluster.logFile(holder), 'utf8')).includes('"msg":"fenced"'), 60_000, `n${other} fenced by the holder`);
      assert.equal(cluster.alive(holder), true);
      const fencedBefore = await fencings(other);
      await cluster.powerOn(other);
      // alone, it takes over its own CIB as DC of a partition without quorum: wait_for_all holds it back
      await cluster.waitOrShowLogs([other], async () => {
        const status = await cluster.status(other);
        return status.dc === `n${other}` && status.membership.view.members.length === 1 && /wait_for_all/.test(status.membership.quorum.reason ?? '')
          && (await readFile(cluster.logFile(other), 'utf8')).includes('"msg":"transition ended"') === false
          && (await readFile(cluster.logFile(other), 'utf8')).includes('"msg":"this node is DC"');
      }, 30_000, `n${other} up alone, DC of its own partition, waiting for all`);
      const quorum = await cli(other, 'quorum', 'status');
      assert.equal(quorum.exitCode, 0, quorum.stderr);
      assert.match(quorum.stdout, /Quorate: +No \(wait_for_all/);
      assert.match(quorum.stdout, /tandem quorum unblock/);
      // a fence it would have started comes within priority-fencing-delay plus one agent run: give it that long
      await new Promise((resolve) => setTimeout(resolve, 6000));
      assert.equal(cluster.alive(holder), true, 'the running peer was not fenced');
      assert.equal(await fencings(other), fencedBefore, 'no fencing attempted');
      assert.equal(cluster.dummyRunning(other, 'd1'), false, 'the service did not start on the waiting node');
    } finally {
      await switchLinks(heartbeatPorts.map((port) => `link set ${port} master br${port.slice(-1)}`));
    }
    const after = await waitSettled(cluster);
    assert.equal(after, holder, 'the service stayed on the holder');
    assert.equal(cluster.alive(holder) && cluster.alive(other), true);
  });

  test('both lose power; one powered on alone waits until tandem quorum unblock, then fences the absent peer and starts the service', async () => {
    await cluster.kill(1);
    await cluster.kill(2);
    // node 2 stays off: its links down, as a powered-off server's
    for (const nic of ['hb0', 'hb1', 'pub']) await cluster.net.setLink(2, nic, 'down');
    await cluster.powerOn(1);
    await cluster.waitOrShowLogs([1], async () => {
      const status = await cluster.status(1);
      return status.dc === 'n1' && /wait_for_all/.test(status.membership.quorum.reason ?? '') && (await readFile(cluster.logFile(1), 'utf8')).split('"msg":"this node is DC"').length > 2;
    }, 30_000, 'n1 up alone and waiting for all');
    const fencedBefore = await fencings(1);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.equal(cluster.dummyRunning(1, 'd1'), false, 'no service while waiting');
    assert.equal(await fencings(1), fencedBefore, 'no fencing while waiting');

    const refused = await cli(1, 'quorum', 'unblock');
    assert.equal(refused.exitCode, 64, refused.stderr);
    assert.match(refused.stderr, /--force/);
    assert.match((await cli(1, 'quorum', 'status')).stdout, /Quorate: +No/, 'nothing changed without confirmation');

    const unblocked = await cli(1, 'quorum', 'unblock', '--force');
    assert.equal(unblocked.exitCode, 0, unblocked.stderr);
    assert.match(unblocked.stdout, /wait_for_all lifted/);
    await cluster.waitOrShowLogs([1], () => cluster.dummyRunning(1, 'd1'), 60_000, 'd1 started on n1 after the unblock');
    assert.match((await cli(1, 'quorum', 'status')).stdout, /Quorate: +Yes/);
    const { xml } = await cluster.api(1, 'cib.query') as { xml: string };
    assert.match(xml, /<node_state id="2" uname="n2" in_ccm="false" crmd="offline" join="down" expected="down"/, 'n2 fenced (recorded down) before the start');
    const again = await cli(1, 'quorum', 'unblock', '--force');
    assert.equal(again.exitCode, 0);
    assert.match(again.stdout, /nothing to do/);
  });
});
