import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAgentSpec, parseAgentSpec, parseAgentStandard } from './agent-spec.js';
import { ExecutorInputError } from './errors.js';

test('agent names parse by standard and print back', () => {
  assert.deepEqual(parseAgentSpec('ocf:heartbeat:Dummy'), { standard: 'ocf', provider: 'heartbeat', type: 'Dummy' });
  assert.deepEqual(parseAgentSpec('lsb:nginx'), { standard: 'lsb', type: 'nginx' });
  assert.deepEqual(parseAgentSpec('service:nginx'), { standard: 'lsb', type: 'nginx' });
  assert.deepEqual(parseAgentSpec('systemd:getty@tty1.service'), { standard: 'systemd', type: 'getty@tty1.service' });
  assert.deepEqual(parseAgentSpec('stonith:fence_ipmilan'), { standard: 'stonith', type: 'fence_ipmilan' });
  assert.equal(formatAgentSpec(parseAgentSpec('OCF:tandem:App')), 'ocf:tandem:App');
});

test('bad agent names are refused with a message naming the part at fault', () => {
  assert.throws(() => parseAgentSpec('ocf:Dummy'), (error: unknown) => error instanceof ExecutorInputError && /ocf:PROVIDER:TYPE/.test(error.message));
  assert.throws(() => parseAgentSpec('upstart:foo'), /unknown class 'upstart'/);
  assert.throws(() => parseAgentSpec('ocf:heartbeat:../../bin/sh'), /type '\.\.\/\.\.\/bin\/sh' is not a valid name/);
  assert.throws(() => parseAgentSpec('ocf:..:Dummy'), /provider '\.\.'/);
  assert.throws(() => parseAgentSpec('lsb:'), /type ''/);
  assert.throws(() => parseAgentSpec('lsb:a:b'), /lsb:NAME/);
});

test('class names parse on their own too', () => {
  assert.equal(parseAgentStandard('OCF'), 'ocf');
  assert.equal(parseAgentStandard('service'), 'lsb');
  assert.throws(() => parseAgentStandard('nagios'), /unknown class 'nagios'/);
});
