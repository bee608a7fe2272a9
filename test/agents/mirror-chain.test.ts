/**
 * The storage half of the service stack, agent by agent: tandem:Mirror
 * serves the mirrored volume over NBD, nbdfuse turns the export into a file
 * (this kernel has no nbd module), tandem:PhysicalVolume attaches it through
 * a loop device and mounts ext4 in a private mount namespace; files written
 * there end up on both legs, which fsck clean once everything is stopped.
 * nbdfuse is ended as PhysicalVolume's stop ends its own (agents/lib
 * detachNbdFuse: unmount, tried again while busy; SIGTERM when a mount
 * namespace a concurrent test made meanwhile keeps a copy of the mount).
 * Torn down in `finally`: PhysicalVolume stop, fusermount -u -z, Mirror
 * stop, the namespace holder and nbdfuse killed by PID.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { holdNamespaces, runAgent, runIn, show, type Placement } from './agent-runner.js';
import { waitFor } from '../mirror/helpers.js';
import { cliPath } from '../support/paths.js';
import { detachNbdFuse } from '../../agents/lib/nbd-fuse.js';

/** Logs agents/lib's messages as TAP comments. */
const log = (message: string): void => { process.stderr.write(`# ${message}\n`); };


test('Mirror → nbdfuse → loop → ext4 under PhysicalVolume → files on both legs', async () => {
  const root = mkdtempSync('/tmp/tdm-agents-chain-');
  const legs = [path.join(root, 'array-a.img'), path.join(root, 'array-b.img')];
  const mirror = { legs: legs.join(' '), socket: path.join(root, 'volume.nbd'), pidfile: path.join(root, 'mirror.pid'), logfile: path.join(root, 'mirror.log'), node: 'n1' };
  const fuseDir = path.join(root, 'fuse');
  const volume = { device: path.join(fuseDir, 'nbd'), directory: path.join(root, 'mnt'), fstype: 'ext4' };
  let nbdfuse: ChildProcess | undefined;
  let holder: ChildProcess | undefined;
  let placement: Placement = {};
  try {
    execFileSync(process.execPath, [cliPath, 'mirror', 'create', ...legs, '--size', '64M'], { env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
    const started = await runAgent('Mirror', 'start', mirror);
    assert.equal(started.rc, 0, show(started));

    mkdirSync(fuseDir);
    const fuse = { directory: fuseDir, file: volume.device, pidFile: path.join(root, 'nbdfuse.pid') };
    nbdfuse = spawn('nbdfuse', ['-P', fuse.pidFile, `${fuseDir}/`, `nbd+unix:///?socket=${mirror.socket}`], { stdio: 'ignore' });
    await waitFor(() => existsSync(fuse.pidFile), 10_000, 'nbdfuse to serve the export');
    execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard', volume.device]);

    // The "node": a private mount namespace, made after the FUSE mount so it sees the file.
    ({ holder, placement } = await holdNamespaces());

    const mounted = await runAgent('PhysicalVolume', 'start', volume, { placement });
    assert.equal(mounted.rc, 0, show(mounted));
    const write = await runIn(placement, ['sh', '-c', `mkdir ${volume.directory}/db && for i in $(seq 1 40); do echo "row $i" > ${volume.directory}/db/row-$i; done && sync`]);
    assert.equal(write.rc, 0, show(write));
    for (const level of ['0', '10', '20']) {
      const monitored = await runAgent('PhysicalVolume', 'monitor', volume, { placement, extraEnv: { OCF_CHECK_LEVEL: level } });
      assert.equal(monitored.rc, 0, `level ${level}: ${show(monitored)}`);
    }
    assert.equal((await runAgent('Mirror', 'monitor', mirror)).rc, 0);

    const unmounted = await runAgent('PhysicalVolume', 'stop', volume, { placement });
    assert.equal(unmounted.rc, 0, show(unmounted));
    // The node's namespace holds its own copy of the FUSE mount: end it
    // first, or nbdfuse keeps serving after the unmount below.
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder?.once('exit', resolve));
    holder = undefined;
    await detachNbdFuse(fuse, 30_000, log);
    await waitFor(() => nbdfuse?.exitCode !== null || nbdfuse.signalCode !== null, 10_000, 'nbdfuse to exit');
    nbdfuse = undefined;
    const stopped = await runAgent('Mirror', 'stop', mirror);
    assert.equal(stopped.rc, 0, show(stopped));

    for (const leg of legs) {
      const fsck = await runIn({}, ['e2fsck', '-f', '-n', leg]);
      assert.equal(fsck.rc, 0, `e2fsck ${leg}: ${show(fsck)}`);
      const row = await runIn({}, ['debugfs', '-R', 'cat /db/row-40', leg]);
      assert.equal(row.stdout.trim(), 'row 40', `the file is on ${leg}`);
    }
    const status = JSON.parse(execFileSync(process.execPath, [cliPath, '--output', 'json', 'mirror', 'status', ...legs], { encoding: 'utf8', env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } })) as Array<{ clean: boolean; dirtyChunks: number; owner: { node: string } }>;
    assert.deepEqual(status.map((leg) => [leg.clean, leg.dirtyChunks, leg.owner.node]), [[true, 0, ''], [true, 0, '']]);
  } finally {
    // Each step on its own: one failing must not leave the others undone.
    const attempt = async (step: () => unknown): Promise<void> => {
      try { await step(); } catch (error) { process.stderr.write(`# cleanup: ${(error as Error).message}\n`); }
    };
    if (holder?.pid !== undefined) await attempt(() => runAgent('PhysicalVolume', 'stop', volume, { placement }));
    if (nbdfuse) {
      await attempt(() => execFileSync('fusermount3', ['-u', '-z', fuseDir], { stdio: 'ignore' }));
      nbdfuse.kill('SIGKILL');
    }
    await attempt(() => runAgent('Mirror', 'stop', mirror));
    holder?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
