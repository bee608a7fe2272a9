import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestInput, opDigest } from './op-digest.js';

test('digest input sorts names and escapes values', () => {
  assert.equal(digestInput({ b: '2', a: 'x"<' }), ' <parameters a="x&quot;&lt;" b="2"/>\n');
  assert.equal(digestInput({}), ' <parameters/>\n');
});

test('digest is Pacemaker\'s md5 of the empty parameter set', () => {
  // Pacemaker records f2317cad3d54cec5d7d7aa7d0bf35cf8 for a resource with no parameters.
  assert.equal(opDigest({}), 'f2317cad3d54cec5d7d7aa7d0bf35cf8');
});
