/**
 * Reliable messaging between members over TCP: each member connects to each
 * peer for its own outgoing messages, over the first link that the heartbeat
 * layer reports live, after a handshake that proves both ends hold the
 * cluster key. When the connection breaks, or its link goes down, it
 * reconnects over another live link and resends what was not acknowledged;
 * the receiver drops duplicates, so nothing is delivered twice or out of order.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { MembershipConfig, NodeConfig } from './config.js';
import type { PeerStatus } from './heartbeat-core.js';
import { encodeFrame, FrameReader, sessionKey, type Frame } from './message-frames.js';
import { ReliableInbox, ReliableOutbox } from './reliable-stream.js';
import { NoSuchObjectError } from '../errors.js';

/**
 * A delivered message. `viewId` is the sender's view when it sent; `stale` is
 * true when that is older than the receiver's view at delivery, so a consumer
 * never acts on a message from a member that stalled through a view change.
 */
export interface DeliveredMessage { from: string; sequence: number; viewId: number; stale: boolean; payload: unknown; atMs: number }
export interface MessengerStatus { peers: Array<{ node: string; connected: boolean; link: string | null; pending: number; reconnects: number; delivered: number | null }> }

export interface MessengerOptions {
  config: MembershipConfig;
  self: NodeConfig;
  key: Buffer;
  incarnation: number;
  log: Logger;
  currentViewId: () => number;
  deliver: (message: DeliveredMessage) => void;
}

const reconnectDelayMs = 100;
const connectTimeoutMs = 2000;

interface Outgoing {
  node: NodeConfig;
  outbox: ReliableOutbox<{ view: number; payload: unknown }>;
  socket: Socket | undefined;
  sessionKey: Buffer | undefined;
  linkIndex: number | undefined;
  /** Rotates the starting link after a failure, so a broken link is not retried first. */
  failures: number;
  reconnects: number;
  timer: NodeJS.Timeout | undefined;
}

export class Messenger {
  private readonly servers: Server[] = [];
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly inboxes = new Map<number, ReliableInbox>();
  private readonly incoming = new Set<Socket>();
  private liveness = new Map<string, PeerStatus>();
  private stopped = false;

  constructor(private readonly options: MessengerOptions) {
    for (const node of options.config.nodes) {
      if (node.id === options.self.id) continue;
      this.outgoing.set(node.name, { node, outbox: new ReliableOutbox(), socket: undefined, sessionKey: undefined, linkIndex: undefined, failures: 0, reconnects: 0, timer: undefined });
    }
  }

  private messageLinks(): number[] {
    return this.options.config.links.filter((link) => link.transport !== 'serial').map((link) => link.index);
  }

  /** Listens on this node's address of every IP link. A link whose address cannot be bound is logged and skipped. */
  async start(): Promise<void> {
    for (const index of this.messageLinks()) {
      const link = this.options.config.links[index];
      const address = link && this.options.self.endpoints[link.name];
      if (!link || address === undefined) continue;
      const server = createServer((socket) => this.accept(socket));
      try {
        await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(this.options.config.messagePort, address, () => resolve()); });
        server.on('error', (error) => this.options.log.warn({ err: error, link: link.name }, 'messaging listener error'));
        this.servers.push(server);
      } catch (error) {
        this.options.log.warn({ err: error, link: link.name, address }, 'messaging cannot listen on this link');
      }
    }
  }

  /**
   * Queues a message for `to`; it is delivered once, in order, when a link is up.
   * @throws NoSuchObjectError when `to` is not a peer.
   */
  send(to: string, payload: unknown): number {
    const peer = this.outgoing.get(to);
    if (!peer) throw new NoSuchObjectError(`no peer named '${to}'`, { node: to });
    const message = peer.outbox.enqueue({ view: this.options.currentViewId(), payload });
    if (peer.socket && peer.sessionKey) peer.socket.write(encodeFrame({ t: 'msg', seq: message.sequence, view: message.payload.view, payload }, peer.sessionKey));
    else this.connectSoon(peer, 0);
    return message.sequence;
  }

  /** Takes the heartbeat layer's per-link states; drops a connection whose link went down. */
  updateLiveness(peers: PeerStatus[]): void {
    this.liveness = new Map(peers.map((peer) => [peer.name, peer]));
    for (const peer of this.outgoing.values()) {
      const state = peer.linkIndex === undefined ? undefined : this.liveness.get(peer.node.name)?.links[peer.linkIndex]?.state;
      if (peer.socket && state === 'down') this.drop(peer, 'link down');
      if (!peer.socket && peer.outbox.pending > 0) this.connectSoon(peer, 0);
    }
  }

  status(): MessengerStatus {
    return {
      peers: [...this.outgoing.values()].map((peer) => ({
        node: peer.node.name, connected: peer.sessionKey !== undefined, pending: peer.outbox.pending, reconnects: peer.reconnects,
        link: peer.linkIndex === undefined || !peer.sessionKey ? null : (this.options.config.links[peer.linkIndex]?.name ?? null),
        delivered: this.inboxes.get(peer.node.id)?.delivered ?? null,
      })),
    };
  }

  private pickLink(peer: Outgoing): number | undefined {
    const status = this.liveness.get(peer.node.name);
    const candidates = this.messageLinks().filter((index) => {
      const link = this.options.config.links[index];
      return link && peer.node.endpoints[link.name] !== undefined && this.options.self.endpoints[link.name] !== undefined
        && (status?.links[index]?.state ?? 'down') !== 'down';
    });
    if (candidates.length === 0) return undefined;
    return candidates[peer.failures % candidates.length];
  }

  private connectSoon(peer: Outgoing, delayMs: number): void {
    if (this.stopped || peer.socket || peer.timer) return;
    peer.timer = setTimeout(() => { peer.timer = undefined; this.connect(peer); }, delayMs);
  }

  private connect(peer: Outgoing): void {
    if (this.stopped || peer.socket) return;
    const linkIndex = this.pickLink(peer);
    if (linkIndex === undefined) return; // retried on the next liveness update
    const link = this.options.config.links[linkIndex];
    const host = link && peer.node.endpoints[link.name];
    const localAddress = link && this.options.self.endpoints[link.name];
    if (!link || !host) return;
    peer.linkIndex = linkIndex;
    peer.reconnects++;
    const socket = createConnection({ host, port: this.options.config.messagePort, localAddress, timeout: connectTimeoutMs });
    peer.socket = socket;
    socket.setNoDelay(true);
    const clientNonce = randomBytes(16).toString('hex');
    const reader = new FrameReader(this.options.key);
    socket.on('connect', () => {
      socket.setTimeout(0);
      socket.write(encodeFrame({ t: 'hello', cluster: this.options.config.clusterId, from: this.options.self.id, to: peer.node.id, incarnation: this.options.incarnation, nonce: clientNonce }, this.options.key));
    });
    socket.on('timeout', () => socket.destroy());
    socket.on('error', (error) => this.options.log.debug({ err: error, peer: peer.node.name, link: link.name }, 'messaging connection error'));
    socket.on('close', () => {
      if (peer.socket !== socket) return;
      peer.socket = undefined;
      peer.sessionKey = undefined;
      peer.failures++;
      if (peer.outbox.pending > 0 || !this.stopped) this.connectSoon(peer, reconnectDelayMs);
    });
    socket.on('data', (chunk) => {
      reader.append(chunk);
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        if (frame === 'bad') { socket.destroy(); return; }
        if (frame.t === 'welcome' && !peer.sessionKey) {
          if (frame.echo !== clientNonce || frame.from !== peer.node.id) { socket.destroy(); return; }
          socket.write(encodeFrame({ t: 'start', echo: frame.nonce, first: peer.outbox.firstPending() }, this.options.key));
          peer.sessionKey = sessionKey(this.options.key, clientNonce, frame.nonce);
          reader.key = peer.sessionKey;
          this.options.log.info({ peer: peer.node.name, link: link.name, resend: peer.outbox.pending }, 'messaging connected');
          for (const message of peer.outbox.resumeAfter(frame.delivered)) {
            socket.write(encodeFrame({ t: 'msg', seq: message.sequence, view: message.payload.view, payload: message.payload.payload }, peer.sessionKey));
          }
        } else if (frame.t === 'ack' && peer.sessionKey) {
          peer.outbox.acknowledge(frame.seq);
        } else {
          socket.destroy();
          return;
        }
      }
    });
  }

  private drop(peer: Outgoing, reason: string): void {
    this.options.log.info({ peer: peer.node.name, reason }, 'messaging connection dropped');
    peer.socket?.destroy();
  }

  /** Server side of a connection: handshake, then deliver in order and acknowledge. */
  private accept(socket: Socket): void {
    this.incoming.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader(this.options.key);
    const serverNonce = randomBytes(16).toString('hex');
    let clientNonce: string | undefined;
    let inbox: ReliableInbox | undefined;
    let from: NodeConfig | undefined;
    let session: Buffer | undefined;
    // an unauthenticated connection gets a few seconds to prove itself
    const handshakeTimer = setTimeout(() => { if (!session) socket.destroy(); }, 5000);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => { clearTimeout(handshakeTimer); this.incoming.delete(socket); });
    socket.on('data', (chunk) => {
      reader.append(chunk);
      for (let frame: Frame | 'bad' | undefined = reader.next(); frame !== undefined; frame = reader.next()) {
        if (frame === 'bad') { socket.destroy(); return; }
        if (frame.t === 'hello' && !clientNonce) {
          from = this.options.config.nodes.find((node) => node.id === frame.from && node.id !== this.options.self.id);
          if (!from || frame.cluster !== this.options.config.clusterId || frame.to !== this.options.self.id) { socket.destroy(); return; }
          clientNonce = frame.nonce;
          let known = this.inboxes.get(from.id);
          if (!known) { known = new ReliableInbox(); this.inboxes.set(from.id, known); }
          inbox = known;
          socket.write(encodeFrame({ t: 'welcome', from: this.options.self.id, incarnation: this.options.incarnation, nonce: serverNonce, echo: clientNonce, delivered: inbox.hello(frame.incarnation) }, this.options.key));
        } else if (frame.t === 'start' && clientNonce && !session) {
          if (frame.echo !== serverNonce) { socket.destroy(); return; }
          inbox?.start(frame.first);
          session = sessionKey(this.options.key, clientNonce, serverNonce);
          reader.key = session;
        } else if (frame.t === 'msg' && session && inbox && from) {
          const verdict = inbox.accept(frame.seq);
          if (verdict === 'gap') { socket.destroy(); return; }
          if (verdict === 'deliver') this.options.deliver({ from: from.name, sequence: frame.seq, viewId: frame.view, stale: frame.view < this.options.currentViewId(), payload: frame.payload, atMs: Date.now() });
          socket.write(encodeFrame({ t: 'ack', seq: frame.seq }, session));
        } else {
          socket.destroy();
          return;
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const peer of this.outgoing.values()) {
      if (peer.timer) clearTimeout(peer.timer);
      peer.socket?.destroy();
    }
    for (const socket of this.incoming) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
