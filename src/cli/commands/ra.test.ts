import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseParamArgs } from './ra.js';

test('name=value arguments: values may hold = and be empty; any name is a plain name', () => {
  assert.deepEqual(parseParamArgs(['ip=198.18.0.1', 'opts=a=b', 'empty=']), { ip: '198.18.0.1', opts: 'a=b', empty: '' });
  const odd = parseParamArgs(['constructor=1', '__proto__=2']);
  assert.equal(Object.getPrototypeOf(odd), Object.prototype);
  assert.deepEqual(Object.keys(odd), ['constructor', '__proto__']);
  assert.throws(() => parseParamArgs(['x=1', 'x=2']), /given twice/);
  assert.throws(() => parseParamArgs(['-x=1']), /not a valid parameter name/);
});
