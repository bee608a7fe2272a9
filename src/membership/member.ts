/**
 * One running member, main-thread side: loads the config and key, starts the
 * heartbeat thread, runs the ping tiebreaker and reliable messaging, keeps the
 * latest status and recent events, and serves the control socket.
 */
import { readFile, mkdir } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { execa } from 'execa';
import { ConfigError } from '../errors.js';
import { logger, type Logger } from '../log.js';
import { localNode, parseMembershipConfig, type MembershipConfig, type NodeConfig } from './config.js';
import { MemberUnavailableError } from './errors.js';
import type { CoreStatus, MembershipEvent } from './heartbeat-core.js';
import { runHeartbeat, type HeartbeatControl, type HeartbeatWorkerData, type ParentToWorker, type WorkerToParent } from './heartbeat-runner.js';
import { readClusterKey } from './key.js';
import { Messenger, type DeliveredMessage, type MessengerStatus } from './messenger.js';
import { PingTiebreaker, type PingResult } from './ping-tiebreaker.js';
import { controlSocketPath, serveControlSocket, type ControlRequest } from './status-socket.js';
import { waitingForAll } from './quorum.js';
import type { JsonLinesServer } from '../json-lines-socket.js';

/** Keeps this many recent events in the status. */
const recentEventCount = 500;
const recentMessageCount = 1000;

export interface MemberStatus extends CoreStatus {
  sendErrors: number;
  ping: PingResult | null;
  isolated: boolean;
  messaging: MessengerStatus;
  /** Largest main-loop delay seen since start (the heartbeat thread is not affected by it). */
  mainLoopMaxDelayMs: number;
  events: MembershipEvent[];
  delivered: DeliveredMessage[];
}

export interface MemberOptions {
  configPath: string;
  /** This member's node name; default: the node whose address is local. */
  nodeName?: string;
  runDir?: string;
  /** Accept {cmd:'stall'} on the control socket (benchmarks only). */
  allowStall?: boolean;
}

/**
 * Reads and parses a config file.
 * @throws ConfigError naming the file (and line/field for content errors).
 */
export async function loadMembershipConfig(path: string): Promise<MembershipConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config ${path}: ${(cause as Error).message}`, { file: path }, cause);
  }
  return parseMembershipConfig(text, path);
}

async function pickLocalNode(config: MembershipConfig, name: string | undefined): Promise<NodeConfig> {
  if (name !== undefined) return localNode(config, name);
  const { networkInterfaces } = await import('node:os');
  const local = new Set(Object.values(networkInterfaces()).flat().map((entry) => entry?.address));
  const matches = config.nodes.filter((node) => Object.values(node.endpoints).some((endpoint) => local.has(endpoint)));
  if (matches.length !== 1) throw new ConfigError(`${config.source}: cannot tell which node this is (${matches.length} nodes have a local address); pass --node NAME`, { file: config.source, field: 'node' });
  return matches[0] as NodeConfig;
}

export class Member {
  readonly log: Logger;
  private worker: Worker | undefined;
  private inProcess: HeartbeatControl | undefined;
  private server: JsonLinesServer | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private coreStatus: (CoreStatus & { sendErrors: number }) | undefined;
  private readonly events: MembershipEvent[] = [];
  private readonly delivered: DeliveredMessage[] = [];
  private readonly mainDelay = monitorEventLoopDelay({ resolution: 10 });
  private tiebreaker: PingTiebreaker;
  private messenger: Messenger | undefined;
  private stopped = false;
  private readonly messageListeners: Array<(message: DeliveredMessage) => void> = [];
  private readonly statusListeners: Array<(status: CoreStatus) => void> = [];

  private constructor(readonly config: MembershipConfig, readonly self: NodeConfig, private readonly key: Buffer, private readonly options: MemberOptions) {
    this.log = logger('membership', { node: self.name });
    this.tiebreaker = new PingTiebreaker(config.pingTargets, config.pingMultiplier, this.log);
  }

  /**
   * Starts a member: validates config and key (mode 0600), opens every link,
   * serves the control socket. @throws ConfigError or LinkError, and nothing
   * keeps running after a throw.
   */
  static async start(options: MemberOptions): Promise<Member> {
    const config = await loadMembershipConfig(options.configPath);
    const self = await pickLocalNode(config, options.nodeName);
    const key = await readClusterKey(config.keyFile);
    const member = new Member(config, self, key, options);
    try {
      await member.startParts();
    } catch (error) {
      await member.stop();
      throw error;
    }
    return member;
  }

  get socketPath(): string {
    return controlSocketPath(this.options.runDir ?? this.config.runDir, this.self.name);
  }

  private async startParts(): Promise<void> {
    this.mainDelay.enable();
    await mkdir(this.options.runDir ?? this.config.runDir, { recursive: true, mode: 0o755 });
    for (const link of this.config.links) {
      const device = this.self.endpoints[link.name];
      if (link.transport === 'serial' && device) {
        // the baud rate cannot be set from node; a pty ignores it
        await execa('stty', ['-F', device, String(link.baud)], { reject: false });
      }
    }
    const incarnation = Date.now();
    const data: HeartbeatWorkerData = { config: this.config, selfName: this.self.name, key: new Uint8Array(this.key), incarnation };
    if (this.config.heartbeatThread) await this.startWorker(data);
    else await this.startInProcess(data);
    this.log.info({ incarnation, links: this.config.links.map((link) => link.name) }, 'heartbeat thread running');
    this.messenger = new Messenger({
      config: this.config, self: this.self, key: this.key, incarnation, log: this.log,
      currentViewId: () => this.coreStatus?.view.id ?? 0,
      deliver: (message) => {
        this.delivered.push(message);
        if (this.delivered.length > recentMessageCount) this.delivered.shift();
        for (const listener of this.messageListeners) listener(message);
      },
    });
    await this.messenger.start();
    this.server = await serveControlSocket(this.socketPath, (request) => this.handle(request));
    if (this.config.pingTargets.length > 0) {
      this.pingTimer = setInterval(() => void this.checkPing(), this.config.pingIntervalMs);
      void this.checkPing();
    }
    this.log.info({ socket: this.socketPath }, 'member running');
  }

  private async startWorker(data: HeartbeatWorkerData): Promise<void> {
    this.worker = new Worker(new URL('./heartbeat-worker.js', import.meta.url), { workerData: data });
    await new Promise<void>((resolve, reject) => {
      this.worker?.on('message', (message: WorkerToParent) => {
        if (message.kind === 'ready') resolve();
        else if (message.kind === 'error') reject(new MemberUnavailableError(message.message));
        else this.fromWorker(message);
      });
      this.worker?.once('error', reject);
      this.worker?.once('exit', (code) => {
        if (!this.stopped) {
          this.log.fatal({ code }, 'heartbeat thread exited');
          reject(new MemberUnavailableError(`heartbeat thread exited with code ${code}`));
          process.exitCode = 70;
          void this.stop();
        }
      });
    });
  }

  /** heartbeat_thread = no: the benchmark's anchor, exposed to main-loop stalls. */
  private async startInProcess(data: HeartbeatWorkerData): Promise<void> {
    this.log.warn('heartbeat_thread = no: heartbeats run on the main loop; a main-loop stall can cause false node losses');
    let failure: string | undefined;
    this.inProcess = await runHeartbeat(data, (message) => {
      if (message.kind === 'error') failure = message.message;
      else if (message.kind !== 'ready') this.fromWorker(message);
    });
    if (failure !== undefined) throw new MemberUnavailableError(failure);
  }

  private fromWorker(message: WorkerToParent): void {
    if (message.kind === 'status') {
      this.coreStatus = message.status;
      this.messenger?.updateLiveness(message.status.peers);
      for (const listener of this.statusListeners) listener(message.status);
      return;
    }
    if (message.kind !== 'event') return;
    const event = message.event;
    this.events.push(event);
    if (this.events.length > recentEventCount) this.events.shift();
    const level = event.type === 'nodeLost' || event.type === 'linkDown' || event.type === 'viewDisagreement' || event.type === 'deathSuppressed' ? 'warn' : 'info';
    this.log[level]({ event }, event.type);
    if (event.type === 'nodeLost') void this.checkPing();
  }

  private async checkPing(): Promise<void> {
    if (this.config.pingTargets.length === 0) return;
    const before = this.tiebreaker.last;
    const result = await this.tiebreaker.check();
    if (before?.isolated !== result.isolated || before.pingd !== result.pingd) {
      const event = { type: 'pingChanged', atMs: result.checkedAtMs, pingd: result.pingd, isolated: result.isolated, reachable: result.reachable };
      (result.isolated ? this.log.warn : this.log.info).call(this.log, { event }, result.isolated ? 'isolated: no ping target answers' : 'ping reachability changed');
    }
  }

  /**
   * A ping round that starts now (after any round under way, which may have
   * started before what the caller reacts to): the tiebreaker's answer for
   * the moment of the call. Undefined without ping targets.
   */
  async pingNow(): Promise<PingResult | undefined> {
    if (this.config.pingTargets.length === 0) return undefined;
    // the first joins a round under way (if any); once it is over, the next one starts after this call
    await this.checkPing();
    await this.checkPing();
    return this.tiebreaker.last;
  }

  /**
   * Lifts wait_for_all until the next start (the admin vouches that the
   * nodes not seen are down). Resolves with whether it was holding quorum back.
   */
  async cancelWaitForAll(): Promise<boolean> {
    const waiting = this.coreStatus !== undefined && waitingForAll(this.coreStatus.quorum);
    this.log.warn({ waiting }, 'wait_for_all cancelled by the administrator');
    if (this.inProcess) this.inProcess.cancelWaitForAll();
    else this.worker?.postMessage({ kind: 'cancel-wait-for-all' } satisfies ParentToWorker);
    return waiting;
  }

  /** Calls `listener` with every message delivered from a peer (the daemon's controller). */
  onMessage(listener: (message: DeliveredMessage) => void): void {
    this.messageListeners.push(listener);
  }

  /** Calls `listener` with every status the heartbeat thread reports (views, quorum, peers). */
  onStatus(listener: (status: CoreStatus) => void): void {
    this.statusListeners.push(listener);
  }

  /**
   * Sends a payload to a peer over reliable ordered messaging.
   * @throws MemberUnavailableError when messaging is not running.
   */
  send(to: string, payload: unknown): number {
    if (!this.messenger) throw new MemberUnavailableError('messaging is not running');
    return this.messenger.send(to, payload);
  }

  /** The current status; throws MemberUnavailableError before the first status from the heartbeat thread. */
  status(): MemberStatus {
    if (!this.coreStatus) throw new MemberUnavailableError('the heartbeat thread has not reported yet');
    return {
      ...this.coreStatus,
      ping: this.tiebreaker.last ?? null,
      isolated: this.tiebreaker.last?.isolated ?? false,
      messaging: this.messenger?.status() ?? { peers: [] },
      mainLoopMaxDelayMs: Math.round(this.mainDelay.max / 1e6),
      events: [...this.events],
      delivered: [...this.delivered],
    };
  }

  private async handle(request: ControlRequest): Promise<unknown> {
    switch (request.cmd) {
      case 'status':
        return this.status();
      case 'send':
        if (!this.messenger) throw new MemberUnavailableError('messaging is not running');
        return { sequence: this.messenger.send(request.to, request.payload) };
      case 'stall': {
        if (!this.options.allowStall) throw new MemberUnavailableError('stalls are not allowed (run with --allow-stall)');
        const until = performance.now() + request.ms;
        // deliberately block the main event loop: benchmarks show heartbeats are not affected
        while (performance.now() < until) { /* busy */ }
        return { stalledMs: request.ms };
      }
      default:
        throw new MemberUnavailableError(`unknown request ${JSON.stringify(request)}`);
    }
  }

  /** Stops every part; safe to call more than once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.mainDelay.disable();
    await this.messenger?.stop();
    await this.server?.close();
    this.inProcess?.stop();
    if (this.worker) {
      this.worker.postMessage({ kind: 'stop' });
      await this.worker.terminate();
    }
  }
}
