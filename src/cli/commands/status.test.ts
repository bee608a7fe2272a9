import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusText } from './status.js';
import { resourceStatus } from '../../controller/resource-status.js';
import { dummyXml, twoNodeCib } from '../../controller/test-cib.js';
import type { DaemonStatus } from '../../daemon/tandemd.js';

test('resources nest as crm_mon nests them: group members under their group, clone instances under the clone', () => {
  const cib = twoNodeCib(`<group id="service">${dummyXml('fs')}${dummyXml('db')}</group>${dummyXml('lone')}<clone id="pings">${dummyXml('ping')}</clone>`);
  const status: DaemonStatus = {
    node: 'node1', cluster: 'alpha', version: { adminEpoch: 0, epoch: 5, numUpdates: 0 }, dc: 'node1', transitionIdle: true,
    membership: { view: { id: 1, agreed: true, members: ['node1', 'node2'] }, quorum: { quorate: true, votes: 2, expectedVotes: 2 }, peers: [], isolated: false } as unknown as DaemonStatus['membership'],
    resources: resourceStatus(cib, new Date(0)),
  };
  const text = statusText(status);
  const listed = text.slice(text.indexOf('Full List of Resources:')).split('\n').slice(1);
  assert.deepEqual(listed.map((line) => line.replace(/\t.*$/, '')), [
    '  * Resource Group: service:',
    '    * fs',
    '    * db',
    '  * lone',
    '  * Clone Set: pings:',
    '    * ping:0',
    '    * ping:1',
  ]);
  assert.deepEqual(status.resources.resources.map((rsc) => [rsc.id, rsc.group ?? '', rsc.clone ?? '']), [
    ['fs', 'service', ''], ['db', 'service', ''], ['lone', '', ''], ['ping:0', '', 'pings'], ['ping:1', '', 'pings'],
  ]);
});
