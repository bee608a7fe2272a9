import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { parseMembershipConfig } from './config.js';
import { sampleConfig } from './test-fixtures.js';

test('defaults detect a dead peer of a two-node cluster within 1 s', () => {
  const config = sampleConfig(2);
  assert.equal(config.keepaliveMs, 100);
  assert.equal(config.warntimeMs, 500);
  assert.ok(config.deadtimeMs <= 1000);
  assert.ok(config.initdeadMs > config.deadtimeMs);
  assert.deepEqual(config.quorum, { expectedVotes: 2, twoNode: true, waitForAll: true });
  assert.deepEqual(config.links.map((link) => [link.name, link.index, link.transport]), [['hb0', 0, 'udp'], ['hb1', 1, 'udp']]);
  assert.deepEqual(config.nodes[1]?.endpoints, { hb0: '198.18.0.2', hb1: '198.18.1.2' });
});

test('a three-node cluster is neither two_node nor wait_for_all by default', () => {
  assert.deepEqual(sampleConfig(3).quorum, { expectedVotes: 3, twoNode: false, waitForAll: false });
});

function configError(text: string): ConfigError {
  try {
    parseMembershipConfig(text, 'bad.conf');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('errors name file, line and field', () => {
  const base = '[cluster]\nname = c\n[link hb0]\nport = 5405\n';
  let error = configError(`${base}[node a]\nid = 1\nhb0 = 198.18.0.300\n`);
  assert.equal(error.context['line'], 7);
  assert.equal(error.context['field'], 'hb0');
  assert.match(error.message, /bad\.conf:7: .*hb0.*not an IPv4 address/);
  error = configError(`[cluster]\nname = c\ndeadtime_ms = 10x\n[link hb0]\nport = 1\n[node a]\nid = 1\nhb0 = 198.18.0.1\n`);
  assert.equal(error.context['line'], 3);
  assert.equal(error.context['field'], 'deadtime_ms');
  error = configError(`${base}[node a]\nid = 1\nhb9 = 198.18.0.1\n`);
  assert.match(error.message, /hb9: unknown field/);
  error = configError(`${base}[node a]\nid = 1\nhb0 = 198.18.0.1\n[node b]\nid = 1\nhb0 = 198.18.0.2\n`);
  assert.equal(error.context['line'], 9);
  assert.match(error.message, /id 1 is already used/);
  error = configError(`${base}garbage line\n`);
  assert.equal(error.context['line'], 5);
  error = configError(`[cluster]\nname = c\nwarntime_ms = 2000\n[link hb0]\nport = 1\n[node a]\nid = 1\nhb0 = 198.18.0.1\n`);
  assert.equal(error.context['field'], 'deadtime_ms');
});

test('serial and multicast links', () => {
  const config = parseMembershipConfig('[cluster]\nname = c\n[link m]\ntransport = mcast\ngroup = 239.1.1.1\nport = 5405\n[link tty]\ntransport = serial\nbaud = 38400\n[node a]\nid = 1\nm = 198.18.0.1\ntty = /dev/ttyS1\n', 'x');
  assert.equal(config.links[0]?.group, '239.1.1.1');
  assert.equal(config.links[1]?.baud, 38400);
  assert.equal(config.nodes[0]?.endpoints['tty'], '/dev/ttyS1');
  assert.throws(() => parseMembershipConfig('[cluster]\nname = c\n[link tty]\ntransport = serial\n[node a]\nid = 1\ntty = ttyS1\n', 'x'), /absolute device path/);
});
