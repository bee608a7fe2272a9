/**
 * Small helpers to find or create elements in a CIB tree in place. The
 * controller edits a copy of the CIB and then commits it, so mutation here is
 * safe and keeps the code short.
 */
import type { XmlElement } from '../cib/xml.js';

/** The first child named `name` whose attributes match `match`, created (appended) when missing. */
export function ensureChild(parent: XmlElement, name: string, match: Record<string, string> = {}): XmlElement {
  const found = parent.children.find((c) => c.name === name && Object.entries(match).every(([k, v]) => c.attrs[k] === v));
  if (found) return found;
  const created: XmlElement = { name, attrs: { ...match }, children: [] };
  parent.children.push(created);
  return created;
}

/** Removes the children for which `drop` is true; returns how many went. */
export function removeChildren(parent: XmlElement, drop: (child: XmlElement) => boolean): number {
  const before = parent.children.length;
  parent.children = parent.children.filter((c) => !drop(c));
  return before - parent.children.length;
}

/** A deep copy (the tree is plain data). */
export function cloneXml(element: XmlElement): XmlElement {
  return structuredClone(element);
}

/** The `<status>` section, created when missing. */
export function statusSection(cib: XmlElement): XmlElement {
  return ensureChild(cib, 'status');
}

/** The `<node_state>` of `uname` (created with `id` when missing). */
export function nodeStateOf(cib: XmlElement, node: { id: string; uname: string }): XmlElement {
  const status = statusSection(cib);
  const found = status.children.find((c) => c.name === 'node_state' && (c.attrs.uname === node.uname || c.attrs.id === node.id));
  if (found) return found;
  const created: XmlElement = { name: 'node_state', attrs: { id: node.id, uname: node.uname }, children: [] };
  status.children.push(created);
  return created;
}

/** Sets (or, with undefined, removes) a transient attribute of a node. */
export function setTransientAttribute(cib: XmlElement, node: { id: string; uname: string }, name: string, value: string | undefined): void {
  const state = nodeStateOf(cib, node);
  const transient = ensureChild(state, 'transient_attributes', { id: node.id });
  const set = ensureChild(transient, 'instance_attributes', { id: `status-${node.id}` });
  const id = `status-${node.id}-${name.replace(/[^A-Za-z0-9_.-]/g, '.')}`;
  removeChildren(set, (c) => c.name === 'nvpair' && c.attrs.name === name);
  if (value !== undefined) set.children.push({ name: 'nvpair', attrs: { id, name, value }, children: [] });
}

/** The transient attributes of a node, by name. */
export function transientAttributes(cib: XmlElement, uname: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const state = cib.children.find((c) => c.name === 'status')?.children.find((c) => c.name === 'node_state' && c.attrs.uname === uname);
  for (const transient of state?.children ?? []) {
    if (transient.name !== 'transient_attributes') continue;
    for (const set of transient.children) for (const pair of set.children) {
      if (pair.name === 'nvpair' && pair.attrs.name !== undefined) attrs.set(pair.attrs.name, pair.attrs.value ?? '');
    }
  }
  return attrs;
}
