import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OcfExit } from '../ocf/exit-codes.js';
import { lsbDefines, lsbResult, ocfResult, spawnErrorResult } from './exit-status.js';

test('OCF codes pass through; undefined ones become generic errors (services__ocf2ocf)', () => {
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191]) assert.equal(ocfResult(code), code);
  for (const code of [10, 42, 127, 189, 192, 255]) assert.equal(ocfResult(code), OcfExit.ERR_GENERIC);
});

test('LSB status codes map as services__lsb2ocf', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 150, 151].map((code) => lsbResult('status', code)), [0, 7, 7, 7, 1, 1, 5, 4]);
  assert.equal(lsbResult('monitor', 3), OcfExit.NOT_RUNNING);
  assert.deepEqual([0, 1, 5, 7, 8, 150].map((code) => lsbResult('start', code)), [0, 1, 5, 7, 1, 1]);
  assert.equal(lsbDefines('status', 150), true);
  assert.equal(lsbDefines('status', 5), false);
  assert.equal(lsbDefines('stop', 8), false);
});

test('exec failures map as services_handle_exec_error', () => {
  assert.equal(spawnErrorResult('ENOENT'), OcfExit.ERR_INSTALLED);
  assert.equal(spawnErrorResult('ENOEXEC'), OcfExit.ERR_INSTALLED);
  assert.equal(spawnErrorResult('EACCES'), OcfExit.ERR_PERM);
  assert.equal(spawnErrorResult('EMFILE'), OcfExit.ERR_GENERIC);
});
