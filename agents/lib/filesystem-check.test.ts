import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExtHeader } from './filesystem-check.js';
import { parseLosetupList } from './loop-device.js';
import { parseVgsReport } from './lvm.js';

test('reads the feature list and state of a dumpe2fs header', () => {
  const header = parseExtHeader('Filesystem volume name:   <none>\nFilesystem features:      has_journal ext_attr needs_recovery extent\nFilesystem state:         clean\n');
  assert.ok(header.features.includes('needs_recovery'));
  assert.equal(header.state, 'clean');
  assert.deepEqual(parseExtHeader('nothing'), { features: [], state: '' });
});

test('reads losetup and vgs JSON reports', () => {
  assert.deepEqual(parseLosetupList('{"loopdevices": [{"name":"/dev/loop3", "back-file":"/tmp/x/img (deleted)"}]}'), [{ name: '/dev/loop3', backFile: '/tmp/x/img' }]);
  assert.deepEqual(parseLosetupList(''), []);
  const vgs = '{"report": [{"vg": [{"vg_name":"tdmvg", "vg_systemid":"tdm-node-a", "vg_tags":"one,two"}]}]}';
  assert.deepEqual(parseVgsReport(vgs), [{ name: 'tdmvg', systemId: 'tdm-node-a', tags: ['one', 'two'] }]);
});
