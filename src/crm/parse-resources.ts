/**
 * crmsh's resource statements: primitive, rsc_template, group, clone, ms,
 * and node, which shares their argument grammar.
 */
import type { XmlElement } from '../cib/xml.js';
import { Cursor, childOrNew, element } from './cursor.js';
import { identRe, matchAttrLists, matchNvpairs } from './parse-attributes.js';

/** Lists the OCF providers that have an agent of this type (for `primitive x Dummy`). */
export type ProviderLookup = (type: string) => string[];

/** Attributes an `op` element carries itself; any other name=value goes to its instance_attributes. */
const opAttributes = new Set(['id', 'name', 'interval', 'description', 'start-delay', 'interval-origin', 'timeout', 'enabled', 'record-pending', 'role', 'on-fail', 'requires']);
export const resourceRe = /^([a-z_#$][^=]*)$/i;
const descriptionRe = /^description=(.+)$/i;

/** crmsh's pick_provider: heartbeat if present (or nothing known), else pacemaker, else the first. */
export function pickProvider(providers: string[]): string {
  if (providers.length === 0 || providers.includes('heartbeat')) return 'heartbeat';
  if (providers.includes('pacemaker')) return 'pacemaker';
  return [...providers].sort()[0] ?? 'heartbeat';
}

function matchOp(cursor: Cursor, operations: XmlElement): void {
  cursor.match('op', "expected 'op'");
  const op = element('op', { name: cursor.match(identRe, 'expected an operation name') });
  const pairs = matchNvpairs(cursor, { minPairs: 0 });
  if (!pairs.some((pair) => pair.attrs['name'] === 'interval')) pairs.push(element('nvpair', { name: 'interval', value: '0' }));
  let params: XmlElement | undefined;
  for (const pair of pairs) {
    const name = pair.attrs['name'] ?? '';
    if (opAttributes.has(name)) {
      if (params) cursor.fail(`attribute order error: ${name} must appear before any instance attribute`);
      op.attrs[name] = pair.attrs['value'] ?? '';
    } else {
      params ??= childOrNew(op, 'instance_attributes');
      params.children.push(pair);
    }
  }
  op.children.push(...matchAttrLists(cursor, { op_params: 'instance_attributes', op_meta: 'meta_attributes' }, 'op_params'));
  operations.children.push(op);
}

function matchOperations(cursor: Cursor, owner: XmlElement, withId: boolean): void {
  if (withId) cursor.match('operations', "expected 'operations'");
  const operations = childOrNew(owner, 'operations');
  if (withId) {
    cursor.match(/^(\$id-ref|\$id)=(.*)$/i, 'expected $id-ref=<id> or $id=<id>');
    operations.attrs[(cursor.groups[1] ?? '').slice(1).toLowerCase()] = cursor.groups[2] ?? '';
  }
  while (cursor.current?.text.toLowerCase() === 'op') matchOp(cursor, operations);
}

/** crmsh's match_arguments: attribute sets and operations in any order, the first set keyword optional. */
export function matchArguments(cursor: Cursor, owner: XmlElement, nameMap: Record<string, string>, implicitInitial: string): void {
  const setMap = Object.fromEntries(Object.entries(nameMap).filter(([name]) => name !== 'op' && name !== 'operations'));
  const names = Object.keys(nameMap);
  let initial = true;
  while (cursor.hasTokens()) {
    const word = cursor.current?.text.toLowerCase() ?? '';
    if (names.includes(word)) {
      initial = false;
      if (word === 'op' || word === 'operations') matchOperations(cursor, owner, word === 'operations');
      else owner.children.push(...matchAttrLists(cursor, setMap));
    } else if (initial) {
      initial = false;
      owner.children.push(...matchAttrLists(cursor, setMap, implicitInitial));
    } else break;
  }
}

function matchAgent(cursor: Cursor, owner: XmlElement, providers: ProviderLookup): void {
  const token = cursor.matchAny();
  const parts = token.text.split(':');
  if (parts.length > 3 || parts.some((part) => part === '') || /[\s=]/.test(token.text)) cursor.fail('expected [class:[provider:]]type', token);
  const [agentClass, provider, type] = parts.length === 3 ? parts
    : parts.length === 2 ? [parts[0], undefined, parts[1]]
      : ['ocf', undefined, parts[0]];
  const resolvedProvider = agentClass === 'ocf' ? provider ?? pickProvider(providers(type ?? '')) : provider;
  owner.attrs['class'] = agentClass ?? '';
  if (resolvedProvider !== undefined) owner.attrs['provider'] = resolvedProvider;
  owner.attrs['type'] = type ?? '';
}

/** `primitive ID (agent | @template) ...` and `rsc_template ID agent ...`. */
export function parsePrimitive(cursor: Cursor, keyword: 'primitive' | 'rsc_template', providers: ProviderLookup): XmlElement {
  const out = element(keyword === 'primitive' ? 'primitive' : 'template', { id: cursor.match(identRe, 'expected a resource id') });
  if (keyword === 'primitive' && cursor.tryMatch(/^@(.+)$/)) out.attrs['template'] = cursor.groups[1] ?? '';
  else matchAgent(cursor, out, providers);
  if (cursor.tryMatch(descriptionRe)) out.attrs['description'] = cursor.groups[1] ?? '';
  matchArguments(cursor, out, { params: 'instance_attributes', meta: 'meta_attributes', utilization: 'utilization', operations: 'operations', op: 'op' }, 'params');
  return out;
}

/** `group ID member... [params ...] [meta ...]`; members are returned, not yet moved in. */
export function parseGroup(cursor: Cursor): { element: XmlElement; members: string[] } {
  const out = element('group', { id: cursor.match(identRe, 'expected a group id') });
  const members: string[] = [];
  for (;;) {
    const token = cursor.current;
    if (!token || token.text.includes('=') || ['params', 'meta'].includes(token.text.toLowerCase())) break;
    cursor.matchAny();
    if (members.includes(token.text)) cursor.fail(`child ${token.text} listed more than once in group ${out.attrs['id'] ?? ''}`, token);
    members.push(token.text);
  }
  if (members.length === 0) cursor.fail('expected at least one group member');
  if (cursor.tryMatch(descriptionRe)) out.attrs['description'] = cursor.groups[1] ?? '';
  matchArguments(cursor, out, { params: 'instance_attributes', meta: 'meta_attributes' }, 'params');
  return { element: out, members };
}

/** `clone ID child ...` or the deprecated `ms ID child ...` (a <master>). */
export function parseClone(cursor: Cursor, keyword: 'clone' | 'ms' | 'master'): { element: XmlElement; members: string[] } {
  const out = element(keyword === 'clone' ? 'clone' : 'master', { id: cursor.match(identRe, 'expected a clone id') });
  const member = cursor.match(resourceRe, 'expected the resource to clone');
  if (cursor.tryMatch(descriptionRe)) out.attrs['description'] = cursor.groups[1] ?? '';
  matchArguments(cursor, out, { params: 'instance_attributes', meta: 'meta_attributes' }, 'params');
  return { element: out, members: [member] };
}

/** `node [ID: | $id=ID] uname[:type] [description=...] [attributes ...] [utilization ...]`. */
export function parseNode(cursor: Cursor): XmlElement {
  const out = element('node');
  if (cursor.tryMatch(/^\$id=(.*)$/i) || cursor.tryMatch(/^([\w-]+):$/i)) out.attrs['id'] = cursor.groups[1] ?? '';
  cursor.match(/^([^:]+)(:(normal|member|ping|remote))?$/i, 'expected uname[:type]');
  out.attrs['uname'] = cursor.groups[1] ?? '';
  if (cursor.rawGroups[3] !== undefined) out.attrs['type'] = cursor.rawGroups[3];
  if (cursor.tryMatch(descriptionRe)) out.attrs['description'] = cursor.groups[1] ?? '';
  matchArguments(cursor, out, { attributes: 'instance_attributes', utilization: 'utilization' }, 'attributes');
  return out;
}
