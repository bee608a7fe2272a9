/**
 * Two members in network namespaces with two heartbeat links each: they
 * agree on a view; a cut link loses nothing; messages survive a cut link;
 * kill -9 loses the member; a restart rejoins with a new incarnation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { cliPath, NetnsCluster, waitUntil } from './netns-cluster.js';
import type { MemberStatus } from '../../src/membership/member.js';

const peerOf = (status: MemberStatus, name: string) => status.peers.find((peer) => peer.name === name);

describe('two-node membership in network namespaces', () => {
  const cluster = new NetnsCluster({ nodes: 2 });
  before(async () => {
    await cluster.create();
    await cluster.start(1);
    await cluster.start(2);
  });
  after(async () => { await cluster.destroy(); });

  test('both start and agree on one quorate view', async () => {
    await waitUntil(async () => (await cluster.status(1)).view.agreed && (await cluster.status(2)).view.agreed, 10000, 'agreement');
    const [one, two] = [await cluster.status(1), await cluster.status(2)];
    assert.deepEqual(one.view.members, ['n1', 'n2']);
    assert.deepEqual(two.view.members, ['n1', 'n2']);
    assert.equal(one.view.id, two.view.id);
    assert.equal(one.quorum.quorate, true);
    assert.deepEqual(peerOf(one, 'n2')?.links.map((link) => link.state), ['up', 'up']);
    assert.ok(one.events.some((event) => event.type === 'nodeJoined' && event.node === 'n2'));
    const text = await execa(process.execPath, [cliPath, 'membership', 'status', '--socket', cluster.socketPath(1)]);
    assert.match(text.stdout, new RegExp(`view ${one.view.id}: n1 n2 — agreed`));
    assert.match(text.stdout, /n2 \(id 2\) member up {2}hb0=up hb1=up/);
    const json = await execa(process.execPath, [cliPath, 'membership', 'status', '--socket', cluster.socketPath(2), '--output', 'json']);
    assert.deepEqual((JSON.parse(json.stdout) as { view: { members: string[] } }).view.members, ['n1', 'n2']);
  });

  test('cutting one link loses nothing and reports the link down; messages still arrive once, in order', async () => {
    const viewBefore = (await cluster.status(1)).view.id;
    for (let index = 0; index < 20; index++) await cluster.request(1, { cmd: 'send', to: 'n2', payload: `m${index}` });
    await cluster.setLink(2, 'hb0', 'down');
    for (let index = 20; index < 40; index++) await cluster.request(1, { cmd: 'send', to: 'n2', payload: `m${index}` });
    await waitUntil(async () => peerOf(await cluster.status(1), 'n2')?.links[0]?.state === 'down', 10000, 'hb0 down on n1');
    for (let index = 40; index < 60; index++) await cluster.request(1, { cmd: 'send', to: 'n2', payload: `m${index}` });
    await waitUntil(async () => (await cluster.status(2)).delivered.length >= 60, 15000, '60 messages delivered');
    const one = await cluster.status(1);
    assert.deepEqual(one.view.members, ['n1', 'n2']);
    assert.equal(one.view.id, viewBefore);
    assert.equal(one.events.filter((event) => event.type === 'nodeLost').length, 0);
    assert.ok(one.events.some((event) => event.type === 'linkDown' && event.node === 'n2' && event.link === 'hb0'));
    assert.deepEqual(peerOf(one, 'n2')?.links.map((link) => link.state), ['down', 'up']);
    const two = await cluster.status(2);
    assert.deepEqual(two.delivered.map((message) => message.payload), Array.from({ length: 60 }, (_, index) => `m${index}`));
    assert.deepEqual(two.delivered.map((message) => message.sequence), Array.from({ length: 60 }, (_, index) => index + 1));
    assert.equal(one.messaging.peers[0]?.link, 'hb1');
    await cluster.setLink(2, 'hb0', 'up');
    await waitUntil(async () => peerOf(await cluster.status(1), 'n2')?.links[0]?.state === 'up', 10000, 'hb0 up again');
  });

  test('kill -9 of a member: the survivor loses it and installs a new view', async () => {
    const before = await cluster.status(1);
    await cluster.kill(2);
    await waitUntil(async () => (await cluster.status(1)).view.members.length === 1, 10000, 'n2 lost');
    const after = await cluster.status(1);
    assert.deepEqual(after.view.members, ['n1']);
    assert.ok(after.view.id > before.view.id);
    assert.ok(after.events.some((event) => event.type === 'nodeLost' && event.node === 'n2' && event.reason === 'dead'));
    assert.equal(after.quorum.quorate, true, 'two_node: the survivor keeps quorum');
  });

  test('a restarted member rejoins with a new incarnation and both agree', async () => {
    const incarnationBefore = peerOf(await cluster.status(1), 'n2')?.incarnation;
    await cluster.start(2);
    await waitUntil(async () => {
      const [one, two] = [await cluster.status(1), await cluster.status(2)];
      return one.view.members.length === 2 && one.view.agreed && two.view.agreed && one.view.id === two.view.id;
    }, 10000, 'rejoin');
    const one = await cluster.status(1);
    assert.notEqual(peerOf(one, 'n2')?.incarnation, incarnationBefore);
    assert.ok((peerOf(one, 'n2')?.incarnation ?? 0) > (incarnationBefore ?? 0));
    assert.equal(one.events.filter((event) => event.type === 'nodeJoined' && event.node === 'n2').length, 2);
  });
});
