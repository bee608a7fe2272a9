/**
 * tandem:PhysicalVolume with loop devices and ext4, each "node" a private
 * mount namespace held open by a sleeping process (`unshare -m`); the agent
 * runs inside it through `nsenter -m`. LVM ownership runs with real lvm2 on a
 * loop device, each node with its own lvm.conf (LVM_SYSTEM_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { holdNamespaces, runAgent, runIn, runOcfTester, show, type Placement } from './agent-runner.js';

interface Node {
  readonly holder: ChildProcess;
  readonly placement: Placement;
}

/** A "node": a private mount namespace kept alive by a sleeping process. */
function createNode(): Promise<Node> {
  return holdNamespaces();
}

/** Runs a shell command inside a node's mount namespace. */
function inNode(node: Node, script: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  return runIn(node.placement, ['sh', '-c', script]);
}

/** Starts a long-running process inside a node's mount namespace. */
function spawnInNode(node: Node, script: string): ChildProcess {
  return spawn('nsenter', ['-m', '-t', String(node.holder.pid), '--', 'sh', '-c', script], { stdio: 'ignore' });
}

function makeExt4(file: string): void {
  writeFileSync(file, '');
  execFileSync('truncate', ['-s', '64M', file]);
  execFileSync('mkfs.ext4', ['-q', '-F', file]);
}

function loopsOf(file: string): string[] {
  const listing = execFileSync('losetup', ['--json', '--list', '--associated', file], { encoding: 'utf8' }).trim();
  return listing === '' ? [] : (JSON.parse(listing) as { loopdevices: { name: string }[] }).loopdevices.map((entry) => entry.name);
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function exited(child: ChildProcess): Promise<void> {
  if (!alive(child)) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

test('PhysicalVolume: loop + ext4 (and xfs) in a private mount namespace', async (t) => {
  const root = mkdtempSync('/tmp/tdm-agents-pv-');
  const image = path.join(root, 'volume.img');
  const directory = path.join(root, 'mnt');
  makeExt4(image);
  const params = { device: image, directory };
  const nodeA = await createNode();
  const nodeB = await createNode();
  const strays: ChildProcess[] = [];
  const copies: string[] = [];
  const on = (node: Node) => ({ placement: node.placement });
  try {
    await t.test('start attaches and mounts, monitor at levels 0/10/20, idempotent; invisible outside the namespace', async () => {
      assert.equal((await runAgent('PhysicalVolume', 'monitor', params, on(nodeA))).rc, 7);
      const started = await runAgent('PhysicalVolume', 'start', params, on(nodeA));
      assert.equal(started.rc, 0, show(started));
      assert.equal(loopsOf(image).length, 1);
      assert.equal((await runAgent('PhysicalVolume', 'start', params, on(nodeA))).rc, 0);
      assert.equal(loopsOf(image).length, 1, 'a second start attaches no second loop device');
      for (const level of ['0', '10', '20']) {
        const monitored = await runAgent('PhysicalVolume', 'monitor', params, { ...on(nodeA), extraEnv: { OCF_CHECK_LEVEL: level } });
        assert.equal(monitored.rc, 0, `level ${level}: ${show(monitored)}`);
      }
      assert.match((await inNode(nodeA, `findmnt -n -o FSTYPE ${directory}`)).stdout, /ext4/);
      assert.equal((await runIn({}, ['findmnt', directory])).rc, 1, 'the mount stays inside node-a\'s namespace');
    });

    await t.test('processes holding the mount block umount until stop signals them; a bind-mount user is left alone', async () => {
      assert.equal((await inNode(nodeA, `mkdir -p ${directory}/sub ${root}/bind && echo data > ${directory}/sub/file && mount --bind ${directory}/sub ${root}/bind`)).rc, 0);
      const openFile = spawnInNode(nodeA, `exec 3<${directory}/sub/file; exec sleep 900`);
      const workingDir = spawnInNode(nodeA, `cd ${directory} && exec sleep 900`);
      const ignoresTerm = spawnInNode(nodeA, `cd ${directory} && trap '' TERM && while :; do sleep 1; done`);
      const bindUser = spawnInNode(nodeA, `cd ${root}/bind && exec sleep 900`);
      strays.push(openFile, workingDir, ignoresTerm, bindUser);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const busy = await inNode(nodeA, `umount ${directory}`);
      assert.notEqual(busy.rc, 0, 'a plain umount fails while files are held');
      assert.match(busy.stderr, /busy/);
      const stopped = await runAgent('PhysicalVolume', 'stop', { ...params, term_wait_s: '2' }, on(nodeA));
      assert.equal(stopped.rc, 0, show(stopped));
      assert.match(stopped.stderr, /sending SIGTERM to processes holding/);
      assert.match(stopped.stderr, /sending SIGKILL/, 'the process ignoring TERM got KILL');
      await Promise.all([exited(openFile), exited(workingDir), exited(ignoresTerm)]);
      assert.equal(openFile.signalCode, 'SIGTERM');
      assert.equal(workingDir.signalCode, 'SIGTERM');
      assert.ok(alive(bindUser), 'the process using the bind mount was not signalled');
      assert.equal((await inNode(nodeA, `findmnt ${directory}`)).rc, 1, 'unmounted for real, not lazily');
      assert.equal((await runAgent('PhysicalVolume', 'monitor', params, on(nodeA))).rc, 7);
      assert.equal((await runAgent('PhysicalVolume', 'stop', params, on(nodeA))).rc, 0);
      bindUser.kill('SIGKILL');
      await exited(bindUser);
      assert.equal((await inNode(nodeA, `umount ${root}/bind`)).rc, 0);
    });

    await t.test('takeover after an unclean stop: node-b runs e2fsck before mounting', async () => {
      assert.equal((await runAgent('PhysicalVolume', 'start', params, on(nodeA))).rc, 0);
      assert.equal((await inNode(nodeA, `echo written-by-a > ${directory}/sub/file && sync`)).rc, 0);
      // node-a "dies" with the filesystem mounted: node-b gets the disk as node-a left it.
      const disk = path.join(root, 'volume-at-takeover.img');
      execFileSync('cp', ['--sparse=always', image, disk]);
      copies.push(disk);
      assert.match(execFileSync('dumpe2fs', ['-h', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /needs_recovery/);
      const takeover = { device: disk, directory };
      const started = await runAgent('PhysicalVolume', 'start', takeover, on(nodeB));
      assert.equal(started.rc, 0, show(started));
      assert.match(started.stderr, /running e2fsck on \/dev\/loop\d+: it was not unmounted cleanly/);
      assert.match(started.stderr, /e2fsck on \/dev\/loop\d+ finished \(exit [01]\)/);
      assert.equal((await inNode(nodeB, `cat ${directory}/sub/file`)).stdout.trim(), 'written-by-a');
      assert.equal((await runAgent('PhysicalVolume', 'stop', takeover, on(nodeB))).rc, 0);
      assert.equal(loopsOf(disk).length, 0, 'stop detached the loop device');
      assert.doesNotMatch(execFileSync('dumpe2fs', ['-h', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /needs_recovery/);
      const clean = await runAgent('PhysicalVolume', 'start', takeover, on(nodeB));
      assert.equal(clean.rc, 0, show(clean));
      assert.doesNotMatch(clean.stderr, /e2fsck/, 'a cleanly unmounted filesystem is not checked');
      assert.equal((await runAgent('PhysicalVolume', 'stop', takeover, on(nodeB))).rc, 0);
      assert.equal((await runAgent('PhysicalVolume', 'stop', params, on(nodeA))).rc, 0);
    });

    await t.test('validate-all names the parameter at fault', async () => {
      const missing = await runAgent('PhysicalVolume', 'validate-all', { device: path.join(root, 'nothing'), directory }, on(nodeA));
      assert.equal(missing.rc, 5, show(missing));
      assert.match(missing.exitReason ?? '', /parameter 'device'/);
      const badType = await runAgent('PhysicalVolume', 'validate-all', { ...params, fstype: 'ntfs' }, on(nodeA));
      assert.equal(badType.rc, 6);
      assert.match(badType.exitReason ?? '', /parameter 'fstype'/);
      const halfLvm = await runAgent('PhysicalVolume', 'validate-all', { ...params, volume_group: 'vg0' }, on(nodeA));
      assert.equal(halfLvm.rc, 6);
      assert.match(halfLvm.exitReason ?? '', /parameter 'logical_volume' is required/);
      const slash = await runAgent('PhysicalVolume', 'validate-all', { ...params, directory: '/' }, on(nodeA));
      assert.equal(slash.rc, 6);
      assert.match(slash.exitReason ?? '', /parameter 'directory'/);
    });

    await t.test('xfs: start, monitor at level 20, stop', async () => {
      const xfsImage = path.join(root, 'volume-xfs.img');
      writeFileSync(xfsImage, '');
      execFileSync('truncate', ['-s', '320M', xfsImage]);
      execFileSync('mkfs.xfs', ['-q', '-f', xfsImage]);
      copies.push(xfsImage);
      const xfs = { device: xfsImage, directory: path.join(root, 'xfs'), options: 'noatime' };
      const started = await runAgent('PhysicalVolume', 'start', xfs, on(nodeB));
      assert.equal(started.rc, 0, show(started));
      assert.match((await inNode(nodeB, `findmnt -n -o FSTYPE,OPTIONS ${xfs.directory}`)).stdout, /^xfs\s+\S*noatime/);
      const probed = await runAgent('PhysicalVolume', 'monitor', xfs, { ...on(nodeB), extraEnv: { OCF_CHECK_LEVEL: '20' } });
      assert.equal(probed.rc, 0, show(probed));
      assert.equal((await runAgent('PhysicalVolume', 'stop', xfs, on(nodeB))).rc, 0);
      assert.deepEqual(loopsOf(xfsImage), []);
    });

    await t.test('ocf-tester passes inside the mount namespace', async () => {
      const tester = await runOcfTester('PhysicalVolume', params, nodeA.placement);
      assert.equal(tester.rc, 0, show(tester));
      assert.match(tester.stdout, /passed all tests/);
    });
  } finally {
    for (const child of strays) if (alive(child)) child.kill('SIGKILL');
    for (const node of [nodeA, nodeB]) node.holder.kill('SIGKILL');
    await Promise.all([nodeA.holder, nodeB.holder, ...strays].map(exited));
    for (const file of [image, ...copies]) {
      for (const loop of loopsOf(file)) {
        try { execFileSync('losetup', ['--detach', loop]); } catch (error) { console.error(`cleanup: losetup -d ${loop}`, error); }
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
});

function lvmConf(directory: string, device: string, systemId: string): string {
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'lvm.conf'), [
    `devices { global_filter = [ "a|^${device}$|", "r|.*|" ] use_devicesfile = 0 obtain_device_list_from_udev = 0 }`,
    'global { system_id_source = "lvmlocal" }',
    `local { system_id = "${systemId}" }`,
    'activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }',
    'backup { backup = 0 archive = 0 }',
    '',
  ].join('\n'));
  return directory;
}

test('PhysicalVolume LVM: exclusive ownership by system ID and by tag with real lvm2 on a loop device', async () => {
  const root = mkdtempSync('/tmp/tdm-agents-lvm-');
  const image = path.join(root, 'pv.img');
  writeFileSync(image, '');
  execFileSync('truncate', ['-s', '64M', image]);
  const device = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
  const vg = `tdmvg${process.pid}`;
  const confA = lvmConf(path.join(root, 'node-a'), device, 'tdm-node-a');
  const confB = lvmConf(path.join(root, 'node-b'), device, 'tdm-node-b');
  const lvm = (conf: string, args: string[]) => execFileSync('lvm', args, { encoding: 'utf8', env: { ...process.env, LVM_SYSTEM_DIR: conf, LVM_SUPPRESS_FD_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const params = { device, directory: path.join(root, 'mnt'), volume_group: vg, logical_volume: 'data', fstype: 'ext4' };
  const asNode = (conf: string) => ({ extraEnv: { LVM_SYSTEM_DIR: conf, LVM_SUPPRESS_FD_WARNINGS: '1' } });
  try {
    lvm(confA, ['pvcreate', '-q', device]);
    lvm(confA, ['vgcreate', '-q', vg, device]);
    assert.match(lvm(confA, ['vgs', '-o', 'vg_systemid', '--noheadings', vg]), /tdm-node-a/);

    // /dev/mapper/control may exist as a node without the driver: ask the kernel (/proc/misc).
    const deviceMapper = /\bdevice-mapper\b/.test(readFileSync('/proc/misc', 'utf8'));
    if (!deviceMapper) {
      // This kernel has no device-mapper: no logical volume can be created or activated here,
      // so start gets as far as ownership and activation and fails at the missing LV device.
      let lvcreateError = '';
      try { lvm(confA, ['lvcreate', '-q', '-an', '-Zn', '-L', '8M', '-n', 'data', vg]); } catch (error) { lvcreateError = String((error as { stderr?: string }).stderr); }
      assert.match(lvcreateError, /device-mapper/, 'lvcreate fails for want of device-mapper');
    } else {
      lvm(confA, ['lvcreate', '-q', '-L', '8M', '-n', 'data', vg]);
      execFileSync('mkfs.ext4', ['-q', `/dev/${vg}/data`]);
      lvm(confA, ['vgchange', '-a', 'n', vg]);
    }

    // node-b takes the VG over from failed node-a: system ID moves, node-a can no longer use it.
    const started = await runAgent('PhysicalVolume', 'start', params, asNode(confB));
    assert.match(lvm(confB, ['vgs', '-o', 'vg_systemid', '--noheadings', vg]), /tdm-node-b/);
    assert.throws(() => lvm(confA, ['vgs', vg]), /Cannot access VG .* with system ID tdm-node-b/);
    if (!deviceMapper) {
      assert.equal(started.rc, 1, show(started));
      assert.match(started.exitReason ?? '', new RegExp(`/dev/${vg}/data`), 'activation cannot run here: the LV device does not exist');
    } else {
      assert.equal(started.rc, 0, show(started));
      assert.equal((await runAgent('PhysicalVolume', 'monitor', params, asNode(confB))).rc, 0);
    }
    assert.equal((await runAgent('PhysicalVolume', 'stop', params, asNode(confB))).rc, 0);

    // Tagging: node-b's tag replaces node-a's stale one on start and is dropped on stop.
    lvm(confB, ['vgchange', '-q', '--addtag', 'tdm-node-a', vg]);
    const tagging = { ...params, vg_access_mode: 'tagging', tag: 'tdm-node-b' };
    await runAgent('PhysicalVolume', 'start', tagging, asNode(confB));
    assert.equal(lvm(confB, ['vgs', '-o', 'vg_tags', '--noheadings', vg]).trim(), 'tdm-node-b');
    const untagged = await runAgent('PhysicalVolume', 'stop', tagging, asNode(confB));
    assert.equal(untagged.rc, 0, show(untagged));
    assert.equal(lvm(confB, ['vgs', '-o', 'vg_tags', '--noheadings', vg]).trim(), '');
  } finally {
    try {
      lvm(confB, ['vgremove', '-q', '-ff', '-y', '--config', 'local/extra_system_ids=["tdm-node-a"]', vg]);
    } catch (error) {
      console.error('cleanup: vgremove', error);
    }
    try { execFileSync('losetup', ['--detach', device]); } catch (error) { console.error(`cleanup: losetup -d ${device}`, error); }
    rmSync(root, { recursive: true, force: true });
  }
});
