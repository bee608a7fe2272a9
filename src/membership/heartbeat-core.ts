/**
 * The pure heartbeat core: sends heartbeats through an injected transport,
 * authenticates and de-duplicates what arrives, tracks link and node
 * liveness, the view and quorum, and reports events. Time comes from the
 * injected Clock only; the edge calls `receive` and `tick`.
 */
import type { Clock } from '../clock.js';
import type { MembershipConfig, NodeConfig } from './config.js';
import { LinkLiveness, type LinkState } from './link-liveness.js';
import { decodeHeartbeat, encodeHeartbeat, type DropReason } from './packet.js';
import { computeQuorum, type QuorumState } from './quorum.js';
import { ViewTracker, type PeerAnnouncement, type ViewMember } from './view.js';

/** Sends one datagram to a peer over one link; must not throw. */
export interface HeartbeatTransport {
  send(linkIndex: number, peer: NodeConfig, packet: Buffer): void;
}

export type MembershipEvent =
  | { type: 'linkUp' | 'linkDown' | 'linkFlapping' | 'linkStable'; atMs: number; node: string; link: string }
  | { type: 'nodeJoined'; atMs: number; node: string; incarnation: number }
  | { type: 'nodeLost'; atMs: number; node: string; incarnation: number; reason: 'dead' | 'restarted' }
  | { type: 'viewChanged'; atMs: number; viewId: number; members: string[] }
  | { type: 'viewAgreed'; atMs: number; viewId: number; members: string[] }
  | { type: 'viewDisagreement'; atMs: number; viewId: number; peers: Array<{ node: string; viewId: number; members: string[] }> }
  | { type: 'quorumChanged'; atMs: number; quorate: boolean; votes: number; expectedVotes: number }
  | { type: 'deathSuppressed'; atMs: number; node: string; lagMs: number };

export interface LinkStatus { name: string; state: LinkState; flapping: boolean; silentMs: number | null }
/** Node liveness: up when a link is up, warn when the best link is in warn, down when every link is down. */
export interface PeerStatus { name: string; id: number; member: boolean; state: LinkState; incarnation: number | null; links: LinkStatus[]; viewId: number | null }

export interface CoreStatus {
  cluster: string;
  node: string;
  nodeId: number;
  incarnation: number;
  forming: boolean;
  view: { id: number; members: string[]; agreed: boolean };
  quorum: QuorumState;
  peers: PeerStatus[];
  counters: { sent: number; received: number; dropped: Record<DropReason, number>; deathsSuppressed: number; nodesLost: number; viewChanges: number };
  /** Largest loop lag of the heartbeat thread seen within the last deadtime. */
  lagInWindowMs: number;
}

interface PeerState {
  node: NodeConfig;
  incarnation: number | undefined;
  links: LinkLiveness[];
  lastSequence: Array<number | undefined>;
  member: boolean;
  announcement: PeerAnnouncement | undefined;
  suppressedReported: boolean;
}

export interface CoreOptions {
  config: MembershipConfig;
  self: NodeConfig;
  key: Buffer;
  incarnation: number;
  clock: Clock;
  transport: HeartbeatTransport;
  onEvent: (event: MembershipEvent) => void;
}

export class HeartbeatCore {
  private readonly config: MembershipConfig;
  private readonly peers = new Map<number, PeerState>();
  private readonly view = new ViewTracker();
  private readonly startedMs: number;
  private readonly sequences: number[];
  private lastSentMs = -Infinity;
  private forming = true;
  private allSeenOnce = false;
  private viewInstalledMs = 0;
  private quorum: QuorumState;
  private lags: Array<{ atMs: number; lagMs: number }> = [];
  private readonly counters: CoreStatus['counters'] = {
    sent: 0, received: 0, deathsSuppressed: 0, nodesLost: 0, viewChanges: 0,
    dropped: { truncated: 0, oversized: 0, garbage: 0, version: 0, otherCluster: 0, badMac: 0, unknownNode: 0, replay: 0 },
  };

  constructor(private readonly options: CoreOptions) {
    this.config = options.config;
    this.startedMs = options.clock.monotonicMs();
    this.sequences = options.config.links.map(() => 0);
    const timings = {
      warntimeMs: this.config.warntimeMs, deadtimeMs: this.config.deadtimeMs,
      flapCount: this.config.flapCount, flapWindowMs: this.config.flapWindowMs, holdMs: this.config.deadtimeMs * 2,
    };
    for (const node of this.config.nodes) {
      if (node.id === options.self.id) continue;
      this.peers.set(node.id, {
        node, incarnation: undefined, member: false, announcement: undefined, suppressedReported: false,
        links: this.config.links.map(() => new LinkLiveness(timings)),
        lastSequence: this.config.links.map(() => undefined),
      });
    }
    this.quorum = computeQuorum(this.config.quorum, [], false);
  }

  /** Handles one datagram that arrived on link `linkIndex`. Never throws. */
  receive(linkIndex: number, packet: Buffer): void {
    const decoded = decodeHeartbeat(packet, this.options.key, this.config.clusterId);
    if (!decoded.ok) { this.counters.dropped[decoded.reason]++; return; }
    const heartbeat = decoded.heartbeat;
    if (heartbeat.nodeId === this.options.self.id) return; // our own multicast
    const peer = this.peers.get(heartbeat.nodeId);
    if (!peer) { this.counters.dropped.unknownNode++; return; }
    if (heartbeat.linkIndex !== linkIndex || !peer.links[linkIndex]) { this.counters.dropped.garbage++; return; }
    const now = this.options.clock.monotonicMs();
    if (peer.incarnation !== undefined && heartbeat.incarnation < peer.incarnation) { this.counters.dropped.replay++; return; }
    if (peer.incarnation !== undefined && heartbeat.incarnation > peer.incarnation) this.restarted(peer);
    const last = peer.lastSequence[linkIndex];
    if (peer.incarnation === heartbeat.incarnation && last !== undefined && heartbeat.sequence <= last) { this.counters.dropped.replay++; return; }
    peer.incarnation = heartbeat.incarnation;
    peer.lastSequence[linkIndex] = heartbeat.sequence;
    this.counters.received++;
    const previous = peer.announcement;
    const changed = !previous || previous.viewId !== heartbeat.viewId || !previous.digest.equals(heartbeat.digest);
    peer.announcement = { viewId: heartbeat.viewId, digest: heartbeat.digest, members: heartbeat.members, sinceMs: changed ? now : (previous?.sinceMs ?? now) };
    const link = peer.links[linkIndex];
    if (link?.heard(now) === 'up') this.emit({ type: 'linkUp', node: peer.node.name, link: this.linkName(linkIndex) });
    if (!peer.member && link?.state !== 'down') this.joined(peer);
    if (peer.member && this.view.adopt(peer.announcement)) this.emitView('viewChanged');
  }

  /**
   * Sends heartbeats when keepalive is due and re-evaluates liveness.
   * `loopLagMs` is how late the caller's loop ran this tick; while the lag
   * within the last deadtime exceeds half of it, no peer is declared dead.
   */
  tick(loopLagMs = 0): void {
    const now = this.options.clock.monotonicMs();
    if (loopLagMs > 0) this.lags.push({ atMs: now, lagMs: loopLagMs });
    this.lags = this.lags.filter((lag) => now - lag.atMs <= this.config.deadtimeMs);
    const lagInWindowMs = this.lagInWindowMs();
    const mayDeclareDown = lagInWindowMs <= this.config.deadtimeMs / 2;
    if (now - this.lastSentMs >= this.config.keepaliveMs) this.sendHeartbeats(now);
    for (const peer of this.peers.values()) {
      peer.links.forEach((link, index) => {
        const wouldDie = link.state !== 'down' && link.lastHeardMs !== undefined && now - link.lastHeardMs > this.config.deadtimeMs;
        if (wouldDie && !mayDeclareDown && !peer.suppressedReported) {
          peer.suppressedReported = true;
          this.counters.deathsSuppressed++;
          this.emit({ type: 'deathSuppressed', node: peer.node.name, lagMs: Math.round(lagInWindowMs) });
        }
        const transition = link.evaluate(now, mayDeclareDown);
        const name = this.linkName(index);
        if (transition === 'up') this.emit({ type: 'linkUp', node: peer.node.name, link: name });
        if (transition === 'down' || transition === 'flapping') this.emit({ type: 'linkDown', node: peer.node.name, link: name });
        if (transition === 'flapping') this.emit({ type: 'linkFlapping', node: peer.node.name, link: name });
        if (transition === 'stable') this.emit({ type: 'linkStable', node: peer.node.name, link: name });
      });
      if (mayDeclareDown) peer.suppressedReported = false;
      const alive = peer.links.some((link) => link.state !== 'down');
      if (alive && !peer.member && peer.incarnation !== undefined) this.joined(peer);
      if (!alive && peer.member) this.lost(peer, 'dead');
    }
    if (this.forming && (now - this.startedMs >= this.config.initdeadMs || [...this.peers.values()].every((peer) => peer.member))) {
      this.forming = false;
      this.reconsiderView();
    }
    this.checkAgreement(now);
  }

  status(): CoreStatus {
    const now = this.options.clock.monotonicMs();
    return {
      cluster: this.config.clusterName,
      node: this.options.self.name,
      nodeId: this.options.self.id,
      incarnation: this.options.incarnation,
      forming: this.forming,
      view: { id: this.view.viewId, members: this.memberNames(), agreed: this.view.agreed },
      quorum: this.quorum,
      peers: [...this.peers.values()].map((peer) => ({
        name: peer.node.name, id: peer.node.id, member: peer.member, incarnation: peer.incarnation ?? null,
        state: peer.links.some((link) => link.state === 'up') ? 'up' : peer.links.some((link) => link.state === 'warn') ? 'warn' : 'down',
        viewId: peer.announcement?.viewId ?? null,
        links: peer.links.map((link, index) => ({
          name: this.linkName(index), state: link.state, flapping: link.flapping,
          silentMs: link.lastHeardMs === undefined ? null : Math.round(now - link.lastHeardMs),
        })),
      })),
      counters: structuredClone(this.counters),
      lagInWindowMs: Math.round(this.lagInWindowMs()),
    };
  }

  private lagInWindowMs(): number {
    return this.lags.reduce((sum, lag) => sum + lag.lagMs, 0);
  }

  private sendHeartbeats(now: number): void {
    this.lastSentMs = now;
    const members = this.view.members.map((member) => member.id);
    for (const link of this.config.links) {
      if (this.options.self.endpoints[link.name] === undefined) continue;
      const sequence = ++this.sequences[link.index]!;
      const packet = encodeHeartbeat({
        clusterId: this.config.clusterId, nodeId: this.options.self.id, linkIndex: link.index,
        incarnation: this.options.incarnation, sequence, sendTimeMs: this.options.clock.nowMs(),
        viewId: this.view.viewId, digest: this.view.digest, members,
      }, this.options.key);
      for (const peer of this.peers.values()) {
        if (peer.node.endpoints[link.name] === undefined) continue;
        this.options.transport.send(link.index, peer.node, packet);
        this.counters.sent++;
      }
    }
  }

  private restarted(peer: PeerState): void {
    if (peer.member) this.lost(peer, 'restarted');
    for (const link of peer.links) link.reset();
    peer.lastSequence = peer.lastSequence.map(() => undefined);
    peer.announcement = undefined;
  }

  private joined(peer: PeerState): void {
    peer.member = true;
    this.emit({ type: 'nodeJoined', node: peer.node.name, incarnation: peer.incarnation ?? 0 });
    this.reconsiderView();
  }

  private lost(peer: PeerState, reason: 'dead' | 'restarted'): void {
    peer.member = false;
    this.counters.nodesLost++;
    this.emit({ type: 'nodeLost', node: peer.node.name, incarnation: peer.incarnation ?? 0, reason });
    this.reconsiderView();
  }

  private reconsiderView(): void {
    if (this.forming) return;
    const members: ViewMember[] = [{ id: this.options.self.id, incarnation: this.options.incarnation }];
    const peerViewIds: number[] = [];
    for (const peer of this.peers.values()) {
      if (!peer.member) continue;
      members.push({ id: peer.node.id, incarnation: peer.incarnation ?? 0 });
      if (peer.announcement) peerViewIds.push(peer.announcement.viewId);
    }
    if (!this.view.install(members, peerViewIds)) return;
    this.viewInstalledMs = this.options.clock.monotonicMs();
    if (members.length === this.config.nodes.length) this.allSeenOnce = true;
    this.emitView('viewChanged');
    this.recomputeQuorum();
  }

  private recomputeQuorum(): void {
    const votes = this.view.members.map((member) => this.config.nodes.find((node) => node.id === member.id)?.votes ?? 0);
    const quorum = computeQuorum(this.config.quorum, votes, this.allSeenOnce);
    if (quorum.quorate !== this.quorum.quorate || quorum.votes !== this.quorum.votes) {
      this.quorum = quorum;
      this.emit({ type: 'quorumChanged', quorate: quorum.quorate, votes: quorum.votes, expectedVotes: quorum.expectedVotes });
    }
    this.quorum = quorum;
  }

  /**
   * The admin says the nodes not seen since start are down (corosync's
   * cancel_wait_for_all, `pcs quorum unblock`): wait_for_all no longer holds
   * quorum back. Returns whether it was holding quorum back.
   */
  cancelWaitForAll(): boolean {
    if (this.allSeenOnce) return false;
    this.allSeenOnce = true;
    if (!this.forming) this.recomputeQuorum();
    return true;
  }

  private checkAgreement(now: number): void {
    if (this.forming) return;
    const announcements = new Map<number, PeerAnnouncement | undefined>();
    for (const peer of this.peers.values()) {
      if (!peer.member) continue;
      announcements.set(peer.node.id, peer.announcement && { ...peer.announcement, sinceMs: Math.max(peer.announcement.sinceMs, this.viewInstalledMs) });
    }
    const result = this.view.checkAgreement(announcements, now, this.config.deadtimeMs);
    if (result.becameAgreed) this.emitView('viewAgreed');
    if (result.disagreeing.length > 0) {
      this.emit({
        type: 'viewDisagreement', viewId: this.view.viewId,
        peers: result.disagreeing.map((id) => {
          const peer = this.peers.get(id);
          return { node: peer?.node.name ?? String(id), viewId: peer?.announcement?.viewId ?? 0, members: (peer?.announcement?.members ?? []).map((member) => this.nodeName(member)) };
        }),
      });
    }
  }

  private emitView(type: 'viewChanged' | 'viewAgreed'): void {
    if (type === 'viewChanged') this.counters.viewChanges++;
    this.emit({ type, viewId: this.view.viewId, members: this.memberNames() });
  }

  private memberNames(): string[] {
    return this.view.members.map((member) => this.nodeName(member.id));
  }

  private nodeName(id: number): string {
    return this.config.nodes.find((node) => node.id === id)?.name ?? String(id);
  }

  private linkName(index: number): string {
    return this.config.links[index]?.name ?? String(index);
  }

  private emit(event: DistributiveOmit<MembershipEvent, 'atMs'>): void {
    this.options.onEvent({ ...event, atMs: this.options.clock.nowMs() } as MembershipEvent);
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
