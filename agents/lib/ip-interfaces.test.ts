import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAddress, isInterfaceUp, parseInterfaces, pickInterfaceForAddress, type Route } from './ip-interfaces.js';
import { parseIpAddress } from './ip-address.js';

// Captured from `ip -j addr show dev eth0` in a test namespace (iproute2 6.1).
const captured = '[{"ifindex":2,"link_index":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,'
  + '"operstate":"UP","address":"9e:bf:60:5b:46:5d","addr_info":[{"family":"inet","local":"198.18.7.1","prefixlen":24,"label":"eth0"},'
  + '{"family":"inet","local":"198.18.7.9","prefixlen":24,"secondary":true,"label":"eth0:vip"},'
  + '{"family":"inet6","local":"2001:db8::7","prefixlen":64,"dadfailed":true,"tentative":true}]}]';

test('reads interfaces, addresses and their DAD flags from ip -j output', () => {
  const [nic] = parseInterfaces(captured);
  assert.ok(nic);
  assert.equal(nic.ifname, 'eth0');
  assert.ok(isInterfaceUp(nic));
  assert.equal(findAddress(nic, parseIpAddress('198.18.7.9')!)?.label, 'eth0:vip');
  assert.equal(findAddress(nic, parseIpAddress('2001:0db8::0007')!)?.dadfailed, true);
  assert.equal(findAddress(nic, parseIpAddress('198.18.7.10')!), undefined);
});

test('an interface that is down or whose link is down is not up', () => {
  const [nic] = parseInterfaces(captured);
  assert.ok(nic);
  assert.ok(!isInterfaceUp({ ...nic, flags: ['BROADCAST', 'MULTICAST'], operstate: 'DOWN' }));
  assert.ok(!isInterfaceUp({ ...nic, operstate: 'LOWERLAYERDOWN' }));
  assert.ok(isInterfaceUp({ ...nic, operstate: 'UNKNOWN' }));
});

test('the interface for an address is the connected route with the longest prefix', () => {
  const routes: Route[] = [
    { dst: 'default', dev: 'eth9' },
    { dst: '198.18.0.0/15', dev: 'eth1' },
    { dst: '198.18.7.0/24', dev: 'eth0' },
    { dst: '198.18.8.0/24', type: 'unreachable' },
  ];
  assert.deepEqual(pickInterfaceForAddress(routes, parseIpAddress('198.18.7.50')!), { nic: 'eth0', prefixLength: 24 });
  assert.deepEqual(pickInterfaceForAddress(routes, parseIpAddress('198.19.1.1')!), { nic: 'eth1', prefixLength: 15 });
  assert.equal(pickInterfaceForAddress(routes, parseIpAddress('10.0.0.1')!), undefined);
});
