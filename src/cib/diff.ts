/**
 * A structural diff of two CIBs: elements added, removed or changed, each
 * named by its id path (`/cib/configuration/resources/primitive[@id='vip']`).
 * Used for `--dry-run` output and for replication.
 */
import { canonicalEqual } from './canonical.js';
import { serializeXml, type XmlElement } from './xml.js';

export interface AttributeChange { name: string; before?: string; after?: string }

export type CibChange =
  | { kind: 'added'; path: string; element: XmlElement; position: number }
  | { kind: 'removed'; path: string }
  | { kind: 'changed'; path: string; attributes: AttributeChange[]; textBefore?: string; textAfter?: string }
  | { kind: 'moved'; path: string; position: number };

function keysOf(children: XmlElement[]): string[] {
  const counts = new Map<string, number>();
  return children.map((element) => {
    const id = element.attrs['id'];
    // resource_ref/obj_ref ids are references and may repeat across sets
    if (id !== undefined) return `${element.name}[@id='${id}']`;
    const seen = counts.get(element.name) ?? 0;
    counts.set(element.name, seen + 1);
    return seen === 0 ? element.name : `${element.name}[${seen + 1}]`;
  });
}

function diffInto(before: XmlElement, after: XmlElement, path: string, out: CibChange[]): void {
  const attributes: AttributeChange[] = [];
  for (const name of new Set([...Object.keys(before.attrs), ...Object.keys(after.attrs)])) {
    const old = before.attrs[name];
    const now = after.attrs[name];
    if (old === now) continue;
    const change: AttributeChange = { name };
    if (old !== undefined) change.before = old;
    if (now !== undefined) change.after = now;
    attributes.push(change);
  }
  if (attributes.length > 0 || before.text !== after.text) {
    const change: CibChange = { kind: 'changed', path, attributes };
    if (before.text !== after.text) {
      if (before.text !== undefined) change.textBefore = before.text;
      if (after.text !== undefined) change.textAfter = after.text;
    }
    out.push(change);
  }
  const beforeKeys = keysOf(before.children);
  const afterKeys = keysOf(after.children);
  const beforeByKey = new Map(beforeKeys.map((key, index) => [key, before.children[index] as XmlElement]));
  const afterSet = new Set(afterKeys);
  for (const key of beforeKeys) if (!afterSet.has(key)) out.push({ kind: 'removed', path: `${path}/${key}` });
  const common = afterKeys.filter((key) => beforeByKey.has(key));
  const commonBefore = beforeKeys.filter((key) => afterSet.has(key));
  afterKeys.forEach((key, position) => {
    const previous = beforeByKey.get(key);
    const current = after.children[position] as XmlElement;
    if (previous === undefined) out.push({ kind: 'added', path: `${path}/${key}`, element: current, position });
    else {
      if (common.indexOf(key) !== commonBefore.indexOf(key)) out.push({ kind: 'moved', path: `${path}/${key}`, position });
      if (!canonicalEqual(previous, current)) diffInto(previous, current, `${path}/${key}`, out);
    }
  });
}

/** Every difference from `before` to `after`, parents before children. */
export function diffCib(before: XmlElement, after: XmlElement): CibChange[] {
  const out: CibChange[] = [];
  if (before.name !== after.name) {
    out.push({ kind: 'removed', path: `/${before.name}` }, { kind: 'added', path: `/${after.name}`, element: after, position: 0 });
    return out;
  }
  diffInto(before, after, `/${after.name}`, out);
  return out;
}

/** Human-readable diff: `+` added (with its XML), `-` removed, `~` changed attributes, `>` moved. */
export function formatDiff(changes: CibChange[]): string {
  const lines: string[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'added':
        lines.push(`+ ${change.path}`);
        for (const line of serializeXml(change.element).trimEnd().split('\n')) lines.push(`+   ${line}`);
        break;
      case 'removed':
        lines.push(`- ${change.path}`);
        break;
      case 'moved':
        lines.push(`> ${change.path} (now at position ${change.position})`);
        break;
      case 'changed':
        for (const attribute of change.attributes) {
          lines.push(`~ ${change.path}/@${attribute.name}: ${attribute.before === undefined ? '(none)' : JSON.stringify(attribute.before)} -> ${attribute.after === undefined ? '(none)' : JSON.stringify(attribute.after)}`);
        }
        if (change.textBefore !== change.textAfter) lines.push(`~ ${change.path}/text(): changed`);
        break;
    }
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
