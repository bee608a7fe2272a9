/**
 * What tandemd daemons say to each other over the membership layer's
 * reliable ordered messaging. Every payload is checked on arrival: a peer's
 * bad message is logged and dropped, never trusted.
 */
import type { ExecutedResult } from '../controller/controller.js';
import type { TransitionKey } from '../controller/op-history.js';
import type { PlannedAction } from '../controller/transition-plan.js';
import type { ApiErrorBody } from './api/protocol.js';

export type PeerMessage =
  /** DC → members: the new authoritative CIB. */
  | { t: 'cib'; xml: string }
  /** Member → DC of a new view: my CIB, so the newest wins. */
  | { t: 'cib-offer'; viewId: number; xml: string }
  /** DC → node: run an action. */
  | { t: 'exec'; reqId: number; action: PlannedAction; key: TransitionKey }
  /** Node → DC: its result (or why it could not run). */
  | { t: 'exec-result'; reqId: number; result?: ExecutedResult; error?: string }
  /** Node → DC: a recurring monitor's result changed. */
  | { t: 'recurring'; action: PlannedAction; key: TransitionKey; result: ExecutedResult }
  /** Member → DC: a CLI request that changes the CIB. */
  | { t: 'api'; reqId: number; method: string; params: Record<string, unknown> }
  | { t: 'api-reply'; reqId: number; result?: unknown; error?: ApiErrorBody };

const kinds = new Set(['cib', 'cib-offer', 'exec', 'exec-result', 'recurring', 'api', 'api-reply']);

/** The payload as a PeerMessage, or undefined when it is not one (wrong shape). */
export function asPeerMessage(payload: unknown): PeerMessage | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const record = payload as Record<string, unknown>;
  if (typeof record.t !== 'string' || !kinds.has(record.t)) return undefined;
  switch (record.t) {
    case 'cib': return typeof record.xml === 'string' ? (record as PeerMessage) : undefined;
    case 'cib-offer': return typeof record.xml === 'string' && typeof record.viewId === 'number' ? (record as PeerMessage) : undefined;
    case 'exec': return typeof record.reqId === 'number' && isAction(record.action) && isObject(record.key) ? (record as PeerMessage) : undefined;
    case 'exec-result': return typeof record.reqId === 'number' && (isObject(record.result) || typeof record.error === 'string') ? (record as PeerMessage) : undefined;
    case 'recurring': return isAction(record.action) && isObject(record.key) && isObject(record.result) ? (record as PeerMessage) : undefined;
    case 'api': return typeof record.reqId === 'number' && typeof record.method === 'string' && isObject(record.params) ? (record as PeerMessage) : undefined;
    case 'api-reply': return typeof record.reqId === 'number' ? (record as PeerMessage) : undefined;
    default: return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isAction(value: unknown): value is PlannedAction {
  if (!isObject(value)) return false;
  return typeof value.kind === 'string' && typeof value.node === 'string' && typeof value.operation === 'string'
    && typeof value.intervalMs === 'number' && typeof value.timeoutMs === 'number' && isObject(value.params);
}
