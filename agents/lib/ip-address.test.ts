import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inNetwork, parseIpAddress, parsePrefixLength, sameAddress } from './ip-address.js';

test('parses IPv4 and IPv6 and rejects the rest', () => {
  assert.equal(parseIpAddress('198.18.0.10')?.family, 4);
  assert.equal(parseIpAddress('2001:db8::1')?.canonical, '2001:0db8:0000:0000:0000:0000:0000:0001');
  assert.equal(parseIpAddress('::ffff:1.2.3.4')?.canonical, '0000:0000:0000:0000:0000:ffff:0102:0304');
  assert.equal(parseIpAddress('198.18.0.300'), undefined);
  assert.equal(parseIpAddress('198.18.0.1/24'), undefined);
  assert.equal(parseIpAddress('eth0'), undefined);
});

test('two spellings of one IPv6 address are the same address', () => {
  assert.ok(sameAddress('2001:DB8:0:0::1', '2001:db8::1'));
  assert.ok(!sameAddress('2001:db8::1', '2001:db8::2'));
  assert.ok(!sameAddress('198.18.0.1', '::ffff:198.18.0.1'));
});

test('prefix lengths: numbers within the family, IPv4 netmasks, nothing else', () => {
  assert.equal(parsePrefixLength('24', 4), 24);
  assert.equal(parsePrefixLength('255.255.254.0', 4), 23);
  assert.equal(parsePrefixLength('255.255.255.255', 4), 32);
  assert.equal(parsePrefixLength('255.0.255.0', 4), undefined);
  assert.equal(parsePrefixLength('33', 4), undefined);
  assert.equal(parsePrefixLength('64', 6), 64);
  assert.equal(parsePrefixLength('129', 6), undefined);
  assert.equal(parsePrefixLength('/24', 4), undefined);
});

test('network membership compares the leading prefix bits', () => {
  const vip = parseIpAddress('198.18.5.77')!;
  assert.ok(inNetwork(vip, parseIpAddress('198.18.5.0')!, 24));
  assert.ok(!inNetwork(vip, parseIpAddress('198.18.4.0')!, 24));
  assert.ok(inNetwork(vip, parseIpAddress('198.18.4.0')!, 15));
  assert.ok(inNetwork(parseIpAddress('2001:db8::5')!, parseIpAddress('2001:db8::')!, 64));
  assert.ok(!inNetwork(parseIpAddress('2001:db9::5')!, parseIpAddress('2001:db8::')!, 32));
});
