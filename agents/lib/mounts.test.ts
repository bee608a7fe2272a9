import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountAt, parseMountInfo } from './mounts.js';

// From proc(5), plus an ext4 on a loop device with a space in its mount point and a bind mount over it.
const text = [
  '36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
  '120 25 7:3 / /tmp/tdm\\040data rw,relatime shared:60 - ext4 /dev/loop3 rw',
  '121 25 7:3 /sub /srv/bind rw,relatime - ext4 /dev/loop3 rw',
  '122 25 7:3 / /tmp/tdm\\040data rw,relatime - ext4 /dev/loop3 rw',
  'garbage line',
].join('\n');

test('parses mountinfo fields, optional fields and escapes', () => {
  const entries = parseMountInfo(text);
  assert.equal(entries.length, 4);
  assert.deepEqual(entries[0], {
    mountId: 36, parentId: 35, device: '98:0', root: '/mnt1', mountPoint: '/mnt/parent', options: 'rw,noatime',
    fsType: 'ext3', source: '/dev/root', superOptions: 'rw,errors=continue',
  });
  assert.equal(entries[1]?.mountPoint, '/tmp/tdm data');
  assert.equal(entries[2]?.root, '/sub');
});

test('the mount at a point is the topmost one, trailing slashes ignored', () => {
  const entries = parseMountInfo(text);
  assert.equal(mountAt(entries, '/tmp/tdm data/')?.mountId, 122);
  assert.equal(mountAt(entries, '/srv/bind')?.source, '/dev/loop3');
  assert.equal(mountAt(entries, '/srv'), undefined);
});
