import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, BadRequestError } from './protocol.js';
import { BoundedLineSplitter } from '../../json-lines-socket.js';

test('decodes a well-formed request, params default to {}', () => {
  assert.deepEqual(decodeRequest('{"id":1,"method":"status"}'), { id: 1, method: 'status', params: {} });
  assert.deepEqual(decodeRequest('{"id":2,"method":"resource.stop","params":{"id":"db"}}').params, { id: 'db' });
});

test('refuses bad requests naming the field', () => {
  const cases: Array<[string, string]> = [
    ['not json', 'body'],
    ['[1]', 'body'],
    ['{"id":-1,"method":"x"}', 'id'],
    ['{"id":1,"method":"../etc"}', 'method'],
    ['{"id":1,"method":"x","params":[1]}', 'params'],
  ];
  for (const [line, field] of cases) {
    assert.throws(() => decodeRequest(line), (error: unknown) => error instanceof BadRequestError && error.context['field'] === field, line);
  }
});

test('splits lines across chunks and refuses an oversized one', () => {
  const splitter = new BoundedLineSplitter(16);
  assert.deepEqual(splitter.push('{"a":'), []);
  assert.deepEqual(splitter.push('1}\n{"b":2}\n\n'), ['{"a":1}', '{"b":2}']);
  assert.equal(splitter.push('x'.repeat(17)), undefined);
});
