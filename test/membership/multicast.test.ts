/**
 * A multicast heartbeat link: two members in network namespaces with one
 * unicast and one multicast link agree on a view, and stay members over the
 * multicast link alone when the unicast one is cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsCluster, waitUntil } from './netns-cluster.js';

test('heartbeats over a multicast link keep a node alive when the unicast link is cut', async () => {
  const cluster = new NetnsCluster({ nodes: 2, multicastLastLink: true });
  try {
    await cluster.create();
    await cluster.start(1);
    await cluster.start(2);
    await waitUntil(async () => (await cluster.status(1)).peers[0]?.links.every((link) => link.state === 'up') === true, 10000, 'both links up');
    await cluster.setLink(2, 'hb0', 'down');
    await waitUntil(async () => (await cluster.status(1)).peers[0]?.links[0]?.state === 'down', 10000, 'hb0 down');
    const status = await cluster.status(1);
    assert.deepEqual(status.view.members, ['n1', 'n2']);
    assert.equal(status.peers[0]?.links[1]?.name, 'hb1');
    assert.equal(status.peers[0]?.links[1]?.state, 'up');
    assert.equal(status.counters.nodesLost, 0);
    assert.equal(status.counters.dropped.replay, 0, 'one multicast datagram per heartbeat, not one per peer');
  } finally {
    await cluster.destroy();
  }
});
