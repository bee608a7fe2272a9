import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from './xml.js';
import { bumpVersion, compareVersions } from './version.js';
import { cibHeader } from './model.js';
import { applyDiff, diffCib, formatDiff } from './diff.js';
import { cloneElement } from './canonical.js';

const text = '<cib admin_epoch="1" epoch="5" num_updates="7"><configuration><crm_config/><nodes/><resources><primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/></resources><constraints/></configuration><status/></cib>';

test('versions compare admin_epoch, then epoch, then num_updates', () => {
  assert.ok(compareVersions({ adminEpoch: 1, epoch: 0, numUpdates: 0 }, { adminEpoch: 0, epoch: 9, numUpdates: 9 }) > 0);
  assert.ok(compareVersions({ adminEpoch: 0, epoch: 2, numUpdates: 0 }, { adminEpoch: 0, epoch: 1, numUpdates: 99 }) > 0);
  assert.ok(compareVersions({ adminEpoch: 0, epoch: 1, numUpdates: 1 }, { adminEpoch: 0, epoch: 1, numUpdates: 2 }) < 0);
  assert.equal(compareVersions({ adminEpoch: 0, epoch: 1, numUpdates: 1 }, { adminEpoch: 0, epoch: 1, numUpdates: 1 }), 0);
});

test('a config change bumps epoch and resets num_updates; a status change bumps num_updates', () => {
  const before = parseXml(text);
  const config = cloneElement(before);
  const primitive = config.children[0]?.children[2]?.children[0];
  assert.ok(primitive);
  primitive.attrs['type'] = 'Stateful';
  assert.equal(bumpVersion(before, config), 'configuration');
  assert.deepEqual(cibHeader(config), { adminEpoch: 1, epoch: 6, numUpdates: 0 });
  const status = cloneElement(before);
  status.children[1]?.children.push({ name: 'node_state', attrs: { id: '1' }, children: [] });
  assert.equal(bumpVersion(before, status), 'status');
  assert.deepEqual(cibHeader(status), { adminEpoch: 1, epoch: 5, numUpdates: 8 });
  const same = cloneElement(before);
  assert.equal(bumpVersion(before, same), 'none');
});

test('the diff names added, removed and changed elements by id path', () => {
  const before = parseXml(text);
  const after = cloneElement(before);
  const resources = after.children[0]?.children[2];
  assert.ok(resources);
  resources.children.push({ name: 'primitive', attrs: { id: 'b', class: 'ocf', provider: 'heartbeat', type: 'Dummy' }, children: [] });
  (resources.children[0] as { attrs: Record<string, string> }).attrs['type'] = 'Stateful';
  after.children[0]?.children.splice(0, 1);
  const changes = diffCib(before, after);
  assert.deepEqual(changes.map((change) => `${change.kind} ${change.path}`), [
    'removed /cib/configuration/crm_config',
    "added /cib/configuration/resources/primitive[@id='b']",
    "changed /cib/configuration/resources/primitive[@id='a']",
  ]);
  assert.deepEqual(applyDiff(before, changes), after);
  const swapped = cloneElement(after);
  swapped.children[0]?.children[1]?.children.reverse();
  const reordered = diffCib(after, swapped);
  assert.deepEqual(reordered.map((change) => change.kind), ['reordered']);
  assert.deepEqual(applyDiff(after, reordered), swapped);
  assert.match(formatDiff(changes), /~ \/cib\/configuration\/resources\/primitive\[@id='a'\]\/@type: "Dummy" -> "Stateful"/);
  assert.deepEqual(diffCib(before, cloneElement(before)), []);
});
