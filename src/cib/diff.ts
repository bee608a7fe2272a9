/**
 * A structural diff of two CIBs: elements added, removed or changed, each
 * named by its id path (`/cib/configuration/resources/primitive[@id='vip']`),
 * and `applyDiff`, which replays it: diff(a, b) applied to a gives b. Used
 * for `--dry-run` output and for replication.
 */
import { canonicalEqual, cloneElement } from './canonical.js';
import { TandemError, ExitCode } from '../errors.js';
import { serializeXml, type XmlElement } from './xml.js';

export interface AttributeChange { name: string; before?: string; after?: string }

export type CibChange =
  | { kind: 'added'; path: string; element: XmlElement; position: number }
  | { kind: 'removed'; path: string }
  | { kind: 'changed'; path: string; attributes: AttributeChange[]; textBefore?: string; textAfter?: string }
  /** The children common to both sides changed order; `order` lists the keys of all children after the change. */
  | { kind: 'reordered'; path: string; order: string[] };

/** A diff does not fit the tree it is applied to (a replica out of step). */
export class DiffApplyError extends TandemError {
  constructor(message: string, context: Record<string, unknown>) {
    super('E_CIB_DIFF', message, { exitCode: ExitCode.dataErr, context });
  }
}

/** Path keys of a child list: `name[@id='x']`, or `name` / `name[2]` by position among id-less siblings. */
function keysOf(children: XmlElement[]): string[] {
  const counts = new Map<string, number>();
  return children.map((element) => {
    const id = element.attrs['id'];
    if (id !== undefined) return `${element.name}[@id='${id}']`;
    const seen = counts.get(element.name) ?? 0;
    counts.set(element.name, seen + 1);
    return seen === 0 ? element.name : `${element.name}[${seen + 1}]`;
  });
}

function attributeChanges(before: XmlElement, after: XmlElement): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const name of new Set([...Object.keys(before.attrs), ...Object.keys(after.attrs)])) {
    const old = before.attrs[name];
    const now = after.attrs[name];
    if (old === now) continue;
    const change: AttributeChange = { name };
    if (old !== undefined) change.before = old;
    if (now !== undefined) change.after = now;
    changes.push(change);
  }
  return changes;
}

function diffInto(before: XmlElement, after: XmlElement, path: string, out: CibChange[]): void {
  const attributes = attributeChanges(before, after);
  if (attributes.length > 0 || before.text !== after.text) {
    const change: CibChange = { kind: 'changed', path, attributes };
    if (before.text !== undefined) change.textBefore = before.text;
    if (after.text !== undefined) change.textAfter = after.text;
    out.push(change);
  }
  const beforeKeys = keysOf(before.children);
  const afterKeys = keysOf(after.children);
  const beforeByKey = new Map(beforeKeys.map((key, index) => [key, before.children[index] as XmlElement]));
  const afterSet = new Set(afterKeys);
  // structure of this level first, so nested paths resolve against the final child list
  for (const key of beforeKeys) if (!afterSet.has(key)) out.push({ kind: 'removed', path: `${path}/${key}` });
  const commonAfter = afterKeys.filter((key) => beforeByKey.has(key));
  const commonBefore = beforeKeys.filter((key) => afterSet.has(key));
  if (commonAfter.some((key, index) => commonBefore[index] !== key)) out.push({ kind: 'reordered', path, order: afterKeys });
  afterKeys.forEach((key, position) => {
    if (!beforeByKey.has(key)) out.push({ kind: 'added', path: `${path}/${key}`, element: after.children[position] as XmlElement, position });
  });
  afterKeys.forEach((key, position) => {
    const previous = beforeByKey.get(key);
    const current = after.children[position] as XmlElement;
    if (previous !== undefined && !canonicalEqual(previous, current)) diffInto(previous, current, `${path}/${key}`, out);
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

function splitPath(path: string): string[] {
  // ids may contain '/', so split only on a '/' that starts a new element name
  return path.split(/\/(?=[A-Za-z_][\w.:-]*(?:\[|$|\/))/).filter((part) => part !== '');
}

function resolve(root: XmlElement, path: string): { element: XmlElement; parent?: XmlElement } {
  const [rootKey, ...rest] = splitPath(path);
  if (rootKey !== root.name) throw new DiffApplyError(`diff path ${path} does not start at <${root.name}>`, { path });
  let element = root;
  let parent: XmlElement | undefined;
  for (const key of rest) {
    const index = keysOf(element.children).indexOf(key);
    const next = element.children[index];
    if (index < 0 || next === undefined) throw new DiffApplyError(`diff path ${path}: no ${key} under ${element.name}`, { path });
    parent = element;
    element = next;
  }
  return parent === undefined ? { element } : { element, parent };
}

function parentPath(path: string): string {
  const parts = splitPath(path);
  return `/${parts.slice(0, -1).join('/')}`;
}

/**
 * Replays a diff on a copy of `base`.
 * @throws DiffApplyError when `base` is not the tree the diff was made from.
 */
export function applyDiff(base: XmlElement, changes: readonly CibChange[]): XmlElement {
  let root = cloneElement(base);
  for (const change of changes) {
    if (change.path === `/${root.name}` && change.kind === 'removed') continue;
    if (change.kind === 'added' && splitPath(change.path).length === 1) {
      root = cloneElement(change.element);
      continue;
    }
    switch (change.kind) {
      case 'removed': {
        const { element, parent } = resolve(root, change.path);
        if (parent) parent.children = parent.children.filter((candidate) => candidate !== element);
        break;
      }
      case 'added': {
        const { element: parent } = resolve(root, parentPath(change.path));
        parent.children.splice(Math.min(change.position, parent.children.length), 0, cloneElement(change.element));
        break;
      }
      case 'reordered': {
        const { element } = resolve(root, change.path);
        const rank = new Map(change.order.map((key, index) => [key, index]));
        const keyed = keysOf(element.children).map((key, index) => ({ key, element: element.children[index] as XmlElement }));
        element.children = keyed.sort((a, b) => (rank.get(a.key) ?? 0) - (rank.get(b.key) ?? 0)).map((entry) => entry.element);
        break;
      }
      case 'changed': {
        const { element } = resolve(root, change.path);
        for (const attribute of change.attributes) {
          if (attribute.after === undefined) delete element.attrs[attribute.name];
          else element.attrs[attribute.name] = attribute.after;
        }
        if (change.textAfter === undefined) delete element.text;
        else element.text = change.textAfter;
        break;
      }
    }
  }
  return root;
}

/** Human-readable diff: `+` added (with its XML), `-` removed, `~` changed attributes, `>` reordered children. */
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
      case 'reordered':
        lines.push(`> ${change.path}: children now in order ${change.order.join(', ')}`);
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
