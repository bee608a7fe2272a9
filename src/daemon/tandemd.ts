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
import { logger, type Logger } from '../log.js';
import { ApiServer, type ApiHandler } from './api/server.js';

export interface TandemdOptions {
  /** The cluster configuration (membership format); default /etc/tandem/tandem.conf. */
  configPath: string;
  /** This node's name; default: the node whose address is local. */
  nodeName?: string;
  /** Persistent state (the CIB); default /var/lib/tandem. */
  stateDir: string;
  /** Runtime files and the local API socket; default /run/tandem. */
  runDir: string;
}

export const defaultTandemdOptions: TandemdOptions = {
  configPath: '/etc/tandem/tandem.conf',
  stateDir: '/var/lib/tandem',
  runDir: '/run/tandem',
};

/** The local API socket under a run directory. */
export function apiSocketPath(runDir: string): string {
  return path.join(runDir, 'api.sock');
}

/** What `tandem status` shows of one node's daemon. */
export interface DaemonStatus {
  node: string;
  cluster: string;
  version: { adminEpoch: number; epoch: number; numUpdates: number };
  membership: Pick<MemberStatus, 'view' | 'quorum' | 'peers' | 'isolated'>;
}

export class Tandemd {
  private readonly log: Logger = logger('daemon');
  private cib: XmlElement = emptyCib();

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

  status(): DaemonStatus {
    const membership = this.member.status();
    return {
      node: this.member.self.name,
      cluster: this.member.config.clusterName,
      version: cibHeader(this.cib),
      membership: { view: membership.view, quorum: membership.quorum, peers: membership.peers, isolated: membership.isolated },
    };
  }

  private handlers(): Map<string, ApiHandler> {
    return new Map<string, ApiHandler>([
      ['status', async () => this.status()],
      ['cib.query', async () => ({ xml: serializeXml(this.cib, { declaration: true }) })],
    ]);
  }

  /** Stops the API, then membership (so peers see a clean leave last). */
  async stop(): Promise<void> {
    await this.api?.stop();
    await this.member.stop();
    this.log.info('tandemd stopped');
  }
}
