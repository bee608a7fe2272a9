import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDeviceUsers, mountPointsOfDevice } from './block-device-users.js';

test('finds the mount points of a device number in mountinfo text', () => {
  const text = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '812 27 7:0 / /tmp/x/mnt rw,relatime - ext4 /dev/loop0 rw',
    '813 27 7:0 /sub /tmp/with\\040space rw,relatime - ext4 /dev/loop0 rw',
    '814 27 7:1 / /tmp/y rw,relatime - ext4 /dev/loop1 rw',
  ].join('\n');
  assert.deepEqual(mountPointsOfDevice(text, '7:0'), ['/tmp/x/mnt', '/tmp/with space']);
  assert.deepEqual(mountPointsOfDevice(text, '7:9'), []);
});

test('describes each kind of user of a device', () => {
  assert.equal(describeDeviceUsers([
    { kind: 'mount', pid: 12, comm: 'node', mountPoint: '/tmp/x/mnt' },
    { kind: 'fd', pid: 40, comm: 'blkid', fd: 3 },
    { kind: 'stacked', device: 'dm-0' },
  ]), 'mounted at /tmp/x/mnt in the mount namespace of pid 12 (node); open by pid 40 (blkid) as fd 3; held by dm-0');
  assert.equal(describeDeviceUsers([]), '');
});
