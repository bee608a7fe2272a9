/**
 * Hostile input: a member on loopback receives, from this test's own UDP
 * socket, packets under a wrong key, replays, another cluster's packets,
 * unknown nodes, truncated, oversized and random datagrams. Each is dropped
 * and counted, and the member keeps running. Also: a key file readable by
 * others and a config error are refused with clear messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cliPath, waitUntil } from './netns-cluster.js';
import { clusterIdOf } from '../../src/membership/config.js';
import { encodeHeartbeat, memberDigest } from '../../src/membership/packet.js';
import { controlSocketPath, requestControl } from '../../src/membership/status-socket.js';
import type { MemberStatus } from '../../src/membership/member.js';

async function setup(): Promise<{ dir: string; config: string; key: string; port: number; net: string }> {
  const dir = await mkdtemp(join(tmpdir(), `tdm-mb-${process.pid}-bad-`));
  const key = join(dir, 'key');
  await writeFile(key, randomBytes(32), { mode: 0o600 });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const net = `127.${100 + (process.pid % 100)}.${Math.floor(Math.random() * 250)}`;
  const config = join(dir, 'membership.conf');
  await writeFile(config, ['[cluster]', 'name = bad-packets', `key = ${key}`, `run_dir = ${join(dir, 'run')}`, `message_port = ${port + 1}`,
    '[link hb0]', `port = ${port}`, '[node b1]', 'id = 1', `hb0 = ${net}.1`, '[node b2]', 'id = 2', `hb0 = ${net}.2`, ''].join('\n'));
  return { dir, config, key, port, net };
}

test('wrong key, replays, other clusters, unknown nodes and garbage are dropped and counted', async () => {
  const { dir, config, key, port, net } = await setup();
  const member = spawn(process.execPath, [cliPath, 'membership', 'run', '--config', config, '--node', 'b1'], { stdio: 'ignore', env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
  const socket = createSocket('udp4');
  try {
    const status = async () => await requestControl(controlSocketPath(join(dir, 'run'), 'b1'), { cmd: 'status' }, 3000) as MemberStatus;
    await waitUntil(async () => (await status()) !== undefined, 15000, 'member to answer');
    await new Promise<void>((resolve) => socket.bind(0, `${net}.2`, () => resolve()));
    const send = (packet: Buffer) => new Promise<void>((resolve, reject) => socket.send(packet, port, `${net}.1`, (error) => (error ? reject(error) : resolve())));
    const clusterKey = await readFile(key);
    const heartbeat = (overrides: Partial<Parameters<typeof encodeHeartbeat>[0]> = {}) => ({
      clusterId: clusterIdOf('bad-packets'), nodeId: 2, linkIndex: 0, incarnation: Date.now(), sequence: 1,
      sendTimeMs: Date.now(), viewId: 0, digest: memberDigest([]), members: [], ...overrides,
    });
    const genuine = encodeHeartbeat(heartbeat(), clusterKey);
    await send(genuine);
    await send(genuine); // replay
    await send(encodeHeartbeat(heartbeat({ sequence: 2 }), randomBytes(32))); // wrong key
    await send(encodeHeartbeat(heartbeat({ sequence: 3, clusterId: clusterIdOf('elsewhere') }), clusterKey));
    await send(encodeHeartbeat(heartbeat({ sequence: 4, nodeId: 99 }), clusterKey));
    await send(genuine.subarray(0, 60)); // truncated
    await send(randomBytes(2000)); // oversized
    for (let index = 0; index < 50; index++) await send(randomBytes(1 + Math.floor(Math.random() * 300)));
    await waitUntil(async () => (await status()).counters.dropped.garbage >= 50, 10000, 'garbage counted');
    const { counters } = await status();
    assert.equal(counters.dropped.replay, 1);
    assert.equal(counters.dropped.badMac, 1);
    assert.equal(counters.dropped.otherCluster, 1);
    assert.equal(counters.dropped.unknownNode, 1);
    assert.equal(counters.dropped.truncated, 1);
    assert.equal(counters.dropped.oversized, 1);
    assert.ok(counters.dropped.garbage >= 50);
    assert.equal(member.exitCode, null, 'the member is still running');
    assert.equal(counters.received, 1, 'only the genuine packet was accepted');
  } finally {
    socket.close();
    if (member.exitCode === null) {
      const exited = new Promise((resolve) => member.once('exit', resolve));
      member.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
});

test('a key file readable by others is refused, and config errors name line and field', async () => {
  const { dir, config, key } = await setup();
  try {
    await chmod(key, 0o644);
    const refused = await execa(process.execPath, [cliPath, 'membership', 'run', '--config', config, '--node', 'b1'], { reject: false, timeout: 15000 });
    assert.equal(refused.exitCode, 78);
    assert.match(refused.stderr, /mode is 0644, must be 0600/);
    await writeFile(config, '[cluster]\nname = x\n[link hb0]\nport = 1\n[node a]\nid = zero\n');
    const bad = await execa(process.execPath, [cliPath, 'membership', 'status', '--config', config], { reject: false, timeout: 15000 });
    assert.equal(bad.exitCode, 78);
    assert.match(bad.stderr, /membership\.conf:6: \[node a\] id: 'zero' is not a whole number/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
