/**
 * When the next failure expires: for each resource with a failure-timeout,
 * each node's `last-failure-RSC#OP_INTERVAL` plus the timeout. The DC wakes
 * up then and schedules again, so an expired failure is forgotten on time
 * rather than at the next cluster-recheck-interval. Pure.
 */
import { parseIntervalMs } from '../cib/values.js';
import type { XmlElement } from '../cib/xml.js';

function failureTimeouts(cib: XmlElement): Map<string, number> {
  const timeouts = new Map<string, number>();
  const resources = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'resources');
  const visit = (element: XmlElement): void => {
    if (element.name === 'primitive' && element.attrs.id !== undefined) {
      for (const meta of element.children.filter((c) => c.name === 'meta_attributes')) {
        for (const pair of meta.children) {
          if (pair.attrs.name !== 'failure-timeout') continue;
          const ms = parseIntervalMs(pair.attrs.value ?? '');
          if (ms !== undefined && ms > 0) timeouts.set(element.attrs.id, ms);
        }
      }
    }
    for (const child of element.children) visit(child);
  };
  if (resources) visit(resources);
  return timeouts;
}

/** Milliseconds since the epoch of the next failure expiry after `nowMs`, or undefined when none is due. */
export function nextFailureExpiryMs(cib: XmlElement, nowMs: number): number | undefined {
  const timeouts = failureTimeouts(cib);
  if (timeouts.size === 0) return undefined;
  let next: number | undefined;
  const status = cib.children.find((c) => c.name === 'status');
  for (const state of status?.children ?? []) {
    for (const transient of state.children.filter((c) => c.name === 'transient_attributes')) {
      for (const set of transient.children) for (const pair of set.children) {
        const match = /^last-failure-(.+?)(#.*)?$/.exec(pair.attrs.name ?? '');
        const timeoutMs = match?.[1] === undefined ? undefined : timeouts.get(match[1]);
        if (timeoutMs === undefined) continue;
        // the scheduler compares with "now > last + timeout": wake up just after
        const expiryMs = Number(pair.attrs.value ?? 0) * 1000 + timeoutMs + 1000;
        if (expiryMs > nowMs && (next === undefined || expiryMs < next)) next = expiryMs;
      }
    }
  }
  return next;
}

/**
 * Removes the fail counts (and last-failure times) whose failure-timeout has
 * passed, in place — what Pacemaker's clear_failcount does once the
 * scheduler finds them expired, so `tandem resource failcount` and status
 * stop showing them. Returns "RSC on NODE" for each one removed.
 */
export function clearExpiredFailures(cib: XmlElement, nowMs: number): string[] {
  const timeouts = failureTimeouts(cib);
  if (timeouts.size === 0) return [];
  const cleared: string[] = [];
  const status = cib.children.find((c) => c.name === 'status');
  for (const state of status?.children ?? []) {
    for (const transient of state.children.filter((c) => c.name === 'transient_attributes')) {
      for (const set of transient.children) {
        const expired = new Set<string>();
        for (const pair of set.children) {
          const match = /^last-failure-(.+?)(#.*)?$/.exec(pair.attrs.name ?? '');
          const timeoutMs = match?.[1] === undefined ? undefined : timeouts.get(match[1]);
          if (match === null || timeoutMs === undefined) continue;
          // the scheduler's rule: expired once now > last failure + timeout
          if (nowMs > Number(pair.attrs.value ?? 0) * 1000 + timeoutMs) {
            expired.add(`${match[1] ?? ''}${match[2] ?? ''}`);
            cleared.push(`${match[1] ?? ''}${match[2] ?? ''} on ${state.attrs.uname ?? state.attrs.id ?? '?'}`);
          }
        }
        if (expired.size === 0) continue;
        set.children = set.children.filter((pair) => {
          const name = pair.attrs.name ?? '';
          return ![...expired].some((key) => name === `fail-count-${key}` || name === `last-failure-${key}`);
        });
      }
    }
  }
  return cleared;
}
