/**
 * The scheduler's working model: what unpacking the CIB XML produces and
 * what the placement and action passes annotate. Mutable on purpose: like
 * Pacemaker's working set, one `schedule()` call builds it, fills it in and
 * throws it away, so nothing leaks between calls.
 */
import type { XmlElement } from '../cib/xml.js';

export type Role = 'Stopped' | 'Started' | 'Unpromoted' | 'Promoted';

/** Numeric order of roles, as Pacemaker compares them. */
export const roleRank: Record<Role, number> = { Stopped: 0, Started: 1, Unpromoted: 2, Promoted: 3 };

export function parseRole(text: string | undefined): Role | undefined {
  switch ((text ?? '').toLowerCase()) {
    case 'stopped': return 'Stopped';
    case 'started': return 'Started';
    case 'slave': case 'unpromoted': return 'Unpromoted';
    case 'master': case 'promoted': return 'Promoted';
    default: return undefined;
  }
}

export interface ClusterNode {
  id: string;
  uname: string;
  /** Configured node attributes plus transient (status) attributes, plus #uname/#id/#kind. */
  attrs: Map<string, string>;
  utilization: Map<string, number>;
  online: boolean;
  unclean: boolean;
  standby: boolean;
  maintenance: boolean;
  shutdown: boolean;
  pending: boolean;
  fenceReason?: string;
  /** Number of primitives assigned here so far (load-spreading tie-break). */
  assignedCount: number;
  /** Utilization already consumed by assigned primitives. */
  used: Map<string, number>;
}

export interface OpDefinition {
  name: string;
  intervalMs: number;
  role?: Role;
  onFail?: string;
  enabled: boolean;
  timeoutMs?: number;
  /** The op's own instance attributes (they go into its digest). */
  params?: Map<string, string>;
}

/** What the status section says about one primitive on one node. */
export interface NodeHistory {
  node: string;
  /** The id the history was recorded under (an anonymous clone's "rsc:N"). */
  lrmId?: string;
  role: Role;
  failed: boolean;
  /** The on-fail policy of the failed operation, when `failed`. */
  onFail?: string;
  failedOp?: string;
  /** The failed operation was a hard error (not installed, invalid parameters, ...). */
  failedHard?: boolean;
  /** A probe found it not installed, or a stop failed: cannot run here. */
  banned: boolean;
  /** A result that bans it from every node (not configured). */
  fatal?: boolean;
  /** Parameters changed since start (digest mismatch): restart needed. */
  digestChanged: boolean;
  reloadOnly: boolean;
  /** Last op was a pending start/stop/etc. */
  pendingOp?: string;
  migrateTo?: { source: string; target: string; ok: boolean };
  migrateFrom?: { source: string; target: string; ok: boolean };
  lastCallId: number;
  /** Nothing recorded counts (an expired failed probe): the state there is unknown, as if never probed. */
  unknown?: boolean;
  /** Recurring operations (`monitor_10000`) recorded since the last start, with their `lrm_rsc_op` attributes: they run on the node already. */
  recurring?: Map<string, Record<string, string>>;
}

interface ResourceBase {
  id: string;
  /** Id without clone instance suffix. */
  baseId: string;
  meta: Map<string, string>;
  parent?: Resource;
  priority: number;
  /** Position in the configuration, for stable ordering. */
  order: number;
}

export interface Primitive extends ResourceBase {
  kind: 'primitive';
  cls: string;
  provider?: string;
  type: string;
  params: Map<string, string>;
  /** Parameters as evaluated for a node (rule-based instance_attributes differ per node). */
  paramsAt: (nodeAttrs: Map<string, string>) => Map<string, string>;
  ops: OpDefinition[];
  utilization: Map<string, number>;
  history: Map<string, NodeHistory>;
  // ---- placement state
  allowed: Map<string, number>;
  provisional: boolean;
  assigning: boolean;
  assignedTo: string | null;
  role: Role;
  nextRole: Role;
  runningOn: string[];
  failed: boolean;
  managed: boolean;
  blocked: boolean;
  orphan: boolean;
  /** Set when the stop/start pair must run even on the same node. */
  restart: boolean;
  restartReason?: string;
  /** Its start cannot run (no quorum): printed as a blocked start. */
  startBlocked: boolean;
  promotionScore: number;
  /** shutdown-lock: kept for this node (stopped while it is down) until the lock expires. */
  lockedTo?: string;
  /** Never promoted in this transition (no-quorum-policy=demote). */
  noPromotion?: boolean;
  /** on-fail=demote: demoted on this node, and not promoted there again. */
  demoteOnly?: string;
}

export interface Group extends ResourceBase {
  kind: 'group';
  children: Primitive[];
}

export interface Clone extends ResourceBase {
  kind: 'clone';
  promotable: boolean;
  uniqueInstances: boolean;
  cloneMax: number;
  cloneNodeMax: number;
  promotedMax: number;
  promotedNodeMax: number;
  interleave: boolean;
  instances: (Primitive | Group)[];
  /** The configured child, to create orphan instances found in the status. */
  childTemplate: XmlElement;
  /** The clone's own element (its instance attributes are inherited by the instances). */
  xml: XmlElement;
  /** Scores of the clone as a whole (locations on the clone). */
  allowed: Map<string, number>;
}

export type Resource = Primitive | Group | Clone;

export interface LocationConstraint {
  id: string;
  rsc: Resource;
  node?: string;
  score?: number;
  /** Rules: node → score (already evaluated per node at unpack time). */
  scoreByNode?: Map<string, number>;
  role?: Role;
  /** Matched resources when rsc-pattern (regex) was used. */
}

export interface ColocationConstraint {
  id: string;
  dependent: Resource;
  primary: Resource;
  score: number;
  dependentRole?: Role;
  primaryRole?: Role;
  nodeAttribute: string;
  influence: boolean;
}

export type OrderKind = 'Mandatory' | 'Optional' | 'Serialize';

export interface OrderConstraint {
  id: string;
  first: Resource;
  firstAction: string;
  then: Resource;
  thenAction: string;
  kind: OrderKind;
  symmetrical: boolean;
  /** require-all=false: any one of `anyOf` (or one clone instance) lets `then` start. */
  requireAll: boolean;
  anyOf?: Resource[];
}

export interface ClusterOptions {
  stonithEnabled: boolean;
  symmetric: boolean;
  noQuorumPolicy: string;
  haveQuorum: boolean;
  /** The CIB's no-quorum-panic: quorum was lost (not merely never reached). */
  noQuorumPanic: boolean;
  maintenanceMode: boolean;
  stopAllResources: boolean;
  placementStrategy: string;
  startFailureIsFatal: boolean;
  stopOrphanResources: boolean;
  stonithAction: string;
  clusterRecheckMs: number;
  shutdownLock: boolean;
  /** enable-startup-probes (default true): probe resources where their state is unknown. */
  startupProbes: boolean;
  shutdownLockLimitMs: number;
}

export interface WorkingSet {
  now: Date;
  options: ClusterOptions;
  nodes: Map<string, ClusterNode>;
  /** Node names in configuration order. */
  nodeOrder: string[];
  /** Node names in the order of the status section (Pacemaker numbers clone instances in this order). */
  statusOrder: string[];
  /** Top-level resources in configuration order. */
  resources: Resource[];
  primitives: Map<string, Primitive>;
  byId: Map<string, Resource>;
  locations: LocationConstraint[];
  colocations: ColocationConstraint[];
  orders: OrderConstraint[];
  haveFenceDevice: boolean;
  /** Nodes to fence, in decision order, with the reason. */
  fencing: Map<string, string>;
}
