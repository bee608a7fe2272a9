/**
 * What the controller makes of an action's result: the operation history
 * entry it records (Pacemaker's lrm_rsc_op fields), and the action's name in
 * the logs. Pure.
 */
import type { ExecutedResult } from './controller.js';
import { opStatusOf, type OperationRecord, type TransitionKey } from './op-history.js';
import type { PlannedAction } from './transition-plan.js';

/** The history entry of an action's result. */
export function operationRecord(action: PlannedAction, key: TransitionKey, result: ExecutedResult): OperationRecord {
  return {
    operation: action.operation, intervalMs: action.intervalMs, rc: result.rc, opStatus: opStatusOf(result.status), callId: result.callId,
    opDigest: result.opDigest, startedAtMs: result.startedAtMs, execTimeMs: result.runTimeMs, queueTimeMs: result.queueTimeMs, key,
    ...(result.exitReason !== undefined ? { exitReason: result.exitReason } : {}),
    ...(action.kind === 'migrate_to' || action.kind === 'migrate_from'
      ? { migrateSource: action.params.CRM_meta_migrate_source ?? '', migrateTarget: action.params.CRM_meta_migrate_target ?? '' } : {}),
  };
}

/** An action as the logs name it: `d1 monitor_10000 on node1`, `d1 cancel monitor_11000 on node1`. */
export function describeAction(action: PlannedAction): string {
  if (action.kind === 'pseudo') return action.key;
  const what = action.kind === 'monitor' ? `monitor_${action.intervalMs}`
    : action.kind === 'cancel' ? `cancel ${action.params.CRM_meta_operation ?? 'monitor'}_${action.intervalMs}` : action.kind;
  return `${action.rsc?.id ?? 'node'} ${what} on ${action.node}`;
}
