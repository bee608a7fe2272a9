/**
 * Name/value sets (`instance_attributes`, `meta_attributes`, `utilization`,
 * `cluster_property_set`): sets are applied highest `score` first and the
 * first value found for a name wins, as Pacemaker's pe_unpack_nvpairs does.
 * A set with a `<rule>` only counts when the rule holds.
 */
import type { XmlElement } from '../cib/xml.js';
import { evaluateRule, type RuleContext } from './rules.js';
import { parseScoreOr } from '../cib/score.js';

/** Index of every element with an id, to resolve `id-ref`. */
export type IdIndex = Map<string, XmlElement>;

export function buildIdIndex(root: XmlElement): IdIndex {
  const index: IdIndex = new Map();
  const stack = [root];
  while (stack.length > 0) {
    const element = stack.pop() as XmlElement;
    const id = element.attrs.id;
    if (id !== undefined && element.attrs['id-ref'] === undefined && !index.has(id)) index.set(id, element);
    for (const nested of element.children) stack.push(nested);
  }
  return index;
}

export function resolveRef(element: XmlElement, index: IdIndex): XmlElement {
  const ref = element.attrs['id-ref'];
  return ref === undefined ? element : (index.get(ref) ?? element);
}

/**
 * Applies the sets named `setName` under `owner` into `into` (names already
 * present keep their value, so callers apply the most specific source first).
 */
export function applyNvSets(owner: XmlElement | undefined, setName: string, into: Map<string, string>, ctx: RuleContext, index: IdIndex): void {
  if (owner === undefined) return;
  const sets = owner.children.filter((c) => c.name === setName).map((c) => resolveRef(c, index));
  const ordered = sets
    .map((set, position) => ({ set, position, score: parseScoreOr(set.attrs.score, 0) }))
    .sort((a, b) => b.score - a.score || a.position - b.position);
  for (const { set } of ordered) {
    const rule = set.children.find((c) => c.name === 'rule');
    if (rule && !evaluateRule(resolveRef(rule, index), ctx)) continue;
    for (const pair of set.children) {
      if (pair.name !== 'nvpair') continue;
      const resolved = resolveRef(pair, index);
      const name = resolved.attrs.name;
      if (name === undefined || into.has(name)) continue;
      // "#default" means "not set here" (Pacemaker skips it).
      if ((resolved.attrs.value ?? '').toLowerCase() === '#default') continue;
      into.set(name, resolved.attrs.value ?? '');
    }
  }
}
