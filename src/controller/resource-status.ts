/**
 * What `tandem status` shows of resources, read from a CIB as the scheduler
 * reads it: each primitive with its agent, role and the nodes it runs on,
 * and the failed actions recorded in the status section (crm_mon's "Failed
 * Resource Actions"). Pure: time is a parameter.
 */
import type { XmlElement } from '../cib/xml.js';
import { schedule } from '../scheduler/index.js';
import type { Resource } from '../scheduler/model.js';

export interface ResourceLine {
  id: string;
  agent: string;
  role: string;
  runningOn: string[];
  failed: boolean;
  managed: boolean;
  targetRole?: string;
  /** The group it belongs to, if any. */
  group?: string;
  /** The clone it is an instance of (directly or through a cloned group), if any. */
  clone?: string;
}

export interface FailedAction {
  resource: string;
  operation: string;
  intervalMs: number;
  node: string;
  rc: number;
  exitReason: string;
  lastRcChange: number;
}

export interface ResourceStatus {
  resources: ResourceLine[];
  failedActions: FailedAction[];
  /** Why resources could not be read (the CIB could not be scheduled). */
  error?: string;
}

function containers(parent: Resource | undefined): { group?: string; clone?: string } {
  if (parent === undefined) return {};
  if (parent.kind === 'clone') return { clone: parent.id };
  if (parent.kind === 'group') return { group: parent.baseId, ...(parent.parent?.kind === 'clone' ? { clone: parent.parent.id } : {}) };
  return {};
}

/** The resources and failed actions of `cib` at `now`. Never throws: an unreadable CIB gives `error`. */
export function resourceStatus(cib: XmlElement, now: Date): ResourceStatus {
  const failedActions: FailedAction[] = [];
  const status = cib.children.find((c) => c.name === 'status');
  for (const state of status?.children ?? []) {
    if (state.name !== 'node_state') continue;
    for (const lrm of state.children.filter((c) => c.name === 'lrm')) for (const resources of lrm.children) for (const rsc of resources.children) {
      for (const op of rsc.children) {
        if (op.name !== 'lrm_rsc_op' || !op.attrs.id?.endsWith('_last_failure_0')) continue;
        failedActions.push({
          resource: rsc.attrs.id ?? '', operation: op.attrs.operation ?? '', intervalMs: Number(op.attrs.interval ?? 0), node: state.attrs.uname ?? '',
          rc: Number(op.attrs['rc-code'] ?? -1), exitReason: op.attrs['exit-reason'] ?? '', lastRcChange: Number(op.attrs['last-rc-change'] ?? 0),
        });
      }
    }
  }
  try {
    const ws = schedule(cib, now).workingSet;
    const resources = [...ws.primitives.values()].map((rsc): ResourceLine => ({
      id: rsc.id, agent: `${rsc.cls}${rsc.provider !== undefined ? `:${rsc.provider}` : ''}:${rsc.type}`, role: rsc.role,
      runningOn: [...rsc.runningOn], failed: rsc.failed, managed: rsc.managed,
      ...(rsc.meta.get('target-role') !== undefined ? { targetRole: rsc.meta.get('target-role') } : {}),
      ...containers(rsc.parent),
    }));
    return { resources, failedActions };
  } catch (error) {
    return { resources: [], failedActions, error: error instanceof Error ? error.message : String(error) };
  }
}
