import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from '../cib/xml.js';
import { fencingLevels, fencingPlan, levelSteps } from './topology.js';

const cib = parseXml(`<cib><configuration><fencing-topology>
  <fencing-level id="l1" index="2" target="n1" devices="power-a,power-b"/>
  <fencing-level id="l2" index="1" target="n1" devices="ipmi"/>
  <fencing-level id="l3" index="1" target-pattern="^db-" devices="disk"/>
  <fencing-level id="l4" index="1" target-attribute="rack" target-value="r2" devices="pdu"/>
  <fencing-level id="bad1" index="0" target="n2" devices="x"/>
  <fencing-level id="bad2" index="1" target="n2" devices=""/>
  <fencing-level id="bad3" index="1" devices="x"/>
</fencing-topology></configuration></cib>`, 'cib');

test('levels parsed; bad ones reported, not used', () => {
  const { levels, problems } = fencingLevels(cib);
  assert.deepEqual(levels.map((level) => level.id), ['l1', 'l2', 'l3', 'l4']);
  assert.deepEqual(levels[0]?.devices, ['power-a', 'power-b']);
  assert.equal(problems.length, 3);
  assert.match(problems.join('\n'), /bad1: index/);
});

test('a target\'s levels in index order; by name, pattern or attribute', () => {
  const { levels } = fencingLevels(cib);
  assert.deepEqual(fencingPlan(levels, 'n1', ['other']), [{ index: 1, devices: ['ipmi'] }, { index: 2, devices: ['power-a', 'power-b'] }]);
  assert.deepEqual(fencingPlan(levels, 'db-7', []), [{ index: 1, devices: ['disk'] }]);
  assert.deepEqual(fencingPlan(levels, 'n9', [], new Map([['rack', 'r2']])), [{ index: 1, devices: ['pdu'] }]);
});

test('without levels for the target, each capable device is a level of its own', () => {
  const { levels } = fencingLevels(cib);
  assert.deepEqual(fencingPlan(levels, 'n2', ['f1', 'f2']), [{ index: 0, devices: ['f1'] }, { index: 0, devices: ['f2'] }]);
  assert.deepEqual(fencingPlan([], 'n2', []), []);
});

test('a reboot with several devices: all off, then all on', () => {
  assert.deepEqual(levelSteps(['a', 'b'], 'reboot'), [{ device: 'a', action: 'off' }, { device: 'b', action: 'off' }, { device: 'a', action: 'on' }, { device: 'b', action: 'on' }]);
  assert.deepEqual(levelSteps(['a'], 'reboot'), [{ device: 'a', action: 'reboot' }]);
  assert.deepEqual(levelSteps(['a', 'b'], 'off'), [{ device: 'a', action: 'off' }, { device: 'b', action: 'off' }]);
});
