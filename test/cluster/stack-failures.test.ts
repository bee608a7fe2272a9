/**
 * Failures inside the running service stack (the stack lab: two tandemd
 * nodes, two nbdkit arrays, Mirror → PhysicalVolume → PostgreSQL → rows app
 * → VIP, fencing with fence_tandem_netns), one started cluster for all of
 * them, the double-ownership watcher running all along:
 * - the postmaster killed (kill -9) → recovered on the same node, the app
 *   after it (group order), fail count 1, no move;
 * - one array killed → the mirror goes degraded, no failover, the service
 *   keeps answering; the array back → only what changed is resynced and the
 *   legs verify identical;
 * - standby of the active node → the whole stack moves; online → it stays;
 * - both heartbeat links of the active node cut (service and storage
 *   networks up) → one node fences the other and exactly that one owns the
 *   mirror (legs' metadata) and the VIP, no acknowledged row lost; the
 *   fenced node powered on and rejoining is probed and nothing runs twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { StackLab } from '../support/stack-lab/stack-lab.js';
import type { RowsWriter } from '../support/stack-lab/rows-writer.js';
import { appPid, failCounts, mirrorStatus, mirrorVerify, postmasterPids, setLinks, transientAttribute } from '../support/stack-lab/stack-probes.js';

describe('failures inside the service stack on two tandemd nodes', () => {
  const lab = new StackLab();
  let active = 0;
  const other = (node: number): number => (node === 1 ? 2 : 1);

  before(async () => {
    await lab.create();
    await lab.configure();
    // The node holding the service wins a split: shooting it waits 10 s (Pacemaker's priority-fencing-delay).
    const file = path.join(lab.dir, 'priority.crm');
    await writeFile(file, 'property priority-fencing-delay=10s\nrsc_defaults priority=1\n');
    const loaded = await lab.tandem(1, ['configure', 'load', 'update', file]);
    if (loaded.exitCode !== 0) throw new Error(`tandem configure load update failed: ${loaded.stderr}`);
    active = await lab.waitServing(1);
    await lab.waitSettled(1);
  });
  after(async () => {
    await lab.destroy();
  });

  const writing = (prefix: string, count: number): Promise<RowsWriter> => lab.writeRows(prefix, count, 300);
  const everyAcknowledgedRowStored = async (writer: RowsWriter): Promise<void> => {
    assert.deepEqual(await lab.unstoredRows(writer), [], 'acknowledged rows missing');
  };

  test('kill -9 of the postmaster: recovered on the same node (app restarted after it), fail count 1, no move', async (t) => {
    const [postmaster] = postmasterPids(lab, active);
    assert.ok(postmaster !== undefined, `a postmaster runs on n${active}`);
    const appBefore = appPid(lab, active);
    assert.ok(appBefore !== undefined, `the app runs on n${active}`);
    const killedAtMs = Date.now();
    process.kill(postmaster, 'SIGKILL');
    await lab.wait(async () => {
      const counts = await failCounts(lab, active, 'database');
      return counts.length > 0;
    }, 60_000, 'the Database monitor to record the failure');
    await lab.wait(async () => {
      const [now] = postmasterPids(lab, active);
      return now !== undefined && now !== postmaster && (await lab.stackNodes(active)).join() === String(active) && (await lab.serviceAnswers());
    }, 90_000, `PostgreSQL restarted on n${active} and the service answering`);
    t.diagnostic(`postmaster kill -9 → service answering again on n${active}: ${Date.now() - killedAtMs} ms`);
    const logs = await Promise.all(lab.nodes.map((node) => readFile(lab.cluster.logFile(node), 'utf8')));
    assert.match(logs.join('\n'), new RegExp(`"action":"database monitor_5000 on n${active}","rc":7,[^\n]*"msg":"monitor failed"`), 'the DC logged the failed monitor');
    await lab.waitSettled(active);
    assert.deepEqual(await lab.stackNodes(other(active)), [active], 'the stack did not move');
    const appAfter = appPid(lab, active);
    assert.ok(appAfter !== undefined && appAfter !== appBefore, `the app (after the database in the group) was restarted: pid ${appBefore} → ${appAfter}`);
    assert.deepEqual(await failCounts(lab, other(active), 'database'), [{ node: `n${active}`, operation: 'monitor_5000', count: '1' }]);
    const shown = await lab.tandem(active, ['resource', 'failcount', 'database']);
    assert.match(shown.stdout, new RegExp(`database on n${active} monitor_5000: fail-count=1`));
    assert.deepEqual(await failCounts(lab, active, 'volume-mirror'), [], 'nothing below the database failed');
    const status = await lab.tandem(active, ['status']);
    assert.match(status.stdout, new RegExp(`Failed Resource Actions:\\n  \\* database_monitor_5000 on n${active} 'OCF_NOT_RUNNING' \\(7\\): exitreason='postmaster pid \\d+ of .* is not running`), status.stdout);
    const writer = await writing('pg', 5);
    await everyAcknowledgedRowStored(writer);
  });

  test('one array fails: degraded, no failover, service answers; it returns: only the changes resynced, legs identical', async (t) => {
    const before = await mirrorStatus(lab, active);
    assert.equal(before.inSync, true, 'both legs in sync before the failure');
    const resyncsBefore = before.finishedResyncs.length;
    const writer = await writing('array', 5);
    const failedAtMs = Date.now();
    await lab.storage!.killArray(1);
    await lab.wait(async () => (await mirrorStatus(lab, active)).degraded, 60_000, 'the mirror to report degraded');
    t.diagnostic(`array 1 killed → engine reports degraded: ${Date.now() - failedAtMs} ms`);
    const degraded = await mirrorStatus(lab, active);
    assert.equal(degraded.legs[1]?.state, 'failed', JSON.stringify(degraded.legs));
    const logFile = lab.cluster.logFile(active);
    await lab.wait(async () => /mirror volume-mirror is DEGRADED/.test(await readFile(logFile, 'utf8')), 30_000, 'the Mirror monitor to report DEGRADED');
    const degradedAttribute = (): Promise<string | undefined> => transientAttribute(lab, other(active), active, 'mirror-degraded-volume-mirror');
    await lab.wait(async () => (await degradedAttribute()) === '1', 30_000, 'the node attribute mirror-degraded-volume-mirror=1');
    const ackedWhenDegraded = writer.acknowledged.length;
    await lab.wait(() => writer.acknowledged.length >= ackedWhenDegraded + 10, 60_000, 'rows acknowledged while degraded');
    assert.deepEqual(await lab.stackNodes(other(active)), [active], 'no failover for a failed leg');
    assert.deepEqual(await failCounts(lab, active, 'volume-mirror'), [], 'a degraded mirror is not a failed resource');

    await lab.storage!.startArray(1);
    await lab.wait(async () => {
      const status = await mirrorStatus(lab, active);
      return status.inSync && status.finishedResyncs.length > resyncsBefore;
    }, 120_000, 'the returned leg resynced');
    await lab.wait(async () => (await degradedAttribute()) === '0', 30_000, 'the node attribute mirror-degraded-volume-mirror back to 0');
    const after = await mirrorStatus(lab, active);
    const resync = after.finishedResyncs.at(-1)!;
    t.diagnostic(`resync after the array returned: ${resync.bytes} bytes (${resync.chunks} chunks) of ${after.sizeBytes} in ${resync.durationMs} ms`);
    assert.equal(resync.outcome, 'done');
    assert.equal(resync.targetLeg, 1);
    assert.ok(resync.bytes > 0 && resync.bytes < after.sizeBytes / 4, `only what changed was copied: ${resync.bytes} of ${after.sizeBytes} bytes`);
    await everyAcknowledgedRowStored(writer);
    const verify = await mirrorVerify(lab, active);
    assert.equal(verify.exitCode, 0);
    assert.deepEqual(verify.report.mismatchedChunks, []);
    assert.equal(verify.report.checkedBytes, after.sizeBytes);
    assert.deepEqual(await lab.stackNodes(active), [active]);
  });

  test('standby of the active node: the whole stack moves; online: it stays', async (t) => {
    const leaving = active;
    const writer = await writing('standby', 5);
    const standbyAtMs = Date.now();
    const standby = await lab.tandem(other(leaving), ['node', 'standby', `n${leaving}`]);
    assert.equal(standby.exitCode, 0, standby.stderr);
    await lab.wait(async () => (await lab.stackNodes(other(leaving))).join() === String(other(leaving)) && (await lab.serviceAnswers()), 120_000, `the stack on n${other(leaving)}`);
    t.diagnostic(`standby → stack answering on n${other(leaving)}: ${Date.now() - standbyAtMs} ms`);
    active = other(leaving);
    await lab.wait(() => writer.acknowledged.length >= 15, 60_000, 'rows after the move');
    await everyAcknowledgedRowStored(writer);
    assert.doesNotMatch(await readFile(lab.cluster.logFile(active), 'utf8'), /"msg":"fencing"/, 'standby is not a reason to fence');

    const online = await lab.tandem(active, ['node', 'online', `n${leaving}`]);
    assert.equal(online.exitCode, 0, online.stderr);
    await lab.waitSettled(active);
    assert.deepEqual(await lab.stackNodes(leaving), [active], 'no failback when the node is online again');
    const now = lab.watcher!.current();
    assert.deepEqual([now.vip, now.mirror, now.database, now.legs], [[`n${active}`], [`n${active}`], [`n${active}`], [`n${active}`, `n${active}`]]);
  });

  test('both heartbeat links of the active node cut: exactly one node owns the mirror and the VIP, no row lost; the fenced node rejoins', async (t) => {
    const holder = active;
    const peer = other(holder);
    const writer = await writing('split', 5);
    const cutAtMs = Date.now();
    await setLinks(lab, holder, ['hb0', 'hb1'], 'down');
    // The holder has the higher priority: the peer waits, the holder shoots first and keeps the stack.
    await lab.wait(async () => {
      const { membership } = await lab.cluster.status(holder);
      return !membership.view.members.includes(`n${peer}`);
    }, 60_000, `n${holder} to lose n${peer}`);
    const fenceDone = new RegExp(`"node":"n${peer}","operation":"off","msg":"node fenced"`);
    await lab.wait(async () => fenceDone.test(await readFile(lab.cluster.logFile(holder), 'utf8')), 60_000, `n${holder} to fence n${peer}`);
    assert.doesNotMatch(await readFile(lab.cluster.logFile(peer), 'utf8'), new RegExp(`"target":"n${holder}","device":"fence-netns","msg":"fencing"`), `n${peer} (lower priority) waited and never shot`);
    const peerLinks = await execa('ip', ['-n', lab.cluster.net.nodeNs(peer), '-o', 'link', 'show']);
    assert.deepEqual(peerLinks.stdout.split('\n').filter((line) => !/: lo[:@]/.test(line) && /state UP/.test(line)), [], `n${peer} powered off: ${peerLinks.stdout}`);
    await lab.wait(() => writer.acknowledged.length >= 20, 60_000, 'rows after the split');
    t.diagnostic(`split → ${Date.now() - cutAtMs} ms until 20 rows; rows failed meanwhile: ${writer.attempts.filter((a) => !a.ok && a.atMs >= cutAtMs).length}`);
    await everyAcknowledgedRowStored(writer);
    assert.deepEqual(await lab.stackNodes(holder), [holder]);
    const now = lab.watcher!.current();
    assert.deepEqual([now.vip, now.mirror, now.database, now.legs], [[`n${holder}`], [`n${holder}`], [`n${holder}`], [`n${holder}`, `n${holder}`]]);

    // Power the fenced node on: links up, heartbeat mended, tandemd started; it is probed and runs nothing.
    await setLinks(lab, peer, ['hb0', 'hb1', 'pub', 'sto'], 'up');
    await setLinks(lab, holder, ['hb0', 'hb1'], 'up');
    await lab.cluster.start(peer);
    await lab.cluster.waitAgreed(lab.nodes);
    await lab.waitSettled(holder);
    assert.deepEqual(await lab.stackNodes(peer), [holder], 'the stack stays on the survivor after the rejoin');
    assert.deepEqual(postmasterPids(lab, peer), [], 'nothing started on the rejoined node');
    assert.equal(appPid(lab, peer), undefined);
    const after = lab.watcher!.current();
    assert.deepEqual([after.vip, after.mirror, after.database], [[`n${holder}`], [`n${holder}`], [`n${holder}`]]);
  });

  test('the ownership watcher sampled all along and saw no double ownership', () => {
    assert.ok(lab.watcher!.samples > 100, `only ${lab.watcher!.samples} samples`);
    lab.watcher!.check();
  });
});
