/**
 * The service moves while one array hangs (its file blocks in the kernel:
 * see startHangableLeg): the engine's stop must end within its I/O timeout
 * and release the leg that answers, and the next node must start the
 * volume from that leg alone, degraded, without waiting on the dead array.
 * When the array answers again, it is resynced. Then the same through the
 * Mirror agent, whose stop and start must succeed rather than time out and
 * have the node fenced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { Harness, nbdUri, readHead, startHangableLeg, status, waitFor, type HangableLeg } from './helpers.js';
import { MirrorAgentRuns } from './agent-runs.js';

const SIZE = 16 * 1024 * 1024;
const IO_TIMEOUT_MS = 1000;
/** How long the engine gives a leg to open (--open-timeout). */
const OPEN_TIMEOUT_MS = 1500;

test('with one array hung, stop ends within its I/O timeout and releases the other leg; the next node starts degraded from it, and the array is resynced once it answers', { timeout: 180_000 }, async () => {
  const harness = await Harness.create('hungstop');
  let arrayB: HangableLeg | undefined;
  try {
    arrayB = await startHangableLeg(harness, 'array-b');
    const legs = [harness.path('a.img'), arrayB.path];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '16M']);
    const timing = ['--io-timeout', String(IO_TIMEOUT_MS), '--open-timeout', String(OPEN_TIMEOUT_MS), '--reconnect-interval', '300', '--sweep-interval', '200'];
    const first = await harness.startEngine(legs, harness.path('n1.sock'), harness.path('n1.control'), ['--node', 'n1', ...timing]);
    await waitFor(async () => { const now = await status(harness.path('n1.control')); return now.inSync && now.dirtyChunks === 0; }, 60_000, 'the initial sync');
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x51 0 2M', '-c', 'flush', nbdUri(harness.path('n1.sock'))]);
    // The array hangs while nothing is in flight to it, as when its paths die between requests. A
    // request its FUSE server had already taken when stopped (the sweep's bitmap write, 200 ms
    // after the write) would hold the engine in the kernel, unkillable, until the array answers:
    // a real array that dies mid-request does the same, and its node is fenced (src/mirror/README.md).
    await waitFor(async () => (await status(harness.path('n1.control'))).dirtyChunks === 0, 30_000, 'the sweep of the write\'s bits');
    await new Promise((resolve) => setTimeout(resolve, 500)); // its bitmap write, persisted after the count drops

    arrayB.hang();
    const stopStartedMs = Date.now();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
    first.kill('SIGTERM');
    // Bounded, so that a stuck engine fails the test and its cleanup (which lets the array answer) still runs.
    let giveUp: NodeJS.Timeout | undefined;
    const exitSignal = await Promise.race([exited, new Promise<never>((_resolve, reject) => {
      giveUp = setTimeout(() => reject(new Error('the engine did not exit within 30 s of its SIGTERM with one array hung')), 30_000);
    })]).finally(() => clearTimeout(giveUp));
    const stopMs = Date.now() - stopStartedMs;
    assert.ok(stopMs < 3 * IO_TIMEOUT_MS + 5000, `stop took ${stopMs} ms with one array hung`);
    // Node cannot exit while a thread is blocked in the dead array: the engine ends itself by SIGKILL once stopped.
    const log = await readFile(harness.path('engine.log'), 'utf8');
    assert.match(log, /stopped cleanly/);
    assert.equal(exitSignal, 'SIGKILL');
    assert.match(log, /ending the process by SIGKILL/);

    // Another node, the array still hung: no --force needed (n1 released leg A), and the start does not wait on leg B.
    const startedMs = Date.now();
    await harness.startEngine(legs, harness.path('n2.sock'), harness.path('n2.control'), ['--node', 'n2', ...timing]);
    const second = await status(harness.path('n2.control'));
    assert.ok(Date.now() - startedMs < OPEN_TIMEOUT_MS + 5000, `start took ${Date.now() - startedMs} ms with one array hung (--open-timeout ${OPEN_TIMEOUT_MS})`);
    assert.match(second.legs[1]!.failure ?? '', new RegExp(`took longer than ${OPEN_TIMEOUT_MS} ms`), 'failed at its open deadline');
    assert.equal(second.legs[0]!.state, 'in-sync');
    assert.equal(second.legs[1]!.state, 'failed', `leg B is failed: ${JSON.stringify(second.legs[1])}`);
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x51 0 2M', '-c', 'write -P 0x52 2M 1M', nbdUri(harness.path('n2.sock'))], { reject: false, timeout: 30_000 });
    assert.equal(read.exitCode, 0, read.stderr);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);

    arrayB.answer();
    let last: unknown;
    await waitFor(async () => { const now = await status(harness.path('n2.control')); last = now; return now.inSync; }, 60_000, 'leg B to come back in sync')
      .catch((error: unknown) => { throw new Error(`${(error as Error).message}; last status ${JSON.stringify(last)}`); });
    assert.ok((await readHead(legs[0]!, SIZE)).equals(await readHead(legs[1]!, SIZE)), 'both legs hold the same data');
  } finally {
    await arrayB?.cleanup();
    await harness.cleanup();
  }
});

test('through the Mirror agent: with one array hung, stop succeeds, and another node starts the volume degraded and serves its data', { timeout: 180_000 }, async () => {
  const harness = await Harness.create('hungagent');
  let arrayB: HangableLeg | undefined;
  const agent = new MirrorAgentRuns(harness);
  try {
    arrayB = await startHangableLeg(harness, 'array-b');
    const legs = [harness.path('a.img'), arrayB.path];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '16M', '--assume-clean']);
    const params = (node: string): Record<string, string> => agent.params(node, legs, { node, io_timeout: String(IO_TIMEOUT_MS), open_timeout: String(OPEN_TIMEOUT_MS) });
    const n1 = params('n1');
    agent.succeed('start', n1);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x61 0 1M', '-c', 'flush', nbdUri(n1['socket']!)]);

    arrayB.hang();
    agent.succeed('stop', n1, 'stop with one array hung');
    assert.equal(agent.run('monitor', n1).rc, 7, 'stopped');

    const n2 = params('n2');
    const takenOver = agent.succeed('start', n2, 'start on another node with one array hung');
    // Each wait on the hung array is the agent's open_timeout: its presence check, the read of its claim, the engine's open.
    assert.match(takenOver.stderr, new RegExp(`array-b/nbd: no answer within ${OPEN_TIMEOUT_MS} ms`), 'validate waited open_timeout for the leg');
    assert.match(takenOver.stderr, new RegExp(`leg 1: its claim cannot be read \\(.*took longer than ${OPEN_TIMEOUT_MS} ms`), 'the takeover check waited open_timeout for the leg');
    assert.equal(agent.run('monitor', n2).rc, 0, 'running, degraded');
    assert.match(await readFile(n2['logfile']!, 'utf8'), new RegExp(`took longer than ${OPEN_TIMEOUT_MS} ms`), 'the engine gave leg B the agent\'s open_timeout');
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x61 0 1M', nbdUri(n2['socket']!)], { reject: false, timeout: 30_000 });
    assert.equal(read.exitCode, 0, read.stderr);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);

    arrayB.answer();
    agent.succeed('stop', n2);
  } finally {
    agent.killEngines();
    await arrayB?.cleanup();
    await harness.cleanup();
  }
});
