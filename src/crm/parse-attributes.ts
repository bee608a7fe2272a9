/**
 * crmsh's grammar for name=value lists, attribute sets and rules:
 * `params [$id=X] [score:] [rule ...] n=v ...`, `rule [$role=R] [score:]
 * expr [and|or expr ...]`, and date expressions.
 */
import type { XmlElement } from '../cib/xml.js';
import { Cursor, childOrNew, element } from './cursor.js';

/** Words that end a name=value list (crmsh's TERMINATORS). */
export const terminators = ['params', 'meta', 'utilization', 'operations', 'op', 'op_params', 'op_meta', 'rule', 'attributes'];

const nvpairRefRe = /^@([^:]+)(?::(.+))?$/;
const nvpairIdRe = /^\$([^:=]+)(?::(.+))?=(.*)$/;
const nvpairRe = /^([^=@$][^=]*)=(.*)$/;
const nvpairKeyRe = /^([^:=]+)$/i;
export const scoreRe = /^([^:]+):$/;
const idSpecRe = /^(\$id-ref|\$id)=(.*)$/i;
const roleRe = /^\$?role=(.+)$/i;
export const identRe = /^([a-z0-9_#$-][^=]*)$/i;
const binaryOpRe = /^(?:(string|integer|number|version):)?(lt|gt|lte|gte|eq|ne)$/i;
const valueSourceRe = /^([^\s{}]+)(?:\{(\S+)\})?$/;
const dateSpecNames = ['hours', 'monthdays', 'weekdays', 'yearsdays', 'months', 'weeks', 'years', 'weekyears', 'moon'];

/** Matches `n=v | n | @ref | $id:n=v` tokens up to a terminator word. */
export function matchNvpairs(cursor: Cursor, options: { terminator?: string[]; minPairs?: number } = {}): XmlElement[] {
  const stop = options.terminator ?? terminators;
  const pairs: XmlElement[] = [];
  for (;;) {
    const token = cursor.current;
    if (token === undefined || stop.includes(token.text.toLowerCase())) break;
    if (cursor.tryMatch(nvpairRefRe)) pairs.push(element('nvpair', { 'id-ref': cursor.rawGroups[1], name: cursor.rawGroups[2] }));
    else if (cursor.tryMatch(nvpairIdRe)) pairs.push(element('nvpair', { id: cursor.groups[1], name: cursor.rawGroups[2] ?? cursor.groups[1], value: cursor.groups[3] }));
    else if (cursor.tryMatch(nvpairRe)) pairs.push(element('nvpair', { name: cursor.groups[1], value: cursor.groups[2] }));
    else if (stop.length > 0 && cursor.tryMatch(nvpairKeyRe)) pairs.push(element('nvpair', { name: cursor.groups[1] }));
    else break;
  }
  if (pairs.length < (options.minPairs ?? 1)) cursor.fail('expected at least one name=value pair');
  return pairs;
}

/** Matches `key=value` tokens whose key is one of `keys` (date expressions). */
function matchNvpairsByKey(cursor: Cursor, keys: string[], minPairs: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const keyRe = new RegExp(`^(${keys.join('|')})=(.+)$`);
  while (cursor.tryMatch(keyRe)) pairs.push([cursor.groups[1] ?? '', cursor.groups[2] ?? '']);
  if (pairs.length < minPairs) cursor.fail(minPairs === 1 ? 'expected at least one name=value pair' : `expected at least ${minPairs} name=value pairs`);
  return pairs;
}

/** crmsh's validate_score: a score, or `score-attribute` for anything that is not a number. */
export function scoreAttribute(cursor: Cursor, score: string): [string, string] {
  const lowered = score.toLowerCase();
  if (lowered === 'advisory') return ['score', '0'];
  if (lowered === 'mandatory') return ['score', 'INFINITY'];
  if (/^[+-]?(inf(inity)?|INF(INITY)?|[0-9]+)$/.test(score)) return ['score', score.replace(/inf(inity)?|INF(INITY)?/, 'INFINITY')];
  if (!/^[A-Za-z_#][\w.#-]*$/.test(score)) cursor.fail(`bad score '${score}'`);
  return ['score-attribute', score];
}

function matchDate(cursor: Cursor): XmlElement {
  const opToken = cursor.current;
  cursor.match(/^(lt|gt|in_range|date_spec|spec|in)$/, 'expected a date operation (lt, gt, in, spec)');
  const op = cursor.groups[1] ?? '';
  const expression = element('date_expression', { operation: ({ in: 'in_range', spec: 'date_spec' } as Record<string, string>)[op] ?? op });
  if (op === 'lt' || op === 'gt') {
    expression.attrs[op === 'lt' ? 'end' : 'start'] = cursor.matchAny().text;
    return expression;
  }
  const inRange = op === 'in' || op === 'in_range';
  const pairs = inRange ? matchNvpairsByKey(cursor, ['start', 'end', ...dateSpecNames], 2) : matchNvpairsByKey(cursor, dateSpecNames, 1);
  const names = new Set(pairs.map(([name]) => name));
  if (inRange && names.size === 2 && names.has('start') && names.has('end')) {
    for (const [name, value] of pairs) expression.attrs[name] = value;
    return expression;
  }
  if (inRange && !names.has('start') && !names.has('end')) cursor.fail('date in needs start= or end=', opToken);
  const sub = childOrNew(expression, inRange ? 'duration' : 'date_spec');
  for (const [name, value] of pairs) {
    if (name === 'start' || name === 'end') expression.attrs[name] = value;
    else sub.attrs[name] = value;
  }
  return expression;
}

function matchSimpleExpression(cursor: Cursor): XmlElement {
  if (cursor.tryMatch('date')) return matchDate(cursor);
  if (cursor.tryMatch(/^(defined|not_defined)$/i)) {
    const operation = (cursor.groups[1] ?? '').toLowerCase();
    return element('expression', { operation, attribute: cursor.match(identRe, 'expected an attribute name') });
  }
  const attribute = cursor.match(identRe, 'expected an attribute name, date, defined or not_defined');
  cursor.match(binaryOpRe, 'expected [string|integer|number|version:](lt|gt|lte|gte|eq|ne)');
  const type = cursor.rawGroups[1];
  const expression = element('expression', { operation: cursor.groups[2], attribute, type });
  const value = cursor.matchAny().text;
  const source = valueSourceRe.exec(value);
  if (source?.[2] !== undefined) {
    expression.attrs['value'] = source[2];
    expression.attrs['value-source'] = source[1] ?? '';
  } else expression.attrs['value'] = value;
  return expression;
}

/** Matches zero or more `rule ...` clauses. */
export function matchRules(cursor: Cursor): XmlElement[] {
  const rules: XmlElement[] = [];
  while (cursor.tryMatch('rule')) {
    const rule = element('rule');
    rules.push(rule);
    let isRef = false;
    if (cursor.tryMatch(idSpecRe)) {
      const kind = (cursor.groups[1] ?? '').slice(1).toLowerCase();
      rule.attrs[kind] = cursor.groups[2] ?? '';
      isRef = kind === 'id-ref';
    }
    if (cursor.tryMatch(roleRe)) rule.attrs['role'] = cursor.groups[1] ?? '';
    if (isRef) continue;
    if (cursor.tryMatch(scoreRe)) {
      const [name, value] = scoreAttribute(cursor, cursor.groups[1] ?? '');
      rule.attrs[name] = value;
    } else rule.attrs['score'] = 'INFINITY';
    let booleanOp: string | undefined;
    rule.children.push(matchSimpleExpression(cursor));
    while (cursor.tryMatch(/^(or|and)$/i)) {
      const op = (cursor.groups[1] ?? '').toLowerCase();
      if (booleanOp !== undefined && booleanOp !== op) cursor.fail(`mixing boolean operators is not allowed: ${booleanOp} != ${op}`);
      booleanOp = op;
      rule.children.push(matchSimpleExpression(cursor));
    }
    if (booleanOp === 'or') rule.attrs['boolean-op'] = 'or';
  }
  return rules;
}

/** `[$id=X | $id-ref=X] [score:] [rule ...] n=v ...` for one attribute set; undefined when empty and not allowed. */
export function matchAttrList(cursor: Cursor, tag: string, allowEmpty: boolean, terminator?: string[]): XmlElement | undefined {
  let id: string | undefined;
  if (cursor.tryMatch(idSpecRe)) {
    if ((cursor.groups[1] ?? '').toLowerCase() === '$id-ref') return element(tag, { 'id-ref': cursor.groups[2] });
    id = cursor.groups[2];
  }
  const score = cursor.tryMatch(scoreRe) ? cursor.groups[1] : undefined;
  const rules = matchRules(cursor);
  const values = matchNvpairs(cursor, terminator === undefined ? { minPairs: 0 } : { minPairs: 0, terminator });
  if (!allowEmpty && id === undefined && score === undefined && rules.length === 0 && values.length === 0) return undefined;
  return element(tag, { id, score }, [...rules, ...values]);
}

/** Attribute sets introduced by keywords (`params`, `meta` ...), the first one possibly implicit. */
export function matchAttrLists(cursor: Cursor, nameMap: Record<string, string>, implicitInitial?: string): XmlElement[] {
  const sets: XmlElement[] = [];
  const keyword = new RegExp(`^(${Object.keys(nameMap).join('|')})$`, 'i');
  if (cursor.tryMatch(keyword)) sets.push(matchAttrList(cursor, nameMap[(cursor.groups[1] ?? '').toLowerCase()] ?? '', true) as XmlElement);
  else if (implicitInitial !== undefined) {
    const implicit = matchAttrList(cursor, nameMap[implicitInitial] ?? '', false);
    if (implicit) sets.push(implicit);
  }
  while (cursor.tryMatch(keyword)) sets.push(matchAttrList(cursor, nameMap[(cursor.groups[1] ?? '').toLowerCase()] ?? '', true) as XmlElement);
  return sets;
}
