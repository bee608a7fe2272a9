import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentWarnings } from './agent-warnings.js';

test('warnings and errors of an agent log are kept, info lines and other output dropped', () => {
  const tail = [
    'Mirror(volume-mirror)[12]: INFO: engine answers',
    'Mirror(volume-mirror)[12]: WARN: mirror volume-mirror is DEGRADED: leg 1 failed',
    'IPaddr2(vip)[13]: WARNING: shell agent style',
    'Filesystem(fs)[14]: ERROR: Couldn\'t mount',
    'a WARN: inside text without the prefix form',
    '',
  ].join('\n');
  assert.deepEqual(agentWarnings(tail), [
    'Mirror(volume-mirror)[12]: WARN: mirror volume-mirror is DEGRADED: leg 1 failed',
    'IPaddr2(vip)[13]: WARNING: shell agent style',
    'Filesystem(fs)[14]: ERROR: Couldn\'t mount',
  ]);
});

test('an empty tail and a flood are bounded', () => {
  assert.deepEqual(agentWarnings(''), []);
  assert.equal(agentWarnings('x(y)[1]: WARN: z\n'.repeat(100), 5).length, 5);
});
