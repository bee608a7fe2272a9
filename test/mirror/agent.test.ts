/**
 * tandem:Mirror, the OCF agent, through its launcher: ocf-tester passes;
 * start serves the volume (real qemu-io I/O), stop leaves both legs clean
 * and released; a claim left by another node is taken over only as the
 * takeover policy says; a failed array leaves the volume degraded and the
 * monitor still says running (and, once a new empty array answers in its
 * place, names the replace command); a claim an engine left behind (killed, or
 * both arrays unreachable at its stop) is released by stop, or the stop
 * fails so that the node is fenced; bad configuration is refused, and a
 * leg whose device this node lacks leaves the volume degraded, not refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { execa } from 'execa';
import { Harness, nbdUri, waitFor } from './helpers.js';
import { ocfTester, type AgentRun } from '../ocf/helpers.js';
import { MirrorAgentRuns } from './agent-runs.js';

interface LegMeta { leg: number; clean: boolean; owner: { node: string; epoch: number } }

describe('tandem:Mirror agent', () => {
  let harness: Harness;
  let agent: MirrorAgentRuns;

  before(async () => {
    harness = await Harness.create('agent');
    chmodSync(harness.dir, 0o755); // ocf-tester runs meta-data as nobody
    agent = new MirrorAgentRuns(harness);
  });
  after(async () => {
    agent.killEngines();
    await harness.cleanup();
  });

  const params = (name: string, legs: string[], extra: Record<string, string> = {}): Record<string, string> => agent.params(name, legs, extra);
  const run = (action: string, p: Record<string, string>, env: Record<string, string> = {}): AgentRun => agent.run(action, p, env);
  const succeed = (action: string, p: Record<string, string>): AgentRun => agent.succeed(action, p);

  async function legMeta(legs: string[]): Promise<LegMeta[]> {
    return JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as LegMeta[];
  }

  async function createVolume(name: string): Promise<string[]> {
    const legs = [harness.path(`${name}-a.img`), harness.path(`${name}-b.img`)];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '32M', '--assume-clean']);
    return legs;
  }

  test('ocf-tester passes', async () => {
    const legs = await createVolume('tester');
    const result = ocfTester('Mirror', params('tester', legs));
    assert.equal(result.rc, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /passed all tests/);
  });

  test('start serves the volume, monitor says running, stop leaves both legs clean and released', async () => {
    const legs = await createVolume('cycle');
    const p = params('cycle', legs, { node: 'n1' });
    assert.equal(run('monitor', p, { OCF_RESKEY_CRM_meta_interval: '' }).rc, 7, 'probe before start');
    const started = run('start', p);
    assert.equal(started.rc, 0, started.stderr);
    assert.equal(run('start', p).rc, 0, 'start is idempotent');
    assert.equal(run('monitor', p).rc, 0);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5a 0 4M', nbdUri(p['socket'] ?? '')]);
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x5a 0 4M', nbdUri(p['socket'] ?? '')]);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);
    assert.deepEqual((await legMeta(legs)).map((meta) => meta.owner.node), ['n1', 'n1'], 'both legs claimed while serving');
    assert.match(readFileSync(p['logfile'] ?? '', 'utf8'), /"ioUring":true/, 'the agent starts the engine with io_uring (its io_uring parameter\'s default)');
    succeed('stop', p);
    assert.equal(run('stop', p).rc, 0, 'stop is idempotent');
    assert.equal(run('monitor', p).rc, 7);
    const metas = await legMeta(legs);
    assert.deepEqual(metas.map((meta) => [meta.clean, meta.owner.node]), [[true, ''], [true, '']]);
  });

  test('a claim left by a crashed node: refused by takeover=never and when membership is unknown, taken by takeover=always', async () => {
    const legs = await createVolume('claim');
    const first = params('claim-n1', legs, { node: 'n1' });
    succeed('start', first);
    const enginePid = agent.enginePid(first);
    process.kill(enginePid, 'SIGKILL'); // n1 dies holding the claim
    await new Promise((resolve) => setTimeout(resolve, 300));

    const never = run('start', params('claim-never', legs, { node: 'n2', takeover: 'never' }));
    assert.equal(never.rc, 1);
    assert.match(never.stderr, /ocf-exit-reason:.*claimed by node n1 and takeover=never/);
    const unknown = run('start', params('claim-unknown', legs, { node: 'n2' }));
    assert.equal(unknown.rc, 1);
    assert.match(unknown.stderr, /ocf-exit-reason:.*claimed by node n1 and the cluster membership cannot be read/);
    assert.deepEqual((await legMeta(legs)).map((meta) => meta.owner.node), ['n1', 'n1'], 'refusals change nothing');

    const always = params('claim-always', legs, { node: 'n2', takeover: 'always' });
    const taken = run('start', always);
    assert.equal(taken.rc, 0, taken.stderr);
    assert.deepEqual((await legMeta(legs)).map((meta) => meta.owner.node), ['n2', 'n2']);
    succeed('stop', always);
  });

  test('an array fails: the volume is degraded, monitor still says running', async () => {
    const legA = harness.path('deg-a.img');
    const legB = harness.path('deg-b.img');
    const sockB = harness.path('deg-b.sock');
    await execa('truncate', ['-s', '40M', legB]);
    const nbdkit = await harness.startNbdkit(legB, sockB);
    const legs = [legA, nbdUri(sockB)];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '32M', '--assume-clean']);
    const p = params('deg', legs, { node: 'n1', io_timeout: '2000' });
    succeed('start', p);
    await harness.kill(nbdkit);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x11 0 1M', nbdUri(p['socket'] ?? '')]);
    const monitored = run('monitor', p);
    assert.equal(monitored.rc, 0, monitored.stderr);
    assert.match(monitored.stderr, /DEGRADED/);
    // A new, empty array answers at the dead one's address: the monitor says how to put it in.
    rmSync(sockB, { force: true });
    const newArray = harness.path('deg-b-new.img');
    await execa('truncate', ['-s', '40M', newArray]);
    await harness.startNbdkit(newArray, sockB);
    const advice = `tandem mirror replace --control ${p['pidfile']}.ctl --leg 1`;
    let last = '';
    await waitFor(() => { last = run('monitor', p).stderr; return last.includes(advice); }, 15_000, 'the monitor to name the replace command')
      .catch((error: unknown) => { throw new Error(`${(error as Error).message}; last monitor: ${last}`); });
    succeed('stop', p);
  });

  test('an engine killed without an orderly stop: stop releases the claim it left, so another node may start without a takeover', async () => {
    const legs = await createVolume('killed');
    const first = params('killed-n1', legs, { node: 'n1' });
    succeed('start', first);
    await execa('qemu-io', ['-f', 'raw', '-c', 'write -P 0x3c 0 2M', nbdUri(first['socket'] ?? '')]);
    process.kill(agent.enginePid(first), 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = run('stop', first);
    assert.equal(stopped.rc, 0, stopped.stderr);
    assert.match(stopped.stderr, /released the claim of node n1/);
    assert.deepEqual((await legMeta(legs)).map((meta) => [meta.clean, meta.owner.node]), [[false, ''], [false, '']], 'released, still dirty: the next start resyncs');
    assert.equal(run('monitor', first).rc, 7);

    // This start also turns io_uring off, as an admin may on a small node.
    const second = params('killed-n2', legs, { node: 'n2', takeover: 'never', io_uring: 'false' });
    const started = run('start', second);
    assert.equal(started.rc, 0, started.stderr);
    assert.match(readFileSync(second['logfile'] ?? '', 'utf8'), /"ioUring":false/, 'io_uring=false: every request on the I/O threads');
    const read = await execa('qemu-io', ['-f', 'raw', '-c', 'read -P 0x3c 0 2M', nbdUri(second['socket'] ?? '')]);
    assert.doesNotMatch(read.stdout, /Pattern verification failed/);
    succeed('stop', second);
  });

  test('both arrays unreachable: stop fails, naming the claim it cannot release; once they return, stop releases it', async () => {
    const files = [harness.path('gone-a.img'), harness.path('gone-b.img')];
    const sockets = [harness.path('gone-a.sock'), harness.path('gone-b.sock')];
    for (const file of files) await execa('truncate', ['-s', '40M', file]);
    let arrays = await Promise.all(files.map((file, index) => harness.startNbdkit(file, sockets[index]!)));
    const legs = sockets.map(nbdUri);
    await harness.tandem(['mirror', 'create', ...legs, '--size', '32M', '--assume-clean']);
    const p = params('gone', legs, { node: 'n1', io_timeout: '2000' });
    succeed('start', p);
    for (const array of arrays) await harness.kill(array);

    const stopped = run('stop', p);
    assert.equal(stopped.rc, 1, stopped.stderr);
    assert.match(stopped.stderr, /ocf-exit-reason:.*without releasing node n1's claim.*once this one is fenced/);
    assert.equal(run('monitor', p).rc, 1, 'not reported as cleanly stopped');

    // The killed servers left their sockets behind: start waits for the new ones.
    for (const socket of sockets) rmSync(socket, { force: true });
    arrays = await Promise.all(files.map((file, index) => harness.startNbdkit(file, sockets[index]!)));
    const retried = run('stop', p);
    assert.equal(retried.rc, 0, retried.stderr);
    assert.deepEqual((await legMeta(legs)).map((meta) => meta.owner.node), ['', '']);
    assert.equal(run('monitor', p).rc, 7);
    for (const array of arrays) await harness.kill(array);
  });

  test('bad configuration is refused with the parameter named', async () => {
    const one = run('validate-all', params('bad1', [harness.path('only-one.img')]));
    assert.equal(one.rc, 6);
    assert.match(one.stderr, /ocf-exit-reason:legs: expected two legs/);
    const missing = run('validate-all', params('bad2', [harness.path('nope-a.img'), harness.path('nope-b.img')]));
    assert.equal(missing.rc, 5);
    assert.match(missing.stderr, /ocf-exit-reason:legs: .*nope-a\.img/);
    const legs = await createVolume('bad3');
    const policy = run('validate-all', params('bad3', legs, { takeover: 'sometimes' }));
    assert.equal(policy.rc, 6);
    assert.match(policy.stderr, /takeover: 'sometimes'/);
    // One leg's device missing on this node (a LUN not seen here): not fatal, the volume serves degraded from the other.
    const half = params('half', [legs[0]!, harness.path('nope-c.img')], { node: 'n1' });
    const check = run('validate-all', half);
    assert.equal(check.rc, 0, check.stderr);
    assert.match(check.stderr, /nope-c\.img: no such file or block device on this node/);
    const started = run('start', half);
    assert.equal(started.rc, 0, started.stderr);
    assert.equal(run('monitor', half).rc, 0, 'running, degraded');
    succeed('stop', half);
  });
});
