/**
 * tandemd's controller role. On every agreed view each node computes the
 * same DC (electDc). Members send the new DC their CIB; the DC takes the
 * newest (admin_epoch, epoch, num_updates), writes the membership into it
 * and runs the Controller on it: every change is persisted and replicated
 * to all members, who persist it too. Actions go to each node's executor:
 * the DC's own directly, the others' as request messages answered with
 * their results. Configuration changes from the CLI go to the DC.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ExitCode, TandemError, asTandemError } from '../errors.js';
import type { Logger } from '../log.js';
import { cibHeader } from '../cib/model.js';
import type { CibStore } from '../cib/store.js';
import { compareVersions } from '../cib/version.js';
import { parseXml, serializeXml, type XmlElement } from '../cib/xml.js';
import { Controller, type ExecutedResult } from '../controller/controller.js';
import { electDc } from '../controller/dc-election.js';
import { applyMembership } from '../controller/node-membership.js';
import { runFence } from './fence-runner.js';
import { FenceAttempts } from '../fencing/fence-attempts.js';
import { resourceStatus } from '../controller/resource-status.js';
import { parseIntervalMs } from '../cib/values.js';
import { systemTimers } from '../executor/timers.js';
import type { NodeExecutor, RecurringChange } from '../controller/node-executor.js';
import type { TransitionKey } from '../controller/op-history.js';
import type { PlannedAction } from '../controller/transition-plan.js';
import type { CoreStatus } from '../membership/heartbeat-core.js';
import type { DeliveredMessage } from '../membership/messenger.js';
import type { Member } from '../membership/member.js';
import { errorBody } from './api/protocol.js';
import { asPeerMessage, type PeerMessage } from './peer-messages.js';

/** How long a new DC waits for the members' CIBs before going on with what it has. */
const offerWaitMs = 1000;
/** Default cluster-recheck-interval. */
const recheckIntervalMs = 15 * 60_000;

interface Pending<T> { node: string; resolve: (value: T) => void; reject: (error: Error) => void }

/** No DC now (no agreed view yet, or the DC left): try again. */
export class NoDcError extends TandemError {
  constructor(message: string) {
    super('E_NO_DC', message, { exitCode: ExitCode.unavailable });
  }
}

export type DcHandler = (cib: XmlElement, params: Record<string, unknown>) => void;

export class ClusterController {
  private cib: XmlElement;
  private dc: string | undefined;
  private viewKey = '';
  private viewId = 0;
  private members: string[] = [];
  /** Each member's incarnation (start time of its membership layer) in the current view. */
  private incarnations = new Map<string, number>();
  /** The incarnation of each node as this DC last wrote it into the CIB as a member. */
  private readonly recordedIncarnations = new Map<string, number>();
  private controller: Controller | undefined;
  private readonly offers = new Map<string, { viewId: number; cib: XmlElement }>();
  private readonly pendingExec = new Map<number, Pending<ExecutedResult>>();
  private readonly pendingApi = new Map<number, Pending<unknown>>();
  private nextRequestId = 1;
  private readonly uuid = randomUUID();
  private recheckTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly fenceAttempts = new FenceAttempts();
  /** Whether a DC (this node, or one whose CIB arrived) has written this node's join since it started. */
  private wroteOwnJoin = false;

  constructor(
    private readonly member: Member,
    private readonly store: CibStore,
    private readonly executor: NodeExecutor,
    private readonly dcHandlers: ReadonlyMap<string, DcHandler>,
    private readonly log: Logger,
    cib: XmlElement,
    private readonly clock: Clock = systemClock,
  ) {
    this.cib = cib;
  }

  get self(): string { return this.member.self.name; }
  get currentCib(): XmlElement { return this.controller?.cib ?? this.cib; }
  get dcName(): string | undefined { return this.dc; }

  /** On the DC: whether no transition runs or waits (crmd's S_IDLE); undefined on other nodes. */
  get transitionIdle(): boolean | undefined { return this.dc === this.self ? this.controller?.idle === true : undefined; }

  start(): void {
    this.member.onMessage((message) => this.receive(message));
    this.member.onStatus((status) => this.statusChanged(status));
    this.scheduleRecheck();
  }

  /** Reschedules on the cluster-recheck-interval (read from the CIB each time; default, and for 0 or a bad value, 15 min). */
  private scheduleRecheck(): void {
    const option = clusterOptionText(this.currentCib, 'cluster-recheck-interval');
    const parsed = option === undefined ? undefined : parseIntervalMs(option);
    const intervalMs = parsed ?? recheckIntervalMs;
    this.recheckTimer = setTimeout(() => {
      this.controller?.trigger('cluster-recheck-interval');
      this.scheduleRecheck();
    }, intervalMs > 0 ? intervalMs : recheckIntervalMs);
    this.recheckTimer.unref();
  }

  stop(): void {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.executor.cancelAll();
    for (const pending of [...this.pendingExec.values(), ...this.pendingApi.values()]) pending.reject(new NoDcError('tandemd is stopping'));
  }

  /**
   * A clean shutdown: asks the DC to move this node's resources away (the
   * `shutdown` transient attribute, as Pacemaker's), then waits until the
   * replicated status shows nothing running here, at most `timeoutMs`.
   * Returns whether everything moved away in time.
   */
  async shutdown(timeoutMs: number): Promise<boolean> {
    if (this.dc === undefined) return true;
    try {
      await this.dcRequest('node.transient', { node: this.self, name: 'shutdown', value: String(Math.floor(this.clock.nowMs() / 1000)) });
    } catch (error) {
      this.log.warn({ err: error }, 'could not ask the DC to move resources away before shutdown');
      return false;
    }
    const deadline = this.clock.monotonicMs() + timeoutMs;
    while (this.clock.monotonicMs() < deadline) {
      const running = resourceStatus(this.currentCib, new Date(this.clock.nowMs())).resources.filter((rsc) => rsc.runningOn.includes(this.self));
      const settled = this.dc !== this.self || this.controller?.idle === true;
      if (running.length === 0 && settled) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.log.error({ timeoutMs }, 'resources did not move away before shutdown');
    return false;
  }

  /** A recurring monitor's result changed on this node: to the DC. */
  recurringChanged(change: RecurringChange): void {
    if (this.dc === this.self) this.controller?.recurringChanged(change.action, change.key, change.result);
    else if (this.dc !== undefined) this.send(this.dc, { t: 'recurring', action: change.action, key: change.key, result: change.result });
  }

  /**
   * Runs a CIB-changing request on the DC (here, or forwarded to it).
   * @throws NoDcError without a DC; the DC's refusal otherwise.
   */
  async dcRequest(method: string, params: Record<string, unknown>): Promise<unknown> {
    if (this.dc === undefined) throw new NoDcError('no designated controller yet (the cluster is forming): try again');
    if (this.dc === this.self) return this.runDcRequest(method, params);
    const reqId = this.nextRequestId++;
    const dc = this.dc;
    return new Promise((resolve, reject) => {
      this.pendingApi.set(reqId, { node: dc, resolve, reject });
      this.send(dc, { t: 'api', reqId, method, params });
    });
  }

  private runDcRequest(method: string, params: Record<string, unknown>): unknown {
    const controller = this.controller;
    if (method === 'cib.query') {
      // The authoritative CIB, for a client that will send a change against it.
      if (!controller) throw new NoDcError('this node is DC but has not taken over the CIB yet: try again');
      return { xml: serializeXml(controller.cib, { declaration: true }) };
    }
    const handler = this.dcHandlers.get(method);
    if (!handler) throw new TandemError('E_BAD_REQUEST', `unknown DC method '${method}'`, { exitCode: ExitCode.protocol });
    if (!controller) throw new NoDcError('this node is DC but has not taken over the CIB yet: try again');
    const scope = controller.update((cib) => handler(cib, params), `api ${method}`);
    return { scope, version: cibHeader(controller.cib) };
  }

  private isolated(): boolean {
    try {
      return this.member.status().isolated;
    } catch (error) {
      this.log.debug({ err: error }, 'no member status yet');
      return false;
    }
  }

  private statusChanged(status: CoreStatus): void {
    if (!status.view.agreed) return;
    // A node whose ping tiebreaker says it is cut off counts as without quorum: with
    // no-quorum-policy=stop (the default) its partition stops its resources itself.
    const isolated = this.isolated();
    const quorate = status.quorum.quorate && !isolated;
    const incarnations = new Map<string, number>([[status.node, status.incarnation]]);
    for (const peer of status.peers) if (peer.incarnation !== null) incarnations.set(peer.name, peer.incarnation);
    // A node that restarted between two looks is in the view as before, but
    // it is a new incarnation: that must count as a change too.
    const memberIncarnations = status.view.members.map((name) => `${name}@${incarnations.get(name) ?? '?'}`);
    const key = `${status.view.id}:${memberIncarnations.join(',')}:${quorate}`;
    if (key === this.viewKey) return;
    this.viewKey = key;
    this.viewId = status.view.id;
    this.members = [...status.view.members];
    for (const name of this.members) this.fenceAttempts.reset(name);
    this.incarnations = incarnations;
    const ids = new Map(this.member.config.nodes.map((node) => [node.name, node.id]));
    const dc = electDc({
      viewId: status.view.id, quorate,
      members: this.members.map((name) => ({ name, nodeId: ids.get(name) ?? 0, memberSinceView: incarnations.get(name) ?? Number.MAX_SAFE_INTEGER })),
    });
    for (const [reqId, pending] of [...this.pendingExec, ...this.pendingApi]) {
      if (!this.members.includes(pending.node)) {
        this.pendingExec.delete(reqId);
        this.pendingApi.delete(reqId);
        pending.reject(new NoDcError(`node ${pending.node} left the cluster`));
      }
    }
    const previousDc = this.dc;
    this.dc = dc?.name;
    this.log.info({ view: status.view.id, members: this.members, dc: this.dc, quorate, isolated }, 'view changed');
    if (this.dc === this.self) {
      void this.takeOver(previousDc === this.self, quorate);
    } else {
      if (this.controller) {
        this.cib = this.controller.cib;
        this.controller.halt();
        this.log.info({ dc: this.dc }, 'no longer DC');
      }
      this.controller = undefined;
      if (this.dc !== undefined) this.send(this.dc, { t: 'cib-offer', viewId: status.view.id, xml: serializeXml(this.cib) });
    }
  }

  /** Becomes (or stays) DC for the current view: newest CIB wins, then membership goes in. */
  private async takeOver(wasDc: boolean, quorate: boolean): Promise<void> {
    const viewId = this.viewId;
    const others = this.members.filter((name) => name !== this.self);
    const deadline = this.clock.monotonicMs() + offerWaitMs;
    while (others.some((name) => this.offers.get(name)?.viewId !== viewId) && this.clock.monotonicMs() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (this.viewId !== viewId) return;
    }
    let newest = this.controller?.cib ?? this.cib;
    for (const name of others) {
      const offer = this.offers.get(name);
      if (offer?.viewId === viewId && compareVersions(cibHeader(offer.cib), cibHeader(newest)) > 0) {
        this.log.info({ from: name, version: cibHeader(offer.cib) }, 'a member has a newer CIB: taking it');
        newest = offer.cib;
      }
    }
    if (!this.controller) {
      this.controller = new Controller(newest, {
        clock: this.clock, log: this.log, uuid: this.uuid,
        execute: (action, key) => this.execute(action, key),
        commit: (cib) => this.commit(cib),
        timers: systemTimers,
      });
      this.log.info({ wasDc }, 'this node is DC');
    } else if (newest !== this.controller.cib) {
      // not scheduled as it is: it may say this very node is lost (written by the other side of a
      // partition that just merged), and a schedule on it would fence this node
      this.controller.adopt(newest, 'newer CIB from a member', false);
    }
    const members = new Set(this.members);
    // The first time this daemon writes membership, its own node is a new incarnation: what the
    // stored CIB says it ran belongs to the previous one, so it is probed rather than believed.
    const firstWrite = !this.wroteOwnJoin;
    this.wroteOwnJoin = true;
    // A member whose incarnation changed since this DC last recorded it restarted without
    // being seen gone (it left and came back between two views): it is a new join all the same.
    const restarted = (name: string): boolean => {
      const now = this.incarnations.get(name);
      const recorded = this.recordedIncarnations.get(name);
      return now !== undefined && recorded !== undefined && now !== recorded;
    };
    const nodes = this.member.config.nodes.map((node) => ({
      node: { id: String(node.id), uname: node.name }, member: members.has(node.name),
      newIncarnation: members.has(node.name) && (restarted(node.name) || (firstWrite && node.name === this.self)),
    }));
    for (const name of members) {
      const incarnation = this.incarnations.get(name);
      if (incarnation !== undefined) this.recordedIncarnations.set(name, incarnation);
    }
    const self = this.self;
    this.controller.update((cib) => {
      applyMembership(cib, nodes);
      cib.attrs['have-quorum'] = quorate ? '1' : '0';
      cib.attrs['dc-uuid'] = String(this.member.self.id);
      void self;
    }, 'membership changed');
    // Even without a change to write, a new view is a reason to look again.
    this.controller.trigger('view changed');
    // Members need the CIB even when nothing changed in it.
    this.replicate(this.controller.cib);
  }

  private async commit(cib: XmlElement): Promise<void> {
    if (this.dc !== this.self) {
      this.log.warn('no longer DC: a CIB change is not committed');
      return;
    }
    this.cib = cib;
    this.saving = this.saving.then(() => this.store.save(cib)).catch((error: unknown) => this.log.error({ err: error }, 'saving the CIB failed'));
    await this.saving;
    this.replicate(cib);
  }

  private replicate(cib: XmlElement): void {
    const xml = serializeXml(cib);
    for (const name of this.members) if (name !== this.self) this.send(name, { t: 'cib', xml });
  }

  private execute(action: PlannedAction, key: TransitionKey): Promise<ExecutedResult> {
    if (action.kind === 'fence') return this.fence(action);
    if (action.node === this.self) return this.executor.execute(action, key);
    const reqId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      if (!this.members.includes(action.node)) {
        reject(new NoDcError(`node ${action.node} is not a member`));
        return;
      }
      this.pendingExec.set(reqId, { node: action.node, resolve, reject });
      this.send(action.node, { t: 'exec', reqId, action, key });
    });
  }

  /**
   * Fences a node with its fence devices, run here (see fence-runner.ts);
   * after stonith-max-attempts failures in a row, not again until it is seen.
   */
  private async fence(action: PlannedAction): Promise<ExecutedResult> {
    const maxText = clusterOptionText(this.currentCib, 'stonith-max-attempts');
    const max = maxText !== undefined && /^\d+$/.test(maxText) ? Number(maxText) : 10;
    if (!this.fenceAttempts.mayAttempt(action.node, max)) {
      throw new TandemError('E_FENCE_GAVE_UP', `fencing ${action.node} failed ${this.fenceAttempts.failuresOf(action.node)} times in a row (stonith-max-attempts): not again until it is seen or the DC changes`, { exitCode: ExitCode.error });
    }
    const result = await runFence(action, {
      cib: this.currentCib, self: this.self, member: this.member, executor: this.executor, log: this.log, clock: this.clock,
      stillWanted: () => {
        if (this.members.includes(action.node)) return `${action.node} came back during the fencing delay`;
        if (this.dc !== this.self) return `no longer DC after the fencing delay: not fencing ${action.node}`;
        return undefined;
      },
    });
    this.fenceAttempts.record(action.node, result.rc === 0);
    return result;
  }

  private send(to: string, message: PeerMessage): void {
    try {
      this.member.send(to, message);
    } catch (error) {
      this.log.warn({ err: error, to, t: message.t }, 'could not send to a peer');
    }
  }

  private receive(delivered: DeliveredMessage): void {
    const message = asPeerMessage(delivered.payload);
    if (!message) {
      this.log.warn({ from: delivered.from }, 'dropped a malformed peer message');
      return;
    }
    try {
      this.handle(delivered.from, message);
    } catch (error) {
      this.log.warn({ err: error, from: delivered.from, t: message.t }, 'a peer message could not be handled');
    }
  }

  private handle(from: string, message: PeerMessage): void {
    switch (message.t) {
      case 'cib': {
        // Before this node has an agreed view it cannot tell the DC: the sender then is the best guess
        // (a DC sends its CIB to every member of its view, this node included).
        if (this.dc !== undefined && from !== this.dc) {
          this.log.info({ from, dc: this.dc }, 'ignored a CIB from a node that is not DC');
          return;
        }
        const cib = parseXml(message.xml, `CIB from ${from}`);
        this.cib = cib;
        // a DC has written this node's join (and had it probed): no need to do it again as DC
        this.wroteOwnJoin = true;
        this.saving = this.saving.then(() => this.store.save(cib)).catch((error: unknown) => this.log.error({ err: error }, 'saving the CIB failed'));
        return;
      }
      case 'cib-offer':
        this.offers.set(from, { viewId: message.viewId, cib: parseXml(message.xml, `CIB offer from ${from}`) });
        return;
      case 'exec':
        // Only the DC runs the cluster: an action from a node that no longer is (a partition
        // that just merged) is refused, and that node aborts its transition.
        if (this.dc !== undefined && from !== this.dc) {
          this.send(from, { t: 'exec-result', reqId: message.reqId, error: `${this.self} takes actions from the DC ${this.dc} only` });
          return;
        }
        this.executor.execute(message.action, message.key).then(
          (result) => this.send(from, { t: 'exec-result', reqId: message.reqId, result }),
          (error: unknown) => this.send(from, { t: 'exec-result', reqId: message.reqId, error: asTandemError(error).message }),
        );
        return;
      case 'exec-result': {
        const pending = this.pendingExec.get(message.reqId);
        if (!pending) return;
        this.pendingExec.delete(message.reqId);
        if (message.result) pending.resolve(message.result);
        else pending.reject(new TandemError('E_REMOTE_EXEC', `${from}: ${message.error ?? 'no result'}`, { exitCode: ExitCode.error }));
        return;
      }
      case 'recurring':
        if (this.dc === this.self) this.controller?.recurringChanged(message.action, message.key, message.result);
        return;
      case 'api':
        Promise.resolve().then(() => this.runDcRequest(message.method, message.params)).then(
          (result) => this.send(from, { t: 'api-reply', reqId: message.reqId, result }),
          (error: unknown) => this.send(from, { t: 'api-reply', reqId: message.reqId, error: errorBody(asTandemError(error)) }),
        );
        return;
      case 'api-reply': {
        const pending = this.pendingApi.get(message.reqId);
        if (!pending) return;
        this.pendingApi.delete(message.reqId);
        if (message.error) pending.reject(new TandemError(message.error.code, message.error.message, { exitCode: message.error.exitCode, context: message.error.context ?? {} }));
        else pending.resolve(message.result);
        return;
      }
    }
  }
}

function clusterOptionText(cib: XmlElement, name: string): string | undefined {
  const crmConfig = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'crm_config');
  for (const set of crmConfig?.children ?? []) for (const pair of set.children) if (pair.attrs.name === name) return pair.attrs.value;
  return undefined;
}
