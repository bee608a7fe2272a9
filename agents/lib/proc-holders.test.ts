import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeHolders, findHolders, parseFdinfoMountId, usesOfMount } from './proc-holders.js';
import { mountAt, readMounts } from './mounts.js';

test('reads mnt_id from fdinfo text', () => {
  assert.equal(parseFdinfoMountId('pos:\t0\nflags:\t02100000\nmnt_id:\t29\nino:\t1234\n'), 29);
  assert.equal(parseFdinfoMountId('pos:\t0\n'), undefined);
});

test('a child working in a directory holds that directory\'s mount; another mount is not held by it', async () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'tdm-agents-holders-'));
  const child = spawn('sleep', ['30'], { cwd: directory, stdio: 'ignore' });
  try {
    await new Promise((resolve) => child.once('spawn', resolve));
    // The mount that holds the directory: the longest mount point that is a prefix of it.
    const mounts = readMounts().filter((entry) => directory === entry.mountPoint || directory.startsWith(entry.mountPoint.replace(/\/?$/, '/')));
    const holding = mounts.sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
    assert.ok(holding);
    assert.ok(usesOfMount(child.pid!, holding.mountId).includes('cwd'));
    assert.ok(findHolders(holding.mountId).some((holder) => holder.pid === child.pid));
    const proc = mountAt(readMounts(), '/proc');
    assert.ok(proc);
    assert.deepEqual(usesOfMount(child.pid!, proc.mountId), []);
    assert.match(describeHolders([{ pid: 7, comm: 'sleep', uses: ['cwd', 'fd'] }]), /^7 \(sleep: cwd, fd\)$/);
  } finally {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});
