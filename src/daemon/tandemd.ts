/**
 * tandemd: one per node. This first step wires membership (heartbeats,
 * views, quorum, tiebreaker), the node's persisted CIB and the local API.
 * The controller (DC, scheduler runs, transitions) comes on top of it.
 */
import path from 'node:path';
import { CibStore } from '../cib/store.js';
import { nodeDurableFs } from '../cib/durable-fs.js';
import { emptyCib } from '../cib/empty.js';
import { cibHeader } from '../cib/model.js';
import { serializeXml, type XmlElement } from '../cib/xml.js';
import { Member, type MemberStatus } from '../membership/member.js';
import { ExitCode, TandemError } from '../errors.js';
import { logger, type Logger } from '../log.js';
import { ApiServer, type ApiHandler } from './api/server.js';
import { apiSocketPath, defaultRunDir } from './api/client.js';
import { ActionScheduler } from '../executor/action-scheduler.js';
import { standardRunner, type StandardRunner } from '../executor/standard-runner.js';
import { AgentLocator, defaultAgentPaths } from '../executor/agent-locator.js';
import { NodeExecutor } from '../controller/node-executor.js';
import { resourceStatus, type ResourceStatus } from '../controller/resource-status.js';
import { ClusterController } from './cluster-controller.js';
import { dcHandlers } from './dc-handlers.js';

export interface TandemdOptions {
  /** The cluster configuration (membership format); default /etc/tandem/tandem.conf. */
  configPath: string;
  /** This node's name; default: the node whose address is local. */
  nodeName?: string;
  /** Persistent state (the CIB); default /var/lib/tandem. */
  stateDir: string;
  /** Runtime files and the local API socket; default /run/tandem. */
  runDir: string;
  /** Where fence agents (`fence_*`) are found; default /usr/sbin. */
  fenceAgentDir?: string;
}

export const defaultTandemdOptions: TandemdOptions = {
  configPath: '/etc/tandem/tandem.conf',
  stateDir: '/var/lib/tandem',
  runDir: defaultRunDir,
};

/** What `tandem status` shows of one node's daemon. */
export interface DaemonStatus {
  node: string;
  cluster: string;
  version: { adminEpoch: number; epoch: number; numUpdates: number };
  membership: Pick<MemberStatus, 'view' | 'quorum' | 'peers' | 'isolated'>;
  /** The designated controller, when there is one. */
  dc: string | null;
  /** On the DC: no transition running or pending (what Pacemaker calls S_IDLE); null on the other nodes. */
  transitionIdle: boolean | null;
  resources: ResourceStatus;
}

export class Tandemd {
  private readonly log: Logger = logger('daemon');
  private cib: XmlElement = emptyCib();
  private cluster: ClusterController | undefined;
  private runner: StandardRunner | undefined;

  private constructor(
    private readonly options: TandemdOptions,
    private readonly member: Member,
    private readonly store: CibStore,
    private api: ApiServer | undefined,
  ) {}

  /**
   * Starts every part; if one fails, the parts already started are stopped
   * and the error is rethrown (ConfigError for a bad config or key file).
   */
  static async start(options: TandemdOptions): Promise<Tandemd> {
    const member = await Member.start({ configPath: options.configPath, nodeName: options.nodeName, runDir: options.runDir });
    const daemon = new Tandemd(options, member, new CibStore(path.join(options.stateDir, 'cib'), nodeDurableFs), undefined);
    try {
      await daemon.loadCib();
      // The agents this daemon runs (Mirror asks who is a member before it
      // takes legs over) find its local API through TANDEM_RUN_DIR; a daemon
      // started with another --run-dir than the default must tell them.
      process.env['TANDEM_RUN_DIR'] = options.runDir;
      const paths = defaultAgentPaths();
      const locator = new AgentLocator(options.fenceAgentDir !== undefined ? { ...paths, fenceDir: options.fenceAgentDir } : paths);
      // tandem's own agents in long-lived workers, every other agent as a process.
      daemon.runner = standardRunner({ process: { locator } });
      const scheduler = new ActionScheduler({ runner: daemon.runner });
      const executor = new NodeExecutor(scheduler, (change) => daemon.cluster?.recurringChanged(change), logger('executor', { node: member.self.name }));
      daemon.cluster = new ClusterController(member, daemon.store, executor, dcHandlers, logger('controller', { node: member.self.name }), daemon.cib);
      daemon.cluster.start();
      daemon.api = new ApiServer({ socketPath: apiSocketPath(options.runDir), handlers: daemon.handlers(), log: logger('api') });
      await daemon.api.start();
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    daemon.log.info({ node: member.self.name, cluster: member.config.clusterName }, 'tandemd running');
    return daemon;
  }

  private async loadCib(): Promise<void> {
    const loaded = await this.store.load();
    if (loaded) {
      this.cib = loaded.cib;
      for (const reason of loaded.refused) this.log.warn({ reason }, 'refused a stored CIB version');
      return;
    }
    this.log.info({ dir: this.options.stateDir }, 'no stored CIB: starting from an empty one');
    await this.store.save(this.cib);
  }

  private get currentCib(): XmlElement {
    return this.cluster?.currentCib ?? this.cib;
  }

  status(): DaemonStatus {
    const membership = this.member.status();
    const cib = this.currentCib;
    return {
      node: this.member.self.name,
      cluster: this.member.config.clusterName,
      version: cibHeader(cib),
      membership: { view: membership.view, quorum: membership.quorum, peers: membership.peers, isolated: membership.isolated },
      dc: this.cluster?.dcName ?? null,
      transitionIdle: this.cluster?.transitionIdle ?? null,
      resources: resourceStatus(cib, new Date()),
    };
  }

  private handlers(): Map<string, ApiHandler> {
    return new Map<string, ApiHandler>([
      ['status', async () => this.status()],
      // local, not the DC's: wait_for_all holds back this node's own quorum
      ['quorum.unblock', async () => ({ waiting: await this.member.cancelWaitForAll() })],
      // {dc: true}: the DC's CIB rather than this node's replica (which may lag by a message).
      ['cib.query', async (params) => (params.dc === true ? this.dcRequest('cib.query', {}) : { xml: serializeXml(this.currentCib, { declaration: true }) })],
      ...[...dcHandlers.keys()].map((method): [string, ApiHandler] => [method, async (params) => this.dcRequest(method, params)]),
    ]);
  }

  private async dcRequest(method: string, params: Record<string, unknown>): Promise<unknown> {
    if (!this.cluster) throw new TandemError('E_NOT_READY', 'tandemd is starting', { exitCode: ExitCode.unavailable });
    return this.cluster.dcRequest(method, params);
  }

  /**
   * Stops cleanly: resources move away first (at most `shutdownTimeoutMs`,
   * default 60 s), then the API, then membership (so peers see a clean
   * leave last).
   */
  async stop(shutdownTimeoutMs = 60_000): Promise<void> {
    if (this.cluster) {
      const moved = await this.cluster.shutdown(shutdownTimeoutMs);
      this.log.info({ moved }, 'resources handed over before shutdown');
    }
    await this.api?.stop();
    this.cluster?.stop();
    this.runner?.close();
    await this.member.stop();
    this.log.info('tandemd stopped');
  }
}
