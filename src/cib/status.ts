/**
 * Typed views over the CIB status section: node_state, the lrm_resource /
 * lrm_rsc_op operation history, and transient attributes (fail-count,
 * last-failure).
 */
import { child, childrenNamed, type XmlElement } from './xml.js';
import { readNvSet } from './model.js';
import { parseIntervalMs } from './values.js';
import { parseScoreOr } from './score.js';

export interface LrmRscOp {
  id: string; operation: string; callId?: number; rcCode?: number; opStatus?: number;
  intervalMs?: number | undefined; transitionKey?: string; opDigest?: string; lastRcChange?: number; element: XmlElement;
}
export interface LrmResource { id: string; agentClass?: string; provider?: string; type?: string; ops: LrmRscOp[] }
export interface NodeState {
  id: string; uname?: string; inCcm?: string; crmd?: string; join?: string; expected?: string;
  transientAttributes: Record<string, string>; resources: LrmResource[]; element: XmlElement;
}

function optionalInt(element: XmlElement, name: string): number | undefined {
  const text = element.attrs[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function readRscOp(element: XmlElement): LrmRscOp {
  const op: LrmRscOp = { id: element.attrs['id'] ?? '', operation: element.attrs['operation'] ?? '', element };
  for (const [attr, key] of [['call-id', 'callId'], ['rc-code', 'rcCode'], ['op-status', 'opStatus'], ['last-rc-change', 'lastRcChange']] as const) {
    const value = optionalInt(element, attr);
    if (value !== undefined) op[key] = value;
  }
  if (element.attrs['interval'] !== undefined) op.intervalMs = parseIntervalMs(element.attrs['interval']);
  if (element.attrs['transition-key'] !== undefined) op.transitionKey = element.attrs['transition-key'];
  if (element.attrs['op-digest'] !== undefined) op.opDigest = element.attrs['op-digest'];
  return op;
}

/** The status section: one entry per node_state with its history and transient attributes. */
export function nodeStates(cib: XmlElement): NodeState[] {
  const status = child(cib, 'status');
  if (!status) return [];
  return childrenNamed(status, 'node_state').map((element) => {
    const transient: Record<string, string> = {};
    for (const set of childrenNamed(child(element, 'transient_attributes') ?? { name: '', attrs: {}, children: [] }, 'instance_attributes')) {
      Object.assign(transient, readNvSet(set).values);
    }
    const lrmResources = child(child(element, 'lrm') ?? { name: '', attrs: {}, children: [] }, 'lrm_resources');
    const state: NodeState = {
      id: element.attrs['id'] ?? '',
      transientAttributes: transient,
      resources: childrenNamed(lrmResources ?? { name: '', attrs: {}, children: [] }, 'lrm_resource').map((resource) => {
        const view: LrmResource = { id: resource.attrs['id'] ?? '', ops: childrenNamed(resource, 'lrm_rsc_op').map(readRscOp) };
        if (resource.attrs['class'] !== undefined) view.agentClass = resource.attrs['class'];
        if (resource.attrs['provider'] !== undefined) view.provider = resource.attrs['provider'];
        if (resource.attrs['type'] !== undefined) view.type = resource.attrs['type'];
        return view;
      }),
      element,
    };
    for (const [attr, key] of [['uname', 'uname'], ['in_ccm', 'inCcm'], ['crmd', 'crmd'], ['join', 'join'], ['expected', 'expected']] as const) {
      if (element.attrs[attr] !== undefined) state[key] = element.attrs[attr];
    }
    return state;
  });
}

export interface FailCount { resource: string; operation?: string; count: number; /** last-failure, seconds since the epoch. */ lastFailure?: number }

/**
 * A node's fail-count-<rsc>[#<op>_<interval>] transient attributes with the
 * matching last-failure-... timestamps (Pacemaker 2.1 keeps one per operation).
 */
export function failCounts(state: NodeState): FailCount[] {
  const out: FailCount[] = [];
  for (const [name, value] of Object.entries(state.transientAttributes)) {
    const match = /^fail-count-(.+?)(?:#(.+))?$/.exec(name);
    if (!match?.[1]) continue;
    const entry: FailCount = { resource: match[1], count: parseScoreOr(value, 0) };
    if (match[2] !== undefined) entry.operation = match[2];
    const lastFailure = state.transientAttributes[name.replace(/^fail-count-/, 'last-failure-')];
    if (lastFailure !== undefined && /^\d+$/.test(lastFailure)) entry.lastFailure = Number(lastFailure);
    out.push(entry);
  }
  return out;
}
