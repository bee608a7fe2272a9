/**
 * One node's side of the controller: runs the actions the DC sends through
 * the executor's ActionScheduler (per-resource order, concurrency limit).
 * A recurring monitor is started on the executor; its first result answers
 * the DC's action, and afterwards only a change of result is reported (as
 * Pacemaker's executor does), through `onRecurringChange`. A stop cancels
 * the resource's recurring monitors first; a cancel action (a role change)
 * cancels the one it names.
 */
import type { ActionScheduler } from '../executor/action-scheduler.js';
import type { ActionRequest, ActionResult } from '../executor/action.js';
import { parseAgentStandard } from '../executor/agent-spec.js';
import type { Logger } from '../log.js';
import { agentWarnings } from './agent-warnings.js';
import type { ExecutedResult } from './controller.js';
import type { TransitionKey } from './op-history.js';
import type { PlannedAction } from './transition-plan.js';

/** A recurring monitor's new result, with the key of the action that started it. */
export interface RecurringChange {
  action: PlannedAction;
  key: TransitionKey;
  result: ExecutedResult;
}

function executed(result: ActionResult): ExecutedResult {
  return {
    rc: result.rc, status: result.status, callId: result.callId, opDigest: result.opDigest, startedAtMs: result.startedAtMs,
    runTimeMs: result.runTimeMs, queueTimeMs: result.queueTimeMs, ...(result.exitReason !== undefined ? { exitReason: result.exitReason } : {}),
  };
}

export class NodeExecutor {
  /** `log` receives the agents' warnings and errors (their log lines), also from monitors that succeed. */
  constructor(private readonly scheduler: ActionScheduler, private readonly onRecurringChange: (change: RecurringChange) => void, private readonly log?: Logger) {}

  private logAgentWarnings(request: ActionRequest, result: ActionResult): void {
    if (this.log === undefined) return;
    for (const line of agentWarnings(result.stderrTail)) {
      this.log.warn({ resource: request.resource, operation: request.action, intervalMs: request.intervalMs, rc: result.rc, agentLog: line }, 'agent warning');
    }
  }

  /** Runs a resource action; never rejects for an agent's failure. @throws ExecutorInputError for a bad agent name or timeout. */
  async execute(action: PlannedAction, key: TransitionKey): Promise<ExecutedResult> {
    const rsc = action.rsc;
    if (rsc === undefined) throw new TypeError(`action ${action.kind} on ${action.node} has no resource`);
    const request: ActionRequest = {
      resource: rsc.id,
      agent: { standard: parseAgentStandard(rsc.cls), type: rsc.type, ...(rsc.provider !== undefined ? { provider: rsc.provider } : {}) },
      action: action.operation, params: action.params, timeoutMs: action.timeoutMs, intervalMs: action.intervalMs,
      // As Pacemaker does: agents that record an owner (Mirror) name the
      // cluster node, not the host name, which need not match it.
      meta: { on_node: action.node },
    };
    if (action.kind === 'cancel') {
      // A queued run is dropped and a running one's result never delivered, so the old role's monitor reports nothing more.
      const operation = action.params.CRM_meta_operation ?? 'monitor';
      const cancelled = this.scheduler.cancelRecurring(rsc.id, operation, action.intervalMs);
      this.log?.debug({ resource: rsc.id, operation, intervalMs: action.intervalMs, cancelled }, 'recurring operation cancelled');
      // Nothing ran: a cancel of a monitor this node no longer runs (restarted since) has done its job too.
      return { rc: 0, status: 'done', callId: 0, opDigest: '', startedAtMs: 0, runTimeMs: 0, queueTimeMs: 0 };
    }
    if (action.kind === 'stop') this.scheduler.cancelAllRecurring(rsc.id);
    if (action.intervalMs <= 0) {
      const result = await this.scheduler.submit(request);
      this.logAgentWarnings(request, result);
      return executed(result);
    }
    return new Promise<ExecutedResult>((resolve) => {
      let last: string | undefined;
      this.scheduler.startRecurring(request, (result) => {
        this.logAgentWarnings(request, result);
        const signature = `${result.rc}:${result.status}`;
        if (last === undefined) resolve(executed(result));
        else if (signature !== last) this.onRecurringChange({ action, key, result: executed(result) });
        last = signature;
      });
    });
  }

  /**
   * Runs one fence agent action (fence-agents' stdin options: `action=` and
   * `params`, which carry the plug), with its output for `list`.
   */
  async fenceAgent(device: { id: string; type: string }, action: string, params: Record<string, string>, timeoutMs: number): Promise<{ result: ExecutedResult; stdout: string }> {
    const request: ActionRequest = { resource: device.id, agent: { standard: 'stonith', type: device.type }, action, params, timeoutMs };
    const result = await this.scheduler.submit(request);
    this.logAgentWarnings(request, result);
    return { result: executed(result), stdout: result.stdoutTail };
  }

  /** Cancels every recurring monitor (this node left the cluster or stops). */
  cancelAll(): void {
    this.scheduler.cancelAllRecurring();
  }
}
