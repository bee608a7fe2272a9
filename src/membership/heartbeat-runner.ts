/**
 * Runs the heartbeat side of a member: sockets, the serial line, the timer and the whole
 * liveness/view/quorum core run here, in a worker of their own, so that a
 * stall of the main event loop (a big CIB parse, a long GC) neither delays a
 * heartbeat nor lets a peer's heartbeats pile up unread: the liveness verdict
 * is taken where the heartbeats are. The thread measures its own loop lag and
 * hands it to the core, which then refuses to declare anyone dead
 * (Lifeguard's self-check).
 *
 * It normally runs in the heartbeat worker thread (heartbeat-worker.ts);
 * `heartbeat_thread = no` runs it on the main loop instead, which exists only
 * so the false-positive benchmark can measure what the thread buys.
 *
 * Reports: {kind:'ready'}, {kind:'event', event}, {kind:'status', status},
 * {kind:'error', message}.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemClock } from '../clock.js';
import type { MembershipConfig, NodeConfig } from './config.js';
import { HeartbeatCore, type CoreStatus, type MembershipEvent } from './heartbeat-core.js';
import { SerialLink } from './serial-link.js';
import { UdpLink } from './udp-link.js';

export interface HeartbeatWorkerData {
  config: MembershipConfig;
  selfName: string;
  key: Uint8Array;
  incarnation: number;
}

export type WorkerToParent =
  | { kind: 'ready' }
  | { kind: 'event'; event: MembershipEvent }
  | { kind: 'status'; status: CoreStatus & { sendErrors: number } }
  | { kind: 'error'; message: string };

/** Loop lags below this are scheduling noise, not a stall. */
const noiseLagMs = 20;

/** What the parent can ask of a running heartbeat core. */
export interface HeartbeatControl {
  stop(): void;
  /** See HeartbeatCore.cancelWaitForAll; publishes the new status. */
  cancelWaitForAll(): boolean;
}

/** Messages the parent sends to the heartbeat worker. */
export type ParentToWorker = { kind: 'stop' } | { kind: 'cancel-wait-for-all' };

/**
 * Opens the links and starts the core; reports through `post`. Returns its
 * control, or undefined after posting {kind:'error'} when a link cannot open.
 */
export async function runHeartbeat(data: HeartbeatWorkerData, post: (message: WorkerToParent) => void): Promise<HeartbeatControl | undefined> {
  const { config } = data;
  const self = config.nodes.find((node) => node.name === data.selfName) as NodeConfig;
  const links: Array<{ send(peer: NodeConfig, packet: Buffer): void; close(): void; sendErrors: number } | undefined> = [];
  // packets that arrive before the core exists are dropped
  const receivers: { core?: HeartbeatCore } = {};
  const receive = (linkIndex: number) => (packet: Buffer): void => receivers.core?.receive(linkIndex, packet);
  try {
    for (const link of config.links) {
      const endpoint = self.endpoints[link.name];
      if (endpoint === undefined) { links.push(undefined); continue; }
      if (link.transport === 'serial') {
        const serial = new SerialLink(link, endpoint, receive(link.index));
        serial.start();
        links.push({ send: (_peer, packet) => serial.send(packet), close: () => serial.close(), get sendErrors() { return serial.sendErrors; } });
      } else {
        const udp = new UdpLink(link, endpoint, receive(link.index));
        links.push(udp);
        await udp.start();
      }
    }
  } catch (error) {
    for (const link of links) link?.close();
    post({ kind: 'error', message: (error as Error).message });
    return undefined;
  }
  const core = new HeartbeatCore({
    config, self, key: Buffer.from(data.key), incarnation: data.incarnation, clock: systemClock,
    transport: { send: (linkIndex, peer, packet) => links[linkIndex]?.send(peer, packet) },
    onEvent: (event) => { post({ kind: 'event', event }); publishStatus(); },
  });
  receivers.core = core;
  const publishStatus = (): void => {
    post({ kind: 'status', status: { ...core.status(), sendErrors: links.reduce((sum, link) => sum + (link?.sendErrors ?? 0), 0) } });
  };
  // the tick bounds how late a death is noticed after deadtime
  const tickMs = Math.max(5, Math.min(25, Math.floor(config.keepaliveMs / 4)));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let expectedMs = systemClock.monotonicMs() + tickMs;
  let lastStatusMs = 0;
  const timer = setInterval(() => {
    const now = systemClock.monotonicMs();
    const latenessMs = Math.max(0, now - expectedMs, delay.max / 1e6 - 10);
    delay.reset();
    expectedMs = now + tickMs;
    core.tick(latenessMs >= noiseLagMs ? latenessMs : 0);
    if (now - lastStatusMs >= 200) { lastStatusMs = now; publishStatus(); }
  }, tickMs);
  post({ kind: 'ready' });
  publishStatus();
  return {
    stop: () => {
      clearInterval(timer);
      delay.disable();
      for (const link of links) link?.close();
    },
    cancelWaitForAll: () => {
      const changed = core.cancelWaitForAll();
      publishStatus();
      return changed;
    },
  };
}
