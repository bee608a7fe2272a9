import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePostmasterPid } from './postmaster-pid.js';

test('reads every line of a ready server\'s postmaster.pid', () => {
  // Written by PostgreSQL 15 (Debian) started with -p 5499 -k /tmp/pgsock.
  const text = '41807\n/tmp/pgdata\n1764040000\n5499\n/tmp/pgsock\n127.0.0.1\n  5499001    294912\nready   \n';
  assert.deepEqual(parsePostmasterPid(text), {
    pid: 41807, dataDirectory: '/tmp/pgdata', startedAtS: 1764040000, port: 5499,
    socketDirectory: '/tmp/pgsock', listenAddress: '127.0.0.1', status: 'ready',
  });
});

test('a starting server has only the first lines; a torn file is no pid file', () => {
  const early = parsePostmasterPid('41807\n/tmp/pgdata\n');
  assert.equal(early?.pid, 41807);
  assert.equal(early?.port, undefined);
  assert.equal(early?.status, undefined);
  assert.equal(parsePostmasterPid(''), undefined);
  assert.equal(parsePostmasterPid('abc\n/tmp/pgdata\n'), undefined);
  assert.equal(parsePostmasterPid('-41807\n/tmp/pgdata\n')?.pid, 41807);
});
