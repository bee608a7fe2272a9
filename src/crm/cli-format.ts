/**
 * crmsh's cliformat helpers: quoting, name=value pairs, scores, rules and
 * expressions rendered as configure-language text.
 */
import { childrenNamed, type XmlElement } from '../cib/xml.js';
import { isTrue } from '../cib/values.js';

/** crmsh's noquotes: plain words need no quotes. */
export function noQuotes(value: string): boolean {
  return /^[\w.-]+$/u.test(value);
}

export function quoteWrap(value: string): string {
  if (noQuotes(value)) return value;
  return value.includes('"') ? `"${value.replaceAll('"', '\\"')}"` : `"${value}"`;
}

export function nvpairFormat(name: string, value: string | undefined): string {
  return value === undefined ? name : `${name}=${quoteWrap(value)}`;
}

/** A score as crmsh shows it: INFINITY becomes inf; a score-attribute shows as itself. */
export function cliScore(element: XmlElement): string {
  const score = element.attrs['score'];
  if (score) return score.replace('INFINITY', 'inf');
  return element.attrs['score-attribute'] ?? '';
}

/** One nvpair, with `$id:` when its id is not the one crmsh would generate under `setId`. */
export function cliNvpair(nvpair: XmlElement, setId: string | undefined): string {
  const ref = nvpair.attrs['id-ref'];
  if (ref !== undefined) return nvpair.attrs['name'] === undefined ? `@${ref}` : `@${ref}:${nvpair.attrs['name']}`;
  const name = nvpair.attrs['name'] ?? '';
  const text = nvpairFormat(name, nvpair.attrs['value']);
  const id = nvpair.attrs['id'];
  if (id !== undefined && setId !== undefined && id !== `${setId}-${name}` && !id.includes(':') && nvpair.attrs['value'] !== undefined) return `$${id}:${text}`;
  return text;
}

function dateExpression(expression: XmlElement): string {
  const operation = expression.attrs['operation'] ?? '';
  const words = ['date', ({ in_range: 'in', date_spec: 'spec' } as Record<string, string>)[operation] ?? operation];
  if (operation === 'lt' || operation === 'gt') {
    words.push(quoteWrap(expression.attrs[operation === 'lt' ? 'end' : 'start'] ?? ''));
    return words.join(' ');
  }
  if (operation === 'in_range') {
    for (const name of ['start', 'end']) if (expression.attrs[name] !== undefined) words.push(nvpairFormat(name, expression.attrs[name]));
  }
  for (const nested of expression.children) {
    if (nested.name !== 'duration' && nested.name !== 'date_spec') continue;
    for (const [name, value] of Object.entries(nested.attrs)) if (name !== 'id') words.push(nvpairFormat(name, value));
  }
  return words.join(' ');
}

function expressionText(expression: XmlElement): string {
  const type = expression.attrs['type'];
  const operation = type ? `${type}:${expression.attrs['operation'] ?? ''}` : expression.attrs['operation'] ?? '';
  const attribute = expression.attrs['attribute'] ?? '';
  const value = expression.attrs['value'];
  if (!value) return `${operation} ${attribute}`;
  const source = expression.attrs['value-source'];
  if (!source || source === 'literal') return `${attribute} ${operation} ${quoteWrap(value)}`;
  return `${attribute} ${operation} ${source}{${value}}`;
}

/** `[$id=X] [$role=R] [score:] expr and|or expr ...` (the text after the `rule` keyword). */
export function cliRule(rule: XmlElement, ownerId: string | undefined): string {
  const ref = rule.attrs['id-ref'];
  if (ref !== undefined) return `$id-ref=${ref}`;
  const words: string[] = [];
  const id = rule.attrs['id'];
  if (id !== undefined && ownerId !== undefined && id !== `${ownerId}-rule` && !new RegExp(`^${ownerId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-rule-\\d+$`).test(id)) words.push(`$id=${id}`);
  if (rule.attrs['role']) words.push(nvpairFormat('$role', rule.attrs['role']));
  if (rule.attrs['score'] !== 'INFINITY') {
    const score = cliScore(rule);
    if (score) words.push(`${score}:`);
  }
  const booleanOp = rule.attrs['boolean-op'] || 'and';
  const parts = rule.children.filter((nested) => nested.name === 'expression' || nested.name === 'date_expression')
    .map((nested) => nested.name === 'date_expression' ? dateExpression(nested) : expressionText(nested));
  words.push(parts.join(` ${booleanOp} `));
  return words.join(' ');
}

/** crmsh's rsc_set_constraint: the resource-set part of a constraint. */
export function resourceSetWords(constraint: XmlElement, kind: 'location' | 'colocation' | 'order' | 'rsc_ticket'): string[] {
  const words: string[] = [];
  let count = 0;
  let sequential: boolean | undefined;
  let requireAll: boolean | undefined;
  const asBoolean = (text: string | undefined): boolean | undefined => text === undefined ? undefined : isTrue(text);
  for (const set of childrenNamed(constraint, 'resource_set')) {
    sequential = asBoolean(set.attrs['sequential']);
    requireAll = asBoolean(set.attrs['require-all']);
    if (requireAll === false) words.push('[');
    else if (sequential === false) words.push('(');
    const qualifier = kind === 'order' ? set.attrs['action'] : set.attrs['role'];
    for (const ref of childrenNamed(set, 'resource_ref')) {
      words.push(qualifier ? `${ref.attrs['id'] ?? ''}:${qualifier}` : ref.attrs['id'] ?? '');
      count++;
    }
    if (requireAll === false) {
      if (sequential !== false) words.push('sequential=true');
      words.push(']');
    } else if (sequential === false) words.push(')');
  }
  const plain = sequential !== false && requireAll !== false;
  if (kind !== 'location' && ((plain && kind !== 'rsc_ticket' && count <= 2) || (kind === 'rsc_ticket' && count <= 1))) words.unshift('_rsc_set_');
  return words;
}

/** crmsh's cli_format: the head and each part on its own continuation line. */
export function joinLines(parts: string[]): string {
  return parts.join(' \\\n\t');
}
