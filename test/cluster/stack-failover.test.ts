/**
 * The whole service stack under tandemd on two nodes (the stack lab: two
 * nbdkit arrays in a storage namespace, Mirror → PhysicalVolume (ext4 over
 * nbdfuse) → PostgreSQL → the rows app → the VIP, fencing with
 * fence_tandem_netns), with the double-ownership watcher running all along.
 * A client in its own namespace writes rows through the VIP and counts the
 * acknowledged ones. SIGTERM of the active node's tandemd: the stack moves,
 * nothing is lost, and the node rejoins without taking the stack back.
 * kill -9 of the active node's tandemd: the node is fenced (its processes
 * killed, links down), the stack comes back on the other node, and every
 * acknowledged row is there. The failover times are printed as diagnostics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { StackLab } from '../support/stack-lab/stack-lab.js';
import type { RowsWriter } from '../support/stack-lab/rows-writer.js';

describe('the service stack on two tandemd nodes', () => {
  const lab = new StackLab();
  /** Where the stack runs at first. */
  let active = 0;

  before(async () => {
    await lab.create();
    await lab.configure();
    active = await lab.waitServing(1);
  });
  after(async () => {
    await lab.destroy();
  });

  const writing = (prefix: string, count: number): Promise<RowsWriter> => lab.writeRows(prefix, count, 240);
  const everyAcknowledgedRowStored = async (writer: RowsWriter): Promise<void> => {
    assert.deepEqual(await lab.unstoredRows(writer), [], 'acknowledged rows missing after the failover');
  };

  test('the stack runs on one node: VIP, mirror (both legs claimed by it) and database there only', async () => {
    assert.ok(active === 1 || active === 2);
    const now = lab.watcher!.current();
    assert.deepEqual([now.vip, now.mirror, now.database, now.legs], [[`n${active}`], [`n${active}`], [`n${active}`], [`n${active}`, `n${active}`]]);
    const status = await lab.tandem(1, ['status']);
    assert.equal(status.exitCode, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`vip\\s+\\(ocf:tandem:VirtualIP\\):\\s+Started n${active}`));
  });

  test('SIGTERM of the active node\'s tandemd: the stack moves, no acknowledged row lost, and no failback on rejoin', async (t) => {
    const leaving = active;
    const staying = leaving === 1 ? 2 : 1;
    const writer = await writing('term', 10);
    const stoppedAtMs = Date.now();
    await lab.cluster.kill(leaving, 'SIGTERM');
    assert.deepEqual(lab.watcher!.current().database, [], 'the database stopped before tandemd exited');
    await lab.wait(() => writer.firstAckAfterOutage(stoppedAtMs) !== undefined, 120_000, 'a row acknowledged after the clean shutdown');
    t.diagnostic(`SIGTERM → first row acknowledged through the VIP on n${staying}: ${writer.firstAckAfterOutage(stoppedAtMs)!.atMs - stoppedAtMs} ms`);
    await lab.wait(async () => (await lab.stackNodes(staying)).join() === String(staying), 30_000, `the stack on n${staying}`);
    await lab.wait(() => writer.acknowledged.length >= 20, 60_000, 'more rows after the move');
    await everyAcknowledgedRowStored(writer);
    assert.doesNotMatch(await readFile(lab.cluster.logFile(staying), 'utf8'), /"msg":"fencing"/, 'a clean shutdown is not fenced');

    await lab.cluster.start(leaving);
    await lab.cluster.waitAgreed(lab.nodes);
    await lab.waitSettled(leaving);
    assert.deepEqual(await lab.stackNodes(leaving), [staying], 'the stack stays where it is when the node rejoins (resource-stickiness)');
    assert.deepEqual(lab.watcher!.current().vip, [`n${staying}`]);
  });

  test('kill -9 of the active node\'s tandemd: fenced, the stack back on the other node, no acknowledged row lost', async (t) => {
    const [victim = 0] = await lab.stackNodes(1);
    assert.ok(victim !== 0, 'the stack runs on one node before the kill');
    const survivor = victim === 1 ? 2 : 1;
    const writer = await writing('kill', 10);
    const killedAtMs = Date.now();
    await lab.cluster.kill(victim);
    await lab.wait(() => writer.firstAckAfterOutage(killedAtMs) !== undefined, 120_000, 'a row acknowledged through the VIP after the kill');
    const failoverMs = writer.firstAckAfterOutage(killedAtMs)!.atMs - killedAtMs;
    t.diagnostic(`kill -9 → first row acknowledged through the VIP on n${survivor}: ${failoverMs} ms`);
    await lab.wait(async () => (await lab.stackNodes(survivor)).join() === String(survivor), 30_000, `the stack on n${survivor}`);
    await lab.wait(() => writer.acknowledged.length >= 20, 60_000, 'more rows after the failover');
    await everyAcknowledgedRowStored(writer);

    // The victim was fenced (powered off: links down) before the survivor took over.
    const links = await execa('ip', ['-n', lab.cluster.net.nodeNs(victim), '-o', 'link', 'show']);
    assert.deepEqual(links.stdout.split('\n').filter((line) => !/: lo[:@]/.test(line) && /state UP/.test(line)), [], links.stdout);
    const log = await readFile(lab.cluster.logFile(survivor), 'utf8');
    const fencedAt = log.indexOf('"msg":"fencing"');
    assert.ok(fencedAt >= 0, 'the survivor fenced the victim');
    assert.ok(log.indexOf(`"action":"volume-mirror start on n${survivor}"`, fencedAt) > fencedAt, 'the mirror started only after the fence');
    const now = lab.watcher!.current();
    assert.deepEqual([now.vip, now.mirror, now.database, now.legs], [[`n${survivor}`], [`n${survivor}`], [`n${survivor}`], [`n${survivor}`, `n${survivor}`]]);
  });

  test('the ownership watcher sampled all along and saw no double ownership', () => {
    assert.ok(lab.watcher!.samples > 100, `only ${lab.watcher!.samples} samples`);
    lab.watcher!.check();
  });
});
