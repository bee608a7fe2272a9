/**
 * crmsh's constraint statements: location, colocation, order, rsc_ticket,
 * with simple resource pairs or resource sets in ( ) and [ ].
 */
import type { XmlElement } from '../cib/xml.js';
import { isTrue, parseBoolean } from '../cib/values.js';
import type { Token } from './lexer.js';
import { Cursor, element } from './cursor.js';
import { identRe, matchRules, scoreAttribute, scoreRe } from './parse-attributes.js';
import { resourceRe } from './parse-resources.js';

const roles = ['Stopped', 'Started', 'Promoted', 'Unpromoted', 'Master', 'Slave'];
const actions = ['start', 'promote', 'demote', 'stop'];
const orderKinds = ['Optional', 'Mandatory', 'Serialize'];

function canonize(value: string, allowed: readonly string[]): string | undefined {
  return allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
}

function isBoolean(text: string): boolean {
  return parseBoolean(text) !== undefined;
}

function canonicalBoolean(text: string): string {
  return isTrue(text) ? 'true' : 'false';
}

/** crmsh's ResourceSet parser: `a ( b c:start ) [ d e ] sequential=false ...`. */
function parseResourceSets(cursor: Cursor, qualifier: 'role' | 'action', input: Token[]): XmlElement[] {
  const tokens: Token[] = [];
  for (const token of input) {
    const text = token.text;
    if ('(['.includes(text[0] ?? '') && text.length > 1) tokens.push({ ...token, text: text[0] as string }, { ...token, text: text.slice(1), column: token.column + 1 });
    else if (')]'.includes(text[text.length - 1] ?? '') && text.length > 1) tokens.push({ ...token, text: text.slice(0, -1) }, { ...token, text: text[text.length - 1] as string, column: token.column + text.length - 1 });
    else tokens.push(token);
  }
  const sets: XmlElement[] = [];
  let current = element('resource_set');
  let previousQualifier = '';
  let qualifierAttr = '';
  let opened = '';
  let sequential = true;
  let requireAll = true;
  const save = (): void => {
    if (current.children.length === 0) return;
    if (!requireAll) current.attrs['require-all'] = 'false';
    if (!sequential) current.attrs['sequential'] = 'false';
    if (qualifierAttr) current.attrs[qualifierAttr] = previousQualifier;
    sets.push(current);
    current = element('resource_set');
    previousQualifier = '';
    qualifierAttr = '';
  };
  for (const token of tokens) {
    const text = token.text;
    if (text === '_rsc_set_') continue;
    if (text === '(' || text === '[') {
      save();
      if (opened) cursor.fail('cannot nest resource sets', token);
      sequential = false;
      if (text === '[') requireAll = false;
      opened = text;
      continue;
    }
    if (text === ')' || text === ']') {
      if (current.children.length === 0) cursor.fail('empty resource set', token);
      save();
      if (!opened) cursor.fail('unmatched closing bracket', token);
      if ((opened === '(' ? ')' : ']') !== text) cursor.fail('mismatched closing bracket', token);
      sequential = true;
      requireAll = true;
      opened = '';
      continue;
    }
    if (text.includes('=')) {
      const parts = text.split('=');
      if (parts.length !== 2) cursor.fail(`extra = in ${text}`, token);
      const [key, value] = parts as [string, string];
      if (key !== 'sequential' && key !== 'require-all') cursor.fail('unknown attribute', token);
      if (!isBoolean(value)) cursor.fail(`not a boolean: ${value}`, token);
      if (key === 'sequential') sequential = canonicalBoolean(value) === 'true';
      else requireAll = canonicalBoolean(value) === 'true';
      continue;
    }
    const parts = text.split(':');
    let resource = text;
    let qualifierValue = '';
    if (parts.length === 2) {
      resource = parts[0] ?? '';
      qualifierValue = canonize(parts[1] ?? '', qualifier === 'action' ? actions : roles) ?? '';
      if (!qualifierValue) cursor.fail(`invalid ${qualifier} for ${text}`, token);
    } else if (parts.length > 2) cursor.fail(`invalid ${qualifier} for ${text}`, token);
    if (!resourceRe.test(resource)) cursor.fail('expected a resource id', token);
    if (qualifierValue !== previousQualifier) {
      save();
      previousQualifier = qualifierValue;
    }
    qualifierAttr = qualifierValue ? qualifier : '';
    current.children.push(element('resource_ref', { id: resource }));
  }
  if (opened) cursor.fail('unmatched opening bracket', tokens[tokens.length - 1]);
  save();
  return sets;
}

function splitReference(cursor: Cursor, qualifier: 'role' | 'action'): [string, string | undefined] {
  const token = cursor.matchAny();
  const parts = token.text.split(':');
  if (parts.length > 2) cursor.fail('expected value[:value]', token);
  const [resource, suffix] = parts as [string, string | undefined];
  if (!resourceRe.test(resource)) cursor.fail('expected a resource id', token);
  if (suffix === undefined) return [resource, undefined];
  const canonical = canonize(suffix, qualifier === 'role' ? roles : actions);
  if (canonical === undefined && !/^\d+$/.test(suffix)) cursor.fail(`invalid ${qualifier} '${suffix}' for '${resource}'`, token);
  return [resource, canonical ?? suffix];
}

/** Either `count` simple references or resource sets, set on/appended to `out`. */
function matchResources(cursor: Cursor, out: XmlElement, qualifier: 'role' | 'action', count: number): void {
  if (cursor.remaining() === count) {
    const names = qualifier === 'action' ? ['first', 'then'] : count === 1 ? ['rsc'] : ['rsc', 'with-rsc'];
    for (const name of names) {
      const [resource, suffix] = splitReference(cursor, qualifier);
      out.attrs[name] = resource;
      if (suffix !== undefined) out.attrs[`${name}-${/^\d+$/.test(suffix) ? 'instance' : qualifier}`] = suffix;
    }
    return;
  }
  const start = cursor.current;
  const sets = parseResourceSets(cursor, qualifier, cursor.rest());
  if (sets.length === 0) cursor.fail(`expected ${Array(count).fill(`<rsc>[:<${qualifier}>]`).join(' ')} | resource_sets`, start);
  out.children.push(...sets);
}

/** `location ID rsc|/pattern/|{ set } [role=R] [resource-discovery=D] (score: node | rule ...)`. */
export function parseLocation(cursor: Cursor): XmlElement {
  const out = element('rsc_location', { id: cursor.match(identRe, 'expected a constraint id') });
  if (cursor.tryMatch(/^\/(.+)\/$/)) out.attrs['rsc-pattern'] = cursor.groups[1] ?? '';
  else if (cursor.tryMatch(/^\{$/)) {
    const tokens: Token[] = [];
    while (cursor.current && cursor.current.text !== '}') tokens.push(cursor.matchAny());
    cursor.match(/^\}$/, "expected '}'");
    if (tokens.length === 0) cursor.fail('empty resource set');
    out.children.push(...parseResourceSets(cursor, 'role', tokens));
  } else out.attrs['rsc'] = cursor.match(resourceRe, 'expected a resource id');
  while (cursor.tryMatch(/^\$?([^=]+)=(.*)$/)) {
    const name = cursor.groups[1] ?? '';
    if (name !== 'role' && name !== 'resource-discovery') cursor.fail(`unknown location attribute '${name}'`);
    out.attrs[name] = cursor.groups[2] ?? '';
  }
  if (cursor.tryMatch(scoreRe)) {
    const [name, value] = scoreAttribute(cursor, cursor.groups[1] ?? '');
    out.attrs[name] = value;
    out.attrs['node'] = cursor.match(identRe, 'expected a node name');
    if (out.attrs['role'] === undefined && cursor.tryMatch(/^\$?role=(.+)$/i)) out.attrs['role'] = cursor.groups[1] ?? '';
    return out;
  }
  const rules = matchRules(cursor);
  if (rules.length === 0) cursor.fail('expected <score>: <node> or rule ...');
  out.children.push(...rules);
  return out;
}

/** `colocation ID score: rsc[:role] with-rsc[:role] | sets [node-attribute=A]`. */
export function parseColocation(cursor: Cursor): XmlElement {
  const out = element('rsc_colocation', { id: cursor.match(identRe, 'expected a constraint id') });
  cursor.match(scoreRe, 'expected <score>:');
  const [name, value] = scoreAttribute(cursor, cursor.groups[1] ?? '');
  out.attrs[name] = value;
  const nodeAttribute = cursor.tryMatchTail(/^node-attribute=(.+)$/);
  if (nodeAttribute) out.attrs['node-attribute'] = (nodeAttribute[1] ?? '').toLowerCase();
  matchResources(cursor, out, 'role', 2);
  return out;
}

/** `order ID [kind:|score:] first[:action] then[:action] | sets [symmetrical=B]`. */
export function parseOrder(cursor: Cursor): XmlElement {
  const out = element('rsc_order', { id: cursor.match(identRe, 'expected a constraint id') });
  if (cursor.tryMatch(/^(Optional|Mandatory|Serialize):$/i)) out.attrs['kind'] = canonize(cursor.groups[1] ?? '', orderKinds) ?? '';
  else if (cursor.tryMatch(scoreRe)) {
    const score = cursor.groups[1] ?? '';
    if (/^[+-]?(inf(inity)?|INF(INITY)?|[0-9]+)$/.test(score)) out.attrs['kind'] = score.replace(/inf(inity)?|INF(INITY)?/, 'INFINITY') === '0' ? 'Optional' : 'Mandatory';
    else {
      const kind = canonize(score, orderKinds);
      if (kind === undefined) cursor.fail(`invalid kind: ${score}`);
      out.attrs['kind'] = kind;
    }
  }
  const symmetrical = cursor.tryMatchTail(/^symmetrical=(true|false|yes|no|on|off)$/i);
  if (symmetrical) out.attrs['symmetrical'] = canonicalBoolean(symmetrical[1] ?? '');
  matchResources(cursor, out, 'action', 2);
  return out;
}

/** `rsc_ticket ID ticket: rsc[:role] ... [loss-policy=P]`. */
export function parseTicket(cursor: Cursor): XmlElement {
  const out = element('rsc_ticket', { id: cursor.match(identRe, 'expected a constraint id') });
  cursor.match(scoreRe, 'expected <ticket-id>:');
  out.attrs['ticket'] = cursor.groups[1] ?? '';
  const lossPolicy = cursor.tryMatchTail(/^loss-policy=(stop|demote|fence|freeze)$/);
  if (lossPolicy) out.attrs['loss-policy'] = lossPolicy[1] ?? '';
  matchResources(cursor, out, 'role', 1);
  return out;
}
