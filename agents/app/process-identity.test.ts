import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLive, parseProcStat, readCmdline, readProcStat } from './process-identity.js';

test('parses /proc/<pid>/stat with a command name holding spaces and parentheses', () => {
  const text = '4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';
  assert.deepEqual(parseProcStat(text), { pid: 4242, state: 'S', ppid: 1, processGroup: 4242, session: 4242, startTicks: 987654 });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('reads this very process', () => {
  const stat = readProcStat(process.pid);
  assert.ok(isLive(stat));
  assert.equal(stat.pid, process.pid);
  assert.equal(stat.ppid, process.ppid);
  assert.ok(stat.startTicks > 0);
  assert.ok(readCmdline(process.pid).some((arg) => arg.endsWith('process-identity.test.js')), readCmdline(process.pid).join(' '));
  assert.equal(readProcStat(2 ** 22 + 1), undefined); // above pid_max: never a process
});
