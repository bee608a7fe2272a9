/**
 * Three members in network namespaces: agreement, kill -9 of one, restart,
 * and a node cut off from every heartbeat link and the ping target, which
 * must report itself isolated while the others see it lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster, waitUntil } from './netns-cluster.js';

describe('three-node membership in network namespaces', () => {
  const cluster = new NetnsCluster({ nodes: 3, pingTarget: true });
  const all = async () => Promise.all([1, 2, 3].map((node) => cluster.status(node)));
  before(async () => {
    await cluster.create();
    for (const node of [1, 2, 3]) await cluster.start(node);
  });
  after(async () => { await cluster.destroy(); });

  test('three members agree on one view', async () => {
    await waitUntil(async () => (await all()).every((status) => status.view.agreed && status.view.members.length === 3), 10000, 'agreement');
    const statuses = await all();
    assert.equal(new Set(statuses.map((status) => status.view.id)).size, 1);
    for (const status of statuses) {
      assert.deepEqual(status.view.members, ['n1', 'n2', 'n3']);
      assert.equal(status.quorum.quorate, true);
    }
  });

  test('kill -9 of one: the other two lose it and agree on the new view', async () => {
    const viewBefore = (await cluster.status(1)).view.id;
    await cluster.kill(3);
    await waitUntil(async () => {
      const [one, two] = [await cluster.status(1), await cluster.status(2)];
      return one.view.members.length === 2 && two.view.members.length === 2 && one.view.agreed && two.view.agreed && one.view.id === two.view.id;
    }, 10000, 'n3 lost by both');
    for (const node of [1, 2]) {
      const status = await cluster.status(node);
      assert.deepEqual(status.view.members, ['n1', 'n2']);
      assert.ok(status.view.id > viewBefore);
      assert.ok(status.events.some((event) => event.type === 'nodeLost' && event.node === 'n3'));
      assert.equal(status.quorum.quorate, true);
    }
  });

  test('restart: n3 rejoins with a new incarnation', async () => {
    const incarnationBefore = (await cluster.status(1)).peers.find((peer) => peer.name === 'n3')?.incarnation ?? 0;
    await cluster.start(3);
    await waitUntil(async () => {
      const statuses = await all();
      return statuses.every((status) => status.view.agreed && status.view.members.length === 3) && new Set(statuses.map((status) => status.view.id)).size === 1;
    }, 10000, 'rejoin');
    const incarnationAfter = (await cluster.status(1)).peers.find((peer) => peer.name === 'n3')?.incarnation ?? 0;
    assert.ok(incarnationAfter > incarnationBefore);
  });

  test('all links of n3 cut: the others lose it; n3 reports itself isolated, n1 does not', async () => {
    await waitUntil(async () => (await all()).every((status) => status.ping !== null && !status.isolated), 10000, 'first ping round');
    for (const nic of ['hb0', 'hb1', 'pub']) await cluster.setLink(3, nic, 'down');
    await waitUntil(async () => {
      const [one, two, three] = await all();
      return one?.view.members.length === 2 && two?.view.members.length === 2 && three?.view.members.length === 1 && three.isolated;
    }, 15000, 'n3 lost and isolated');
    const [one, two, three] = await all();
    assert.deepEqual(one?.view.members, ['n1', 'n2']);
    assert.equal(one?.view.id, two?.view.id);
    assert.equal(one?.isolated, false);
    assert.equal(one?.ping?.pingd, 1000);
    assert.equal(three?.isolated, true);
    assert.equal(three?.ping?.pingd, 0);
    assert.equal(three?.quorum.quorate, false, 'one of three votes is no quorum');
    assert.ok(three?.events.some((event) => event.type === 'quorumChanged' && !event.quorate));
    assert.deepEqual(three?.peers.flatMap((peer) => peer.links.map((link) => link.state)), ['down', 'down', 'down', 'down']);
  });
});
