/**
 * Rule evaluation (`<rule>` with `<expression>`, `<date_expression>`,
 * `<rsc_expression>`, `<op_expression>`), as Pacemaker's rules.c does, at
 * a given "now". Pure: the caller supplies the node attributes and the time.
 */
import type { XmlElement } from '../cib/xml.js';
import { parseScoreOr } from '../cib/score.js';
import { parseIntervalMs as parseCibIntervalMs } from '../cib/values.js';

export interface RuleContext {
  now: Date;
  /** Node attributes, when evaluating per node. */
  nodeAttrs?: Map<string, string>;
  rsc?: { cls: string; provider?: string; type: string };
  /** The resource's parameters and meta attributes, for value-source="param"/"meta". */
  rscParams?: Map<string, string>;
  rscMeta?: Map<string, string>;
  op?: { name: string; intervalMs: number };
}

/** Parses Pacemaker's ISO 8601 forms: "2005-001", "2019-09-23 18:00:00 -05:00", "2020-01-01", "...Z". */
export function parseIsoDate(text: string): Date | undefined {
  const trimmed = text.trim();
  const ordinal = /^(\d{4})-(\d{3})(?:[ T](.*))?$/.exec(trimmed);
  if (ordinal) {
    const base = Date.UTC(Number(ordinal[1]), 0, 1) + (Number(ordinal[2]) - 1) * 86_400_000;
    return new Date(base + timeOfDayMs(ordinal[3] ?? ''));
  }
  const calendar = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](.*))?$/.exec(trimmed);
  if (!calendar) return undefined;
  const base = Date.UTC(Number(calendar[1]), Number(calendar[2]) - 1, Number(calendar[3]));
  return new Date(base + timeOfDayMs(calendar[4] ?? ''));
}

function timeOfDayMs(text: string): number {
  const match = /^(\d{2}):?(\d{2})?:?(\d{2})?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$/.exec(text.trim());
  if (!match) return 0;
  let ms = (Number(match[1]) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000;
  const zone = match[4];
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
    ms -= sign * offsetMinutes * 60_000;
  }
  return ms;
}

function addDuration(start: Date, duration: XmlElement): Date {
  const result = new Date(start.getTime());
  const n = (key: string): number => Number(duration.attrs[key] ?? 0);
  result.setUTCFullYear(result.getUTCFullYear() + n('years'));
  result.setUTCMonth(result.getUTCMonth() + n('months'));
  result.setUTCDate(result.getUTCDate() + n('days') + 7 * n('weeks'));
  result.setTime(result.getTime() + (n('hours') * 3600 + n('minutes') * 60 + n('seconds')) * 1000);
  return result;
}

function inRange(value: number, spec: string | undefined): boolean {
  if (spec === undefined) return true;
  const range = /^(\d+)?-(\d+)?$/.exec(spec);
  if (range) {
    if (range[1] !== undefined && value < Number(range[1])) return false;
    if (range[2] !== undefined && value > Number(range[2])) return false;
    return true;
  }
  return Number(spec) === value;
}

function dateSpecMatches(spec: XmlElement, now: Date): boolean {
  const yearStart = Date.UTC(now.getUTCFullYear(), 0, 1);
  const yearday = Math.floor((now.getTime() - yearStart) / 86_400_000) + 1;
  const weekday = now.getUTCDay() === 0 ? 7 : now.getUTCDay();
  return inRange(now.getUTCHours(), spec.attrs.hours)
    && inRange(now.getUTCMinutes(), spec.attrs.minutes)
    && inRange(now.getUTCSeconds(), spec.attrs.seconds)
    && inRange(now.getUTCDate(), spec.attrs.monthdays)
    && inRange(weekday, spec.attrs.weekdays)
    && inRange(yearday, spec.attrs.yeardays)
    && inRange(now.getUTCMonth() + 1, spec.attrs.months)
    && inRange(now.getUTCFullYear(), spec.attrs.years);
}

function evalDateExpression(expr: XmlElement, now: Date): boolean {
  const op = expr.attrs.operation ?? 'in_range';
  const start = expr.attrs.start ? parseIsoDate(expr.attrs.start) : undefined;
  let end = expr.attrs.end ? parseIsoDate(expr.attrs.end) : undefined;
  const duration = expr.children.find((c) => c.name === 'duration');
  if (!end && start && duration) end = addDuration(start, duration);
  const t = now.getTime();
  switch (op) {
    case 'gt': return start !== undefined && t > start.getTime();
    case 'lt': return end !== undefined && t < end.getTime();
    case 'in_range':
      if (start && t < start.getTime()) return false;
      if (end && t > end.getTime()) return false;
      return start !== undefined || end !== undefined;
    case 'date_spec': {
      const spec = expr.children.find((c) => c.name === 'date_spec');
      return spec ? dateSpecMatches(spec, now) : false;
    }
    default: return false;
  }
}

function compareValues(left: string, right: string, type: string): number {
  if (type === 'integer' || type === 'number') {
    const a = Number(left);
    const b = Number(right);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a < b ? -1 : a > b ? 1 : 0;
  }
  if (type === 'version') {
    const a = left.split('.').map(Number);
    const b = right.split('.').map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return 0;
  }
  return left < right ? -1 : left > right ? 1 : 0;
}

function evalAttrExpression(expr: XmlElement, ctx: RuleContext): boolean {
  const attribute = expr.attrs.attribute ?? '';
  const op = expr.attrs.operation ?? 'eq';
  const actual = ctx.nodeAttrs?.get(attribute);
  if (op === 'defined') return actual !== undefined;
  if (op === 'not_defined') return actual === undefined;
  const source = expr.attrs['value-source'];
  const expected = source === 'param' ? (expr.attrs.value === undefined ? undefined : ctx.rscParams?.get(expr.attrs.value))
    : source === 'meta' ? (expr.attrs.value === undefined ? undefined : ctx.rscMeta?.get(expr.attrs.value))
      : expr.attrs.value;
  if (actual === undefined || expected === undefined) return op === 'ne' && actual === undefined ? true : false;
  let type = expr.attrs.type ?? '';
  if (!type) type = /^-?\d+$/.test(expected) && /^-?\d+$/.test(actual) && op !== 'eq' && op !== 'ne' ? 'integer' : 'string';
  const cmp = compareValues(actual, expected, type);
  switch (op) {
    case 'eq': return cmp === 0;
    case 'ne': return cmp !== 0;
    case 'lt': return cmp < 0;
    case 'lte': return cmp <= 0;
    case 'gt': return cmp > 0;
    case 'gte': return cmp >= 0;
    default: return false;
  }
}

/** Evaluates one `<rule>` element (nested rules allowed). */
export function evaluateRule(rule: XmlElement, ctx: RuleContext): boolean {
  const useOr = (rule.attrs['boolean-op'] ?? 'and').toLowerCase() === 'or';
  for (const expr of rule.children) {
    let result: boolean;
    switch (expr.name) {
      case 'expression': result = evalAttrExpression(expr, ctx); break;
      case 'date_expression': result = evalDateExpression(expr, ctx.now); break;
      case 'rule': result = evaluateRule(expr, ctx); break;
      case 'rsc_expression':
        result = ctx.rsc !== undefined
          && (expr.attrs.class === undefined || expr.attrs.class === ctx.rsc.cls)
          && (expr.attrs.provider === undefined || expr.attrs.provider === ctx.rsc.provider)
          && (expr.attrs.type === undefined || expr.attrs.type === ctx.rsc.type);
        break;
      case 'op_expression':
        result = ctx.op !== undefined && expr.attrs.name === ctx.op.name
          && (expr.attrs.interval === undefined || parseIntervalMs(expr.attrs.interval) === ctx.op.intervalMs);
        break;
      default: continue;
    }
    if (useOr && result) return true;
    if (!useOr && !result) return false;
  }
  return !useOr;
}

/** The score a rule contributes (score or score-attribute), for location rules. */
export function ruleScore(rule: XmlElement, nodeAttrs: Map<string, string> | undefined): number {
  if (rule.attrs['score-attribute'] !== undefined) {
    return parseScoreOr(nodeAttrs?.get(rule.attrs['score-attribute']), 0);
  }
  return parseScoreOr(rule.attrs.score, 0);
}

/**
 * Parses an interval or timeout with the CIB's parser (seconds, units,
 * ISO 8601); what it cannot read counts as 0, as Pacemaker's scheduler
 * silently does.
 */
export function parseIntervalMs(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  let milliseconds = intervalCache.get(text);
  if (milliseconds === undefined) {
    milliseconds = parseCibIntervalMs(text) ?? 0;
    intervalCache.set(text, milliseconds);
  }
  return milliseconds;
}

// A CIB repeats a handful of interval texts thousands of times; the cache is
// bounded by how many distinct texts a CIB holds.
const intervalCache = new Map<string, number>();
