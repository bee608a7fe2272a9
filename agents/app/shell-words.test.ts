import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvironment, shellWords } from './shell-words.js';
import { OcfError } from '../../src/ocf/errors.js';

test('plain words, quotes, backslashes, empty words', () => {
  assert.deepEqual(shellWords('  -p 8080   --name "my app" \'a "b" c\' x\\ y "" ', 'args'), ['-p', '8080', '--name', 'my app', 'a "b" c', 'x y', '']);
  assert.deepEqual(shellWords('"say \\"hi\\" \\n"', 'args'), ['say "hi" \\n']);
  assert.deepEqual(shellWords('', 'args'), []);
});

test('an unterminated quote is OCF_ERR_CONFIGURED naming the parameter', () => {
  assert.throws(() => shellWords('a "b', 'args'), (error: unknown) => error instanceof OcfError && error.rc === 6 && /'args'/.test(error.message));
});

test('environment words are NAME=value', () => {
  assert.deepEqual(parseEnvironment('A=1 B="two words" C=', 'environment'), { A: '1', B: 'two words', C: '' });
  assert.throws(() => parseEnvironment('1A=x', 'environment'), /'1A=x' is not NAME=value/);
});
