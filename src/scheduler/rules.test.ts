import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XmlElement } from '../cib/xml.js';
import { evaluateRule, parseIntervalMs, parseIsoDate } from './rules.js';

function el(name: string, attrs: Record<string, string>, children: XmlElement[] = []): XmlElement {
  return { name, attrs, children };
}

test('parseIsoDate: ordinal dates and time zones', () => {
  assert.equal(parseIsoDate('2005-001')?.toISOString(), '2005-01-01T00:00:00.000Z');
  assert.equal(parseIsoDate('2019-09-23 18:00:00 -05:00')?.toISOString(), '2019-09-23T23:00:00.000Z');
  assert.equal(parseIsoDate('not a date'), undefined);
});

test('evaluateRule: attribute expressions with and/or', () => {
  const attrs = new Map([['#uname', 'node1'], ['ram', '2048']]);
  const rule = el('rule', { 'boolean-op': 'and' }, [
    el('expression', { attribute: '#uname', operation: 'eq', value: 'node1' }),
    el('expression', { attribute: 'ram', operation: 'gt', value: '1024', type: 'integer' }),
  ]);
  assert.equal(evaluateRule(rule, { now: new Date(0), nodeAttrs: attrs }), true);
  const orRule = el('rule', { 'boolean-op': 'or' }, [
    el('expression', { attribute: '#uname', operation: 'eq', value: 'node2' }),
    el('expression', { attribute: 'missing', operation: 'defined' }),
  ]);
  assert.equal(evaluateRule(orRule, { now: new Date(0), nodeAttrs: attrs }), false);
});

test('evaluateRule: date expressions at the given now', () => {
  const rule = el('rule', {}, [el('date_expression', { operation: 'in_range', start: '2019-09-23 12:00:00 -05:00', end: '2019-09-23 13:00:00 -05:00' })]);
  assert.equal(evaluateRule(rule, { now: new Date('2019-09-23T17:30:00Z') }), true);
  assert.equal(evaluateRule(rule, { now: new Date('2019-09-23T18:30:00Z') }), false);
  const spec = el('rule', {}, [el('date_expression', { operation: 'date_spec' }, [el('date_spec', { hours: '9-16', weekdays: '1-5' })])]);
  assert.equal(evaluateRule(spec, { now: new Date('2024-01-31T10:00:00Z') }), true); // a Wednesday
  assert.equal(evaluateRule(spec, { now: new Date('2024-02-03T10:00:00Z') }), false); // a Saturday
});

test('parseIntervalMs: units and ISO 8601 durations', () => {
  assert.equal(parseIntervalMs('10s'), 10_000);
  assert.equal(parseIntervalMs('5min'), 300_000);
  assert.equal(parseIntervalMs('20'), 20_000);
  assert.equal(parseIntervalMs('PT1M30S'), 90_000);
});
