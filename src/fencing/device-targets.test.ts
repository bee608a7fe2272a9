import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentParams, canDeviceFence, delayBaseMs, delayMaxMs, hostCheckOf, parseHostList, parseHostMap, parseListOutput, plugFor, type FenceDevice } from './device-targets.js';

const device = (params: Record<string, string>): FenceDevice => ({ id: 'f', type: 'fence_x', params });

test('pcmk_host_map: node:plug pairs separated by ; (also = and spaces)', () => {
  assert.deepEqual([...parseHostMap('n1:plug1;n2=plug2 n3:3')], [['n1', 'plug1'], ['n2', 'plug2'], ['n3', '3']]);
  assert.deepEqual([...parseHostMap('garbage;;')], []);
  assert.deepEqual(parseHostList('n1, n2;n3  n4'), ['n1', 'n2', 'n3', 'n4']);
  assert.equal(plugFor(device({ pcmk_host_map: 'n1:outlet7' }), 'n1'), 'outlet7');
  assert.equal(plugFor(device({ pcmk_host_map: 'n1:outlet7' }), 'n2'), 'n2');
});

test('pcmk_host_check defaults as Pacemaker: static-list with a list or map, else list, else status, else none', () => {
  assert.equal(hostCheckOf(device({ pcmk_host_list: 'n1' })), 'static-list');
  assert.equal(hostCheckOf(device({ pcmk_host_map: 'n1:1' }), new Set(['list'])), 'static-list');
  assert.equal(hostCheckOf(device({}), new Set(['list', 'status'])), 'dynamic-list');
  assert.equal(hostCheckOf(device({}), new Set(['status'])), 'status');
  assert.equal(hostCheckOf(device({})), 'none');
  assert.equal(hostCheckOf(device({ pcmk_host_check: 'none', pcmk_host_list: 'n1' })), 'none');
});

test('which device can fence which node, with which plug', () => {
  const listed = device({ pcmk_host_list: 'n1', pcmk_host_map: 'n2:port2' });
  assert.deepEqual(canDeviceFence(listed, 'n1', 'static-list'), { can: true, plug: 'n1' });
  assert.deepEqual(canDeviceFence(listed, 'n2', 'static-list'), { can: true, plug: 'port2' });
  assert.equal(canDeviceFence(listed, 'n3', 'static-list').can, false);
  const dynamic = device({ pcmk_host_map: 'n2:vm-b' });
  assert.deepEqual(canDeviceFence(dynamic, 'n2', 'dynamic-list', { listed: parseListOutput('vm-a,alias\nvm-b\n\n') }), { can: true, plug: 'vm-b' });
  assert.equal(canDeviceFence(dynamic, 'n1', 'dynamic-list', { listed: parseListOutput('vm-a,alias\nvm-b\n') }).can, false);
  assert.equal(canDeviceFence(dynamic, 'n1', 'dynamic-list').can, false, 'no list output: cannot tell, so no');
  assert.equal(canDeviceFence(dynamic, 'n1', 'status', { statusRc: 2 }).can, true);
  assert.equal(canDeviceFence(dynamic, 'n1', 'status', { statusRc: 1 }).can, false);
  assert.deepEqual(canDeviceFence(device({}), 'anything', 'none'), { can: true, plug: 'anything' });
});

test('the agent never sees pcmk_* parameters; the plug goes where pcmk_host_argument says', () => {
  assert.deepEqual(agentParams(device({ ip: '10.0.0.1', pcmk_host_list: 'n1', pcmk_delay_max: '3s' }), 'n1'), { ip: '10.0.0.1', plug: 'n1' });
  assert.deepEqual(agentParams(device({ pcmk_host_argument: 'uuid' }), 'n1'), { uuid: 'n1' });
  assert.deepEqual(agentParams(device({ pcmk_host_argument: 'none' }), 'n1'), {});
  assert.deepEqual(agentParams(device({ port: '4' }), 'n1'), { port: '4' }, 'a fixed port wins');
});

test('pcmk_delay_base: one time or a per-node map; pcmk_delay_max', () => {
  assert.equal(delayBaseMs(device({ pcmk_delay_base: '2s' }), 'n1'), 2000);
  assert.equal(delayBaseMs(device({ pcmk_delay_base: 'n1:5s;n2:0' }), 'n1'), 5000);
  assert.equal(delayBaseMs(device({ pcmk_delay_base: 'n1:5s;n2:0' }), 'n2'), 0);
  assert.equal(delayBaseMs(device({ pcmk_delay_base: 'n1:5s' }), 'n3'), 0);
  assert.equal(delayBaseMs(device({ pcmk_delay_base: 'bogus' }), 'n1'), 0);
  assert.equal(delayMaxMs(device({ pcmk_delay_max: '500ms' })), 500);
  assert.equal(delayMaxMs(device({})), 0);
});

test('pcmk_<action>_timeout, else the default', async () => {
  const { actionTimeoutMs } = await import('./device-targets.js');
  assert.equal(actionTimeoutMs(device({ pcmk_off_timeout: '90s' }), 'off', 60_000), 90_000);
  assert.equal(actionTimeoutMs(device({ pcmk_off_timeout: 'bad' }), 'off', 60_000), 60_000);
  assert.equal(actionTimeoutMs(device({}), 'reboot', 60_000), 60_000);
});
