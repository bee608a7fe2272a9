/**
 * Without fencing, the ping tiebreaker decides: two tandemd with a ping
 * target, stonith disabled, no-quorum-policy stop (the default). When the
 * node running the Dummy loses every link (heartbeats and the public one),
 * it is the isolated side: it counts itself without quorum and stops the
 * Dummy itself, while the other side, which still reaches the ping target,
 * starts it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TandemdCluster, waitUntil } from './tandemd-cluster.js';


describe('controller without fencing: the isolated side stops, the other takes over', () => {
  const cluster = new TandemdCluster(2, { pingTarget: true });
  const where = (node: number): Promise<string[]> => cluster.runningOn(node, 'd1');

  before(() => cluster.startAgreed([1, 2]));
  after(async () => {
    await cluster.destroy();
  });

  test('all links of the Dummy\'s node cut: it stops there and starts on the connected node', async () => {
    await cluster.replaceConfiguration({ 'stonith-enabled': 'false' }, [`<primitive id="d1" class="ocf" provider="tandem" type="Dummy">
      <operations><op id="d1-monitor-1s" name="monitor" interval="1s" timeout="10s"/></operations>
    </primitive>`]);
    await waitUntil(async () => (await where(1)).length === 1, 20_000, 'd1 running');
    const [node] = await where(1);
    const cut = node === 'n1' ? 1 : 2;
    const connected = cut === 1 ? 2 : 1;
    for (const nic of ['hb0', 'hb1', 'pub']) await cluster.net.setLink(cut, nic, 'down');
    await waitUntil(() => !cluster.dummyRunning(cut, 'd1') && cluster.dummyRunning(connected, 'd1'), 30_000, 'd1 stopped on the isolated node and started on the connected one');
    const isolatedStatus = await cluster.status(cut);
    assert.equal(isolatedStatus.membership.isolated, true);
    assert.equal((await cluster.status(connected)).membership.isolated, false);
    await waitUntil(async () => (await where(cut)).length === 0, 10_000, 'the isolated node records d1 stopped');
  });
});
