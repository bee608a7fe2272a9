/**
 * Pacemaker's operation digest: the md5 of the operation's parameters
 * serialized as `<parameters name="value" .../>` with names sorted. The
 * executor records it with each result (`op-digest` of `lrm_rsc_op`); the
 * scheduler compares it with the configured parameters to decide whether a
 * resource must restart. Recurring operations add `CRM_meta_timeout` (ms).
 */
import { createHash } from 'node:crypto';

function escapeAttr(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** The `<parameters .../>` text Pacemaker hashes, names in byte order. */
export function digestInput(params: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(params)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => ` ${name}="${escapeAttr(params[name] ?? '')}"`)
    .join('');
  return ` <parameters${pairs}/>\n`;
}

/** md5 hex digest of the parameters, as Pacemaker's `op-digest`. */
export function opDigest(params: Readonly<Record<string, string>>): string {
  return createHash('md5').update(digestInput(params)).digest('hex');
}
