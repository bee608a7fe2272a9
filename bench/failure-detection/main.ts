/**
 * Failure detection: time from `kill -9` of a member to the survivor's new
 * view (tandem membership, default timings), against keepalived's VRRP
 * failover (kill -9 of the master to the VIP on the backup) with
 * `advert_int 1` and with the fastest advert_int it accepts (VRRPv3, 0.01 s),
 * all measured in the same run, in the same kind of network namespaces.
 *
 * Usage: node dist/bench/failure-detection/main.js [--trials N] (default 20)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { NetnsCluster, waitUntil } from '../../test/membership/netns-cluster.js';

const trialsArg = process.argv.indexOf('--trials');
const trials = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 20;
const vip = '198.19.9.100';

function summary(samplesMs: number[]): { medianMs: number; maxMs: number; minMs: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { medianMs: Math.round(medianMs), maxMs: Math.round(sorted.at(-1) ?? 0), minMs: Math.round(sorted[0] ?? 0) };
}

async function tandemTrials(cluster: NetnsCluster): Promise<number[]> {
  const samples: number[] = [];
  await cluster.start(1);
  for (let trial = 0; trial < trials; trial++) {
    await cluster.start(2);
    await waitUntil(async () => {
      const [one, two] = [await cluster.status(1), await cluster.status(2)];
      return one.view.agreed && two.view.agreed && one.view.members.length === 2 && one.view.id === two.view.id;
    }, 15000, 'agreement');
    // let a few keepalives pass in the steady state
    await new Promise((resolve) => setTimeout(resolve, 300));
    const viewBefore = (await cluster.status(1)).view.id;
    const killedAtMs = Date.now();
    await cluster.kill(2);
    let detectedAtMs = 0;
    await waitUntil(async () => {
      const event = (await cluster.status(1)).events.find((candidate) => candidate.type === 'viewChanged' && candidate.viewId > viewBefore && candidate.members.length === 1);
      if (event) detectedAtMs = event.atMs;
      return event !== undefined;
    }, 15000, 'new view after kill -9');
    samples.push(detectedAtMs - killedAtMs);
  }
  await cluster.kill(1);
  return samples;
}

function keepalivedConfig(node: number, advertInt: string): string {
  return `global_defs {
  router_id tdm-n${node}
  vrrp_version 3
}
vrrp_instance tdm {
  state ${node === 1 ? 'MASTER' : 'BACKUP'}
  interface pub
  virtual_router_id 51
  priority ${node === 1 ? 150 : 100}
  advert_int ${advertInt}
  virtual_ipaddress {
    ${vip}/24
  }
}
`;
}

async function vipOn(cluster: NetnsCluster, node: number): Promise<boolean> {
  const { stdout } = await execa('ip', ['-n', cluster.nodeNs(node), '-o', 'addr', 'show', 'dev', 'pub']);
  return stdout.includes(`${vip}/`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // keepalived forks its VRRP child into the group we created for it: kill that group only
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  await exited;
}

interface KeepalivedResult { samples: number[]; falseTakeovers: number }

/**
 * `count` clean failovers of keepalived at `advertInt`. A trial in which the
 * backup took the VIP while the master still ran is a false takeover: it is
 * counted and retried (up to 3 × count attempts).
 */
async function keepalivedTrials(cluster: NetnsCluster, advertInt: string, count: number): Promise<KeepalivedResult> {
  const samples: number[] = [];
  let falseTakeovers = 0;
  let runs = 0;
  const start = async (node: number): Promise<ChildProcess> => {
    // fresh pid files each run: keepalived refuses to start over a live-looking pid file
    const dir = join(cluster.dir, `ka-${advertInt}-${++runs}-${node}`);
    await execa('mkdir', ['-p', dir]);
    const conf = join(dir, 'keepalived.conf');
    await writeFile(conf, keepalivedConfig(node, advertInt));
    const log = openSync(join(dir, 'keepalived.log'), 'a');
    const child = spawn('ip', ['netns', 'exec', cluster.nodeNs(node), 'keepalived', '-n', '-l', '-P', '-f', conf,
      '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid')], { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    return child;
  };
  const advertMs = Number(advertInt) * 1000;
  for (let attempt = 0; samples.length < count && attempt < count * 3; attempt++) {
    const logs = [runs + 1, runs + 2].map((run, index) => join(cluster.dir, `ka-${advertInt}-${run}-${index + 1}`, 'keepalived.log'));
    const master = await start(1);
    let backup: ChildProcess | undefined;
    let monitor: ChildProcess | undefined;
    try {
      await waitUntil(() => vipOn(cluster, 1), 20000, 'VIP on the keepalived master');
      backup = await start(2);
      // the backup must have heard adverts and settled as BACKUP
      await new Promise((resolve) => setTimeout(resolve, Math.max(1500, advertMs * 4)));
      if (await vipOn(cluster, 2)) { falseTakeovers++; continue; }
      monitor = spawn('ip', ['-n', cluster.nodeNs(2), 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let appearedAtMs = 0;
      monitor.stdout?.on('data', (chunk: Buffer) => { if (appearedAtMs === 0 && chunk.toString().includes(`${vip}/`)) appearedAtMs = Date.now(); });
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (appearedAtMs > 0) { falseTakeovers++; continue; }
      const killedAtMs = Date.now();
      await stopGroup(master);
      try {
        await waitUntil(() => appearedAtMs > 0, 30000, 'VIP on the keepalived backup');
      } catch (error) {
        for (const log of logs) process.stderr.write(await readFile(log, 'utf8'));
        throw error;
      }
      samples.push(appearedAtMs - killedAtMs);
    } finally {
      if (monitor) monitor.kill('SIGKILL');
      await stopGroup(master);
      if (backup) await stopGroup(backup);
      // the VIP stays on a NIC after a kill -9: remove it for the next trial
      for (const node of [1, 2]) await execa('ip', ['-n', cluster.nodeNs(node), 'addr', 'del', `${vip}/24`, 'dev', 'pub'], { reject: false });
    }
  }
  return { samples, falseTakeovers };
}

async function main(): Promise<void> {
  const cluster = new NetnsCluster({ nodes: 2 });
  try {
    await cluster.create();
    const tandem = summary(await tandemTrials(cluster));
    const keepalived: Array<{ advertInt: string; medianMs: number; maxMs: number; minMs: number; clean: number; falseTakeovers: number }> = [];
    for (const advertInt of ['1', '0.1', '0.01']) {
      const result = await keepalivedTrials(cluster, advertInt, trials);
      keepalived.push({ advertInt, ...summary(result.samples), clean: result.samples.length, falseTakeovers: result.falseTakeovers });
    }
    process.stdout.write(`failure detection (kill -9 → survivor's new view for tandem, → VIP on the backup for keepalived VRRPv3)\n`);
    process.stdout.write(`  tandem membership, defaults (keepalive 100, warntime 500, deadtime 900 ms), ${trials} trials: median ${tandem.medianMs} ms, max ${tandem.maxMs} ms, min ${tandem.minMs} ms\n`);
    for (const result of keepalived) {
      process.stdout.write(`  keepalived advert_int ${result.advertInt}: ${result.clean} clean trials, median ${result.medianMs} ms, max ${result.maxMs} ms, min ${result.minMs} ms, false takeovers ${result.falseTakeovers}`
        + ` — ratio tandem/keepalived median ${(tandem.medianMs / result.medianMs).toFixed(3)}, max ${(tandem.maxMs / result.maxMs).toFixed(3)}\n`);
    }
    process.stdout.write(JSON.stringify({ trials, tandem, keepalived }) + '\n');
  } finally {
    await cluster.destroy();
  }
}

await main();
