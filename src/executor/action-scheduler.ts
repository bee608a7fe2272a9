/**
 * Schedules actions on a node: one action at a time per resource (a FIFO
 * queue each), at most `maxConcurrent` actions at once on the node, and
 * recurring monitors that run again `intervalMs` after each run ends until
 * cancelled. Time and timers are injected, so this is unit tested without
 * real time; the work itself is done by an ActionRunner.
 */
import { systemClock, type Clock } from '../clock.js';
import { logger } from '../log.js';
import { OcfExit } from '../ocf/exit-codes.js';
import type { ActionRequest, ActionResult, ActionRunner, RunOutcome } from './action.js';
import { actionDigest } from './action-digest.js';
import { formatAgentSpec } from './agent-spec.js';
import { ExecutorInputError } from './errors.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';

const log = logger('executor');

export interface ActionSchedulerOptions {
  runner: ActionRunner;
  clock?: Clock;
  timers?: Timers;
  /** Actions running at once on this node; default 4 (Pacemaker: node-action-limit). */
  maxConcurrent?: number;
}

interface QueuedAction {
  request: ActionRequest;
  callId: number;
  enqueuedAtMs: number;
  deliver: (result: ActionResult) => void;
  recurring?: RecurringMonitor;
}

interface RecurringMonitor {
  key: string;
  request: ActionRequest;
  onResult: (result: ActionResult) => void;
  timer?: TimerHandle;
  cancelled: boolean;
}

/** The key of a recurring operation: resource, action and interval, as Pacemaker's op key. */
export function operationKey(resource: string, action: string, intervalMs: number): string {
  return `${resource}_${action}_${intervalMs}`;
}

function checkRequest(request: ActionRequest): void {
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) {
    throw new ExecutorInputError(`${request.resource} ${request.action}: timeout must be a positive number of ms, not ${request.timeoutMs}`, { resource: request.resource, field: 'timeoutMs' });
  }
  const intervalMs = request.intervalMs ?? 0;
  if (!Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new ExecutorInputError(`${request.resource} ${request.action}: interval must be >= 0 ms, not ${intervalMs}`, { resource: request.resource, field: 'intervalMs' });
  }
}

export class ActionScheduler {
  private readonly runner: ActionRunner;
  private readonly clock: Clock;
  private readonly timers: Timers;
  readonly maxConcurrent: number;
  private nextCallId = 1;
  /** Waiting actions in arrival order; each resource's own order is kept. */
  private queue: QueuedAction[] = [];
  private readonly busyResources = new Set<string>();
  private readonly recurring = new Map<string, RecurringMonitor>();

  constructor(options: ActionSchedulerOptions) {
    this.runner = options.runner;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.maxConcurrent = options.maxConcurrent ?? 4;
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) {
      throw new ExecutorInputError(`maxConcurrent must be a whole number >= 1, not ${this.maxConcurrent}`, { field: 'maxConcurrent' });
    }
  }

  /** Actions running now. */
  get runningCount(): number { return this.busyResources.size; }
  /** Actions waiting for their resource or for a free slot. */
  get queuedCount(): number { return this.queue.length; }

  /**
   * Queues a one-shot action and resolves with its result. Never rejects for
   * an agent failure (that is a result); throws ExecutorInputError at once
   * for a bad timeout or interval.
   */
  submit(request: ActionRequest): Promise<ActionResult> {
    checkRequest(request);
    return new Promise<ActionResult>((resolve) => this.enqueue(request, resolve));
  }

  /**
   * Starts a recurring action: it runs now, then `intervalMs` after each run
   * ends, and each result goes to `onResult`, until cancelled. Replaces a
   * recurring action with the same resource, action and interval.
   * @returns the operation key (`rsc_monitor_10000`).
   * @throws ExecutorInputError when the interval is not > 0.
   */
  startRecurring(request: ActionRequest, onResult: (result: ActionResult) => void): string {
    checkRequest(request);
    const intervalMs = request.intervalMs ?? 0;
    if (intervalMs <= 0) throw new ExecutorInputError(`${request.resource} ${request.action}: a recurring action needs an interval > 0`, { resource: request.resource });
    const key = operationKey(request.resource, request.action, intervalMs);
    this.cancelRecurring(request.resource, request.action, intervalMs);
    const monitor: RecurringMonitor = { key, request, onResult, cancelled: false };
    this.recurring.set(key, monitor);
    this.enqueueRecurring(monitor);
    return key;
  }

  /**
   * Stops a recurring action: its next run is not scheduled and a queued run
   * is dropped; a run already in progress finishes but its result is not
   * delivered. @returns false when no such recurring action exists.
   */
  cancelRecurring(resource: string, action: string, intervalMs: number): boolean {
    const key = operationKey(resource, action, intervalMs);
    const monitor = this.recurring.get(key);
    if (monitor === undefined) return false;
    monitor.cancelled = true;
    monitor.timer?.cancel();
    this.recurring.delete(key);
    this.queue = this.queue.filter((entry) => entry.recurring !== monitor);
    log.debug({ key }, 'recurring action cancelled');
    return true;
  }

  /** Keys of the active recurring actions, optionally of one resource. */
  recurringKeys(resource?: string): string[] {
    return [...this.recurring.values()].filter((monitor) => resource === undefined || monitor.request.resource === resource).map((monitor) => monitor.key).sort();
  }

  /** Cancels every recurring action (of one resource, or all). */
  cancelAllRecurring(resource?: string): number {
    let count = 0;
    for (const monitor of [...this.recurring.values()]) {
      if (resource !== undefined && monitor.request.resource !== resource) continue;
      if (this.cancelRecurring(monitor.request.resource, monitor.request.action, monitor.request.intervalMs ?? 0)) count++;
    }
    return count;
  }

  private enqueueRecurring(monitor: RecurringMonitor): void {
    this.enqueue(monitor.request, (result) => {
      if (monitor.cancelled) return;
      monitor.timer = this.timers.setTimer(monitor.request.intervalMs ?? 0, () => {
        if (!monitor.cancelled) this.enqueueRecurring(monitor);
      });
      try {
        monitor.onResult(result);
      } catch (error) {
        log.error({ key: monitor.key, err: error }, 'recurring result handler threw');
      }
    }, monitor);
  }

  private enqueue(request: ActionRequest, deliver: (result: ActionResult) => void, recurring?: RecurringMonitor): void {
    const entry: QueuedAction = { request, callId: this.nextCallId++, enqueuedAtMs: this.clock.monotonicMs(), deliver, ...(recurring ? { recurring } : {}) };
    this.queue.push(entry);
    this.pump();
  }

  /** Starts every queued action whose resource is idle, while slots are free. */
  private pump(): void {
    for (let index = 0; index < this.queue.length && this.busyResources.size < this.maxConcurrent;) {
      const entry = this.queue[index];
      if (entry === undefined || this.busyResources.has(entry.request.resource)) {
        index++;
        continue;
      }
      this.queue.splice(index, 1);
      this.busyResources.add(entry.request.resource);
      void this.execute(entry);
    }
  }

  private async execute(entry: QueuedAction): Promise<void> {
    const { request } = entry;
    const startedAtMs = this.clock.nowMs();
    const startMonoMs = this.clock.monotonicMs();
    let outcome: RunOutcome;
    try {
      outcome = await this.runner.run(request);
    } catch (error) {
      // A runner must not reject; if one does, the action failed, the node goes on.
      log.error({ resource: request.resource, action: request.action, err: error }, 'action runner failed');
      outcome = { rc: OcfExit.ERR_GENERIC, status: 'error', exitReason: `executor error: ${error instanceof Error ? error.message : String(error)}`, stdoutTail: '', stderrTail: '', outputTruncated: false };
    }
    const result: ActionResult = {
      ...outcome,
      callId: entry.callId,
      resource: request.resource,
      agent: formatAgentSpec(request.agent),
      action: request.action,
      intervalMs: request.intervalMs ?? 0,
      startedAtMs,
      runTimeMs: Math.max(0, Math.round(this.clock.monotonicMs() - startMonoMs)),
      queueTimeMs: Math.max(0, Math.round(startMonoMs - entry.enqueuedAtMs)),
      opDigest: actionDigest(request),
    };
    log.debug({ resource: result.resource, action: result.action, intervalMs: result.intervalMs, callId: result.callId, rc: result.rc, status: result.status, runTimeMs: result.runTimeMs }, 'action finished');
    this.busyResources.delete(request.resource);
    try {
      entry.deliver(result);
    } finally {
      this.pump();
    }
  }
}
