/**
 * The DC's controller loop: schedule the authoritative CIB, run the
 * transition (each ready action on its node through the injected executor),
 * record every result in the status section, abort on an unexpected result
 * or any new event, and schedule again until a fresh schedule() has nothing
 * to do. Time, execution and persistence are injected, so this runs on a
 * ManualClock with a fake executor in unit tests.
 */
import type { Clock } from '../clock.js';
import type { XmlElement } from '../cib/xml.js';
import { bumpVersion } from '../cib/version.js';
import { schedule } from '../scheduler/index.js';
import type { Logger } from '../log.js';
import { cloneXml } from './cib-edit.js';
import { markNodeDown } from './node-membership.js';
import { forgetRecurring, formatTransitionKey, isFailure, recordOperation, recordedRecurringKey, type NodeRef, type OperationRecord, type ResourceRef, type TransitionKey } from './op-history.js';
import { planTransition, type PlannedAction, type PlannedTransition } from './transition-plan.js';
import { describeAction, operationRecord } from './action-result.js';
import { clearExpiredFailures, nextFailureExpiryMs } from './failure-expiry.js';
import type { TimerHandle, Timers } from '../executor/timers.js';

/** What a node's executor reports for one action. */
export interface ExecutedResult {
  rc: number;
  status: 'done' | 'timeout' | 'cancelled' | 'not-installed' | 'error';
  callId: number;
  exitReason?: string;
  opDigest: string;
  startedAtMs: number;
  runTimeMs: number;
  queueTimeMs: number;
}

export interface ControllerIo {
  clock: Clock;
  log: Logger;
  /** This DC's id in transition keys (Pacemaker: the DC's uuid). */
  uuid: string;
  /**
   * Runs one action on its node. Resolves with the result (an agent's
   * failure is a result); rejects when the node could not run it at all.
   */
  execute(action: PlannedAction, key: TransitionKey): Promise<ExecutedResult>;
  /** Persists and replicates a new CIB version. */
  commit(cib: XmlElement): Promise<void>;
  /** Timers for the wake-up at the next failure expiry (failure-timeout); none: no wake-up. */
  timers?: Timers;
}

/** After this many transitions in a row without settling, the loop pauses until the next event. */
const maxTransitionsPerRun = 50;

export class Controller {
  private current: XmlElement;
  private transitionId = 0;
  private running: Promise<void> | undefined;
  private pending = false;
  private abortRequested = false;
  /** An action of the running transition could not be sent to its node. */
  private unreachable = false;
  /** No longer DC: nothing new starts, nothing more is scheduled. */
  private halted = false;
  private wakeup: { atMs: number; handle: TimerHandle } | undefined;
  private commits: Promise<void> = Promise.resolve();
  /** Transitions run so far (for status and tests). */
  readonly completed: PlannedTransition[] = [];

  constructor(cib: XmlElement, private readonly io: ControllerIo) {
    this.current = cib;
  }

  get cib(): XmlElement { return this.current; }

  /** No transition runs and none is pending. */
  get idle(): boolean { return this.running === undefined && !this.pending; }

  /**
   * Applies `change` to a copy of the CIB, bumps its version (epoch for a
   * configuration change, num_updates for status), commits it and
   * reschedules. Returns the scope of the change.
   */
  update(change: (cib: XmlElement) => void, reason: string, abort = true): 'configuration' | 'status' | 'none' {
    const next = cloneXml(this.current);
    change(next);
    const scope = bumpVersion(this.current, next);
    if (scope === 'none') return scope;
    this.current = next;
    const snapshot = next;
    this.commits = this.commits.then(() => this.io.commit(snapshot)).catch((error: unknown) => this.io.log.error({ err: error }, 'CIB commit failed'));
    this.trigger(reason, abort);
    return scope;
  }

  /**
   * Replaces the CIB wholesale (a newer one from a peer), without bumping.
   * `schedule` false: the caller changes it further first (a new DC writes
   * the membership in before anything is decided on it).
   */
  adopt(cib: XmlElement, reason: string, schedule = true): void {
    this.current = cib;
    if (schedule) this.trigger(reason);
  }

  /**
   * Asks for a new schedule: at once when idle; when a transition runs, it
   * is aborted (running actions finish and are recorded, nothing new starts)
   * and the loop schedules again.
   */
  trigger(reason: string, abort = true): void {
    if (this.halted) return;
    this.pending = true;
    if (this.running) {
      if (!abort) return;
      this.abortRequested = true;
      this.io.log.debug({ reason }, 'transition abort requested');
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      this.armWakeup();
    });
  }

  /**
   * Stops for good (this node is no longer DC): actions already running
   * finish, nothing new starts, no new schedule runs.
   */
  halt(): void {
    this.wakeup?.handle.cancel();
    this.wakeup = undefined;
    this.halted = true;
    this.abortRequested = true;
    this.pending = false;
  }

  /** Resolves when no transition runs and nothing is pending (and every commit is written). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
    await this.commits;
  }

  /** Records a result that arrived outside a transition (a recurring monitor's change). */
  recordRecurring(node: NodeRef, rsc: ResourceRef, record: OperationRecord): void {
    this.update((cib) => recordOperation(cib, node, rsc, record), `recurring ${rsc.id} on ${node.uname}`);
  }

  /** Records a recurring monitor's new result as its node reported it. */
  recurringChanged(action: PlannedAction, key: TransitionKey, result: ExecutedResult): void {
    if (action.rsc === undefined) return;
    // Only the monitor the CIB records as running speaks: one cancelled since (a role change, a stop) or replaced
    // by a newer one is late, and its result (8 from the old role's monitor after a promote) is no failure.
    if (recordedRecurringKey(this.current, action.node, action.rsc.id, action.operation, action.intervalMs) !== formatTransitionKey(key)) {
      this.io.log.debug({ action: describeAction(action), rc: result.rc }, 'late result of a cancelled monitor dropped');
      return;
    }
    const record = operationRecord(action, key, result);
    // A monitor that finds its resource failed is the start of every recovery: the admin must see it, not just the restart.
    const failed = isFailure(record) || record.rc !== action.targetRc;
    (failed ? this.io.log.warn : this.io.log.info).call(this.io.log, { action: describeAction(action), rc: result.rc, status: result.status, reason: result.exitReason }, failed ? 'monitor failed' : 'monitor result changed');
    this.recordRecurring(this.nodeRef(action.node), action.rsc, record);
  }

  /** Wakes up at the next failure expiry, so an expired failure is acted upon on time. */
  private armWakeup(): void {
    const timers = this.io.timers;
    if (!timers || this.halted) return;
    const nowMs = this.io.clock.nowMs();
    const atMs = nextFailureExpiryMs(this.current, nowMs);
    if (atMs === this.wakeup?.atMs) return;
    this.wakeup?.handle.cancel();
    this.wakeup = undefined;
    if (atMs === undefined) return;
    const handle = timers.setTimer(atMs - nowMs, () => {
      this.wakeup = undefined;
      this.trigger('failure-timeout expired');
    });
    this.wakeup = { atMs, handle };
  }

  private async loop(): Promise<void> {
    for (let count = 0; this.pending && !this.halted; count++) {
      if (count >= maxTransitionsPerRun) {
        this.io.log.error({ count }, 'the cluster did not settle; waiting for the next event');
        this.pending = false;
        return;
      }
      this.pending = false;
      this.abortRequested = false;
      this.unreachable = false;
      this.clearExpiredFailures();
      let transition: PlannedTransition;
      try {
        const result = schedule(this.current, new Date(this.io.clock.nowMs()));
        transition = planTransition(result, ++this.transitionId);
      } catch (error) {
        this.io.log.error({ err: error }, 'scheduling failed; waiting for the next change');
        return;
      }
      if (transition.actions.length === 0) continue;
      this.io.log.info({ transition: transition.id, actions: transition.actions.map(describeAction) }, 'transition started');
      const outcome = await this.run(transition);
      this.completed.push(transition);
      this.io.log.info({ transition: transition.id, outcome }, 'transition ended');
      // Complete or not, a fresh schedule says whether anything is left to do; but a node that
      // cannot be reached stays so until the next event (membership), so do not spin on it.
      if (!this.unreachable) this.pending = true;
    }
  }

  /** Expired fail counts leave the CIB (Pacemaker's clear_failcount), before the schedule that no longer counts them. */
  private clearExpiredFailures(): void {
    const nowMs = this.io.clock.nowMs();
    if (clearExpiredFailures(cloneXml(this.current), nowMs).length === 0) return;
    let cleared: string[] = [];
    this.update((cib) => { cleared = clearExpiredFailures(cib, nowMs); }, 'failure-timeout expired', false);
    this.io.log.info({ cleared }, 'failure-timeout expired: fail counts cleared');
    // the schedule that follows sees the change already
    this.pending = false;
  }

  private run(transition: PlannedTransition): Promise<'complete' | 'aborted'> {
    const started = new Set<number>();
    const done = new Set<number>();
    return new Promise((resolve) => {
      const pump = (): void => {
        if (!this.abortRequested) {
          for (const action of transition.actions) {
            if (started.has(action.id) || !action.after.every((id) => done.has(id))) continue;
            started.add(action.id);
            void this.runAction(transition, action).then((expected) => {
              done.add(action.id);
              if (!expected) this.abortRequested = true;
              pump();
            });
          }
        }
        if (started.size === done.size) resolve(done.size === transition.actions.length && !this.abortRequested ? 'complete' : 'aborted');
      };
      pump();
    });
  }

  /** Runs one action and records its result; false when the result was not the expected one. */
  private async runAction(transition: PlannedTransition, action: PlannedAction): Promise<boolean> {
    const key: TransitionKey = { actionId: action.id, transitionId: transition.id, targetRc: action.targetRc, uuid: this.io.uuid };
    if (action.pseudo === true) return true;
    let result: ExecutedResult;
    try {
      result = await this.io.execute(action, key);
    } catch (error) {
      this.io.log.warn({ err: error, action: describeAction(action) }, 'action could not be executed');
      this.unreachable = true;
      return false;
    }
    const node = this.nodeRef(action.node);
    if (action.kind === 'fence') {
      if (result.rc !== 0) {
        this.io.log.error({ node: action.node, rc: result.rc, reason: result.exitReason }, 'fencing failed');
        return false;
      }
      this.update((cib) => markNodeDown(cib, node), `fenced ${action.node}`, false);
      // The admin's record that the node really was shot (Pacemaker logs the fencer's OK too).
      this.io.log.warn({ node: action.node, operation: action.operation }, 'node fenced');
      return true;
    }
    const rsc = action.rsc as ResourceRef;
    if (action.kind === 'cancel') {
      // Pacemaker's controller deletes a cancelled operation's entry: the scheduler must not count it as running.
      const operation = action.params.CRM_meta_operation ?? 'monitor';
      this.update((cib) => { forgetRecurring(cib, action.node, rsc.id, operation, action.intervalMs); }, `${describeAction(action)} done`, false);
      this.io.log.info({ action: describeAction(action) }, 'recurring operation cancelled');
      return true;
    }
    if (action.kind === 'notify') {
      // Pacemaker neither records notifications nor fails a transition on them.
      if (result.rc !== 0) this.io.log.warn({ action: describeAction(action), rc: result.rc, reason: result.exitReason }, 'notification failed');
      return true;
    }
    const record = operationRecord(action, key, result);
    const failed = isFailure(record);
    const unexpected = failed || record.rc !== action.targetRc;
    this.update((cib) => recordOperation(cib, node, rsc, record), `${describeAction(action)} ${unexpected ? 'unexpected' : 'done'}`, unexpected);
    (unexpected ? this.io.log.warn : this.io.log.info).call(this.io.log, { action: describeAction(action), rc: result.rc, status: result.status, reason: result.exitReason }, unexpected ? 'unexpected result' : 'action done');
    return !unexpected;
  }

  nodeRef(uname: string): NodeRef {
    const nodes = this.current.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'nodes');
    const element = nodes?.children.find((c) => c.name === 'node' && c.attrs.uname === uname);
    return { id: element?.attrs.id ?? uname, uname };
  }
}
