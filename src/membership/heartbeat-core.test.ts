import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../clock.js';
import type { MembershipConfig } from './config.js';
import { HeartbeatCore, type MembershipEvent } from './heartbeat-core.js';
import { sampleConfig } from './test-fixtures.js';

/** A simulated cluster: one core per node, one clock, a lossless network whose links can be cut. */
class SimCluster {
  readonly clock = new ManualClock(1_764_000_000_000, 0);
  readonly key = randomBytes(32);
  readonly cores = new Map<number, HeartbeatCore>();
  readonly events = new Map<number, MembershipEvent[]>();
  /** "nodeId:linkIndex" of cut NIC ends. */
  readonly cut = new Set<string>();
  private incarnations = 1;
  /** Sees every delivered datagram. */
  tap: (to: number, linkIndex: number, packet: Buffer) => void = () => undefined;

  constructor(readonly config: MembershipConfig) {
    for (const node of config.nodes) this.start(node.id);
  }

  start(id: number): void {
    const self = this.config.nodes.find((node) => node.id === id)!;
    this.events.set(id, []);
    this.cores.set(id, new HeartbeatCore({
      config: this.config, self, key: this.key, incarnation: this.incarnations++, clock: this.clock,
      onEvent: (event) => this.events.get(id)!.push(event),
      transport: {
        send: (linkIndex, peer, packet) => {
          if (this.cut.has(`${id}:${linkIndex}`) || this.cut.has(`${peer.id}:${linkIndex}`)) return;
          // delivered at once: the receiving core is looked up at send time
          this.tap(peer.id, linkIndex, packet);
          this.cores.get(peer.id)?.receive(linkIndex, packet);
        },
      },
    }));
  }

  run(ms: number, lagOf: (id: number) => number = () => 0): void {
    for (let elapsed = 0; elapsed < ms; elapsed += 50) {
      this.clock.advance(50);
      for (const [id, core] of this.cores) core.tick(lagOf(id));
    }
  }

  status(id: number) { return this.cores.get(id)!.status(); }
  of(id: number, type: MembershipEvent['type']): MembershipEvent[] { return this.events.get(id)!.filter((event) => event.type === type); }
}

test('two nodes form one agreed, quorate view', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  for (const id of [1, 2]) {
    const status = sim.status(id);
    assert.equal(status.forming, false);
    assert.deepEqual(status.view.members, ['n1', 'n2']);
    assert.equal(status.view.agreed, true);
    assert.equal(status.quorum.quorate, true);
    assert.equal(status.peers[0]?.links.every((link) => link.state === 'up'), true);
  }
  assert.equal(sim.status(1).view.id, sim.status(2).view.id);
  assert.equal(sim.of(1, 'viewAgreed').length, 1);
});

test('a silent peer is lost after deadtime; survivors agree on the new view (3 nodes)', () => {
  const sim = new SimCluster(sampleConfig(3));
  sim.run(500);
  sim.cores.delete(3);
  sim.run(sim.config.deadtimeMs - 200);
  assert.deepEqual(sim.status(1).view.members, ['n1', 'n2', 'n3']);
  sim.run(400);
  for (const id of [1, 2]) {
    assert.deepEqual(sim.status(id).view.members, ['n1', 'n2']);
    assert.equal(sim.of(id, 'nodeLost').length, 1);
    assert.equal(sim.status(id).quorum.quorate, true);
  }
  sim.run(200);
  assert.equal(sim.status(1).view.id, sim.status(2).view.id);
  assert.equal(sim.status(1).view.agreed, true);
});

test('one link cut: nothing lost, the link is reported down', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  sim.cut.add('2:0');
  sim.run(2000);
  assert.deepEqual(sim.status(1).view.members, ['n1', 'n2']);
  assert.equal(sim.of(1, 'nodeLost').length, 0);
  assert.deepEqual(sim.status(1).peers[0]?.links.map((link) => link.state), ['down', 'up']);
  assert.equal(sim.of(1, 'linkDown').length, 1);
});

test('all links cut: lost; two_node keeps quorum on both sides', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  sim.cut.add('2:0').add('2:1');
  sim.run(1500);
  assert.deepEqual(sim.status(1).view.members, ['n1']);
  assert.deepEqual(sim.status(2).view.members, ['n2']);
  assert.equal(sim.status(1).quorum.quorate, true);
});

test('a lagging loop never declares a peer dead; a real death is still seen after the lag', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  sim.cores.delete(2);
  // node 1's own loop lags 100 ms on every 50 ms tick: more than half the deadtime per window
  sim.run(3000, () => 100);
  assert.equal(sim.of(1, 'nodeLost').length, 0);
  assert.equal(sim.status(1).counters.deathsSuppressed, 1);
  sim.run(sim.config.deadtimeMs + 100);
  assert.equal(sim.of(1, 'nodeLost').length, 1);
});

test('a restarted peer is a new member with a new incarnation', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  const before = sim.status(1).peers[0]?.incarnation;
  sim.start(2);
  sim.run(500);
  const lost = sim.of(1, 'nodeLost');
  assert.equal(lost.length, 1);
  assert.equal(lost[0]?.type === 'nodeLost' && lost[0].reason, 'restarted');
  assert.notEqual(sim.status(1).peers[0]?.incarnation, before);
  assert.deepEqual(sim.status(1).view.members, ['n1', 'n2']);
  assert.equal(sim.status(1).view.agreed, true);
});

test('replays and foreign packets are dropped and counted', () => {
  const sim = new SimCluster(sampleConfig(2));
  let captured: Buffer | undefined;
  const core = sim.cores.get(1)!;
  sim.tap = (to, linkIndex, packet) => { if (to === 1 && linkIndex === 0) captured ??= packet; };
  sim.run(100);
  core.receive(0, captured!);
  core.receive(0, randomBytes(80));
  assert.equal(core.status().counters.dropped.replay, 1);
  assert.equal(core.status().counters.dropped.garbage, 1);
});

test('a flapping link is damped and reported', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  for (let flap = 0; flap < 3; flap++) {
    sim.cut.add('2:0');
    sim.run(1500);
    sim.cut.delete('2:0');
    sim.run(300);
  }
  assert.equal(sim.of(1, 'linkFlapping').length, 1);
  assert.equal(sim.status(1).peers[0]?.links[0]?.state, 'down');
  sim.run(2500);
  assert.equal(sim.status(1).peers[0]?.links[0]?.state, 'up');
  assert.equal(sim.of(1, 'nodeLost').length, 0);
});

test('silence longer than warntime is warn, not loss', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.run(500);
  sim.cut.add('2:0').add('2:1');
  sim.run(sim.config.warntimeMs + 150);
  const peer = sim.status(1).peers[0];
  assert.equal(peer?.state, 'warn');
  assert.equal(peer?.member, true);
  sim.cut.clear();
  sim.run(200);
  assert.equal(sim.status(1).peers[0]?.state, 'up');
  assert.equal(sim.of(1, 'nodeLost').length, 0);
});

test('members that see different member sets report the disagreement', () => {
  const sim = new SimCluster(sampleConfig(3));
  sim.run(500);
  // n3 hears nobody on any link but n1 and n2 still hear n3: an asymmetric cut
  const original = sim.cores.get(3)!;
  sim.cores.set(3, { receive: () => undefined, tick: (lag: number) => original.tick(lag), status: () => original.status() } as unknown as HeartbeatCore);
  sim.run(3000);
  assert.deepEqual(sim.status(3).view.members, ['n3']);
  assert.deepEqual(sim.status(1).view.members, ['n1', 'n2', 'n3']);
  assert.equal(sim.status(1).view.agreed, false);
  const reported = sim.of(1, 'viewDisagreement');
  assert.equal(reported.length, 1);
  assert.equal(reported[0]?.type === 'viewDisagreement' && reported[0].peers[0]?.node, 'n3');
});

test('wait_for_all: a node alone since its start is not quorate until the admin cancels the wait', () => {
  const sim = new SimCluster(sampleConfig(2));
  sim.cut.add('2:0').add('2:1');
  sim.run(5000);
  const alone = sim.status(1);
  assert.deepEqual(alone.view.members, ['n1']);
  assert.equal(alone.quorum.quorate, false);
  assert.match(alone.quorum.reason ?? '', /wait_for_all/);
  assert.equal(sim.cores.get(1)!.cancelWaitForAll(), true);
  assert.equal(sim.status(1).quorum.quorate, true);
  assert.ok(sim.of(1, 'quorumChanged').some((event) => event.type === 'quorumChanged' && event.quorate));
  assert.equal(sim.cores.get(1)!.cancelWaitForAll(), false, 'once lifted, nothing more to lift');
});
