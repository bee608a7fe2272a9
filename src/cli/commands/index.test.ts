import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandWord, commands } from './index.js';

test('the command word skips global options and their values', () => {
  assert.equal(commandWord(['-o', 'json', 'simulate', '-x', 'f.xml']), 'simulate');
  assert.equal(commandWord(['--output=json', '-f', 'cib.xml', 'configure', 'show']), 'configure');
  assert.equal(commandWord(['--help']), undefined);
});

test('every command word belongs to one entry', () => {
  const names = commands.flatMap((entry) => entry.names);
  assert.equal(new Set(names).size, names.length);
});
