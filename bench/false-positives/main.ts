/**
 * False positives: two members in network namespaces, both CPUs saturated by
 * stress-ng, and the main event loop of member n1 blocked for 2 s at random
 * moments. Counts node losses (each one is false: nobody died). Tandem (the
 * heartbeat thread) must show 0. The anchor, measured in the same run, is the
 * same member with `heartbeat_thread = no` (heartbeats on the main loop).
 *
 * Usage: node dist/bench/false-positives/main.js [--duration-s N] [--anchor-s N]
 * (defaults: 600 s for tandem, min(60, N/5) s for the anchor)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NetnsCluster, waitUntil } from '../../test/membership/netns-cluster.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const durationS = argument('--duration-s', 600);
const anchorS = argument('--anchor-s', Math.min(60, Math.max(10, Math.round(durationS / 5))));
const stallMs = 2000;

interface PhaseResult { seconds: number; stalls: number; falseLosses: number; deathsSuppressed: number; maxMainLoopDelayMs: number; viewChanges: number }

async function phase(cluster: NetnsCluster, seconds: number, heartbeatThread: boolean): Promise<PhaseResult> {
  cluster.options.clusterLines = [`heartbeat_thread = ${heartbeatThread ? 'yes' : 'no'}`];
  await cluster.writeConfig();
  await cluster.start(1);
  await cluster.start(2);
  await waitUntil(async () => (await cluster.status(1)).view.agreed && (await cluster.status(2)).view.agreed && (await cluster.status(1)).view.members.length === 2, 20000, 'agreement');
  const before = [await cluster.status(1), await cluster.status(2)];
  const endAtMs = Date.now() + seconds * 1000;
  let stalls = 0;
  while (Date.now() < endAtMs) {
    // a random pause of 0.5–5 s, then a 2 s block of n1's main loop
    await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 4500));
    if (Date.now() + stallMs > endAtMs) break;
    try {
      await cluster.request(1, { cmd: 'stall', ms: stallMs });
      stalls++;
    } catch (error) {
      process.stderr.write(`stall request failed: ${String(error)}\n`);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = [await cluster.status(1), await cluster.status(2)];
  await cluster.kill(1);
  await cluster.kill(2);
  const delta = (pick: (status: (typeof after)[number]) => number): number => after.reduce((sum, status, index) => sum + pick(status) - pick(before[index] as (typeof after)[number]), 0);
  return {
    seconds, stalls,
    falseLosses: delta((status) => status.counters.nodesLost),
    deathsSuppressed: delta((status) => status.counters.deathsSuppressed),
    viewChanges: delta((status) => status.counters.viewChanges),
    maxMainLoopDelayMs: after[0]?.mainLoopMaxDelayMs ?? 0,
  };
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // stress-ng runs its workers in the process group we gave it: end that group only
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  await exited;
}

async function main(): Promise<void> {
  const cluster = new NetnsCluster({ nodes: 2, allowStall: true });
  const stress = spawn('stress-ng', ['--cpu', '2', '--timeout', `${durationS + anchorS + 120}s`, '--quiet'], { stdio: 'ignore', detached: true });
  try {
    await cluster.create();
    const tandem = await phase(cluster, durationS, true);
    const anchor = await phase(cluster, anchorS, false);
    process.stdout.write('false positives: 2 nodes, both CPUs saturated (stress-ng --cpu 2), n1 main loop blocked 2 s at random moments\n');
    process.stdout.write(`  tandem (heartbeat thread): ${tandem.seconds} s, ${tandem.stalls} stalls, false node losses ${tandem.falseLosses}, deaths suppressed by self-check ${tandem.deathsSuppressed}, view changes ${tandem.viewChanges}, n1 main-loop max delay ${tandem.maxMainLoopDelayMs} ms\n`);
    process.stdout.write(`  anchor (heartbeat_thread = no): ${anchor.seconds} s, ${anchor.stalls} stalls, false node losses ${anchor.falseLosses}, view changes ${anchor.viewChanges}\n`);
    const perStall = (result: PhaseResult) => (result.stalls === 0 ? 0 : result.falseLosses / result.stalls);
    process.stdout.write(`  false losses per stall: tandem ${perStall(tandem).toFixed(3)}, anchor ${perStall(anchor).toFixed(3)}; ratio tandem/anchor ${perStall(anchor) === 0 ? 'n/a (anchor had none)' : (perStall(tandem) / perStall(anchor)).toFixed(3)}\n`);
    process.stdout.write(JSON.stringify({ tandem, anchor }) + '\n');
    if (tandem.falseLosses !== 0) process.exitCode = 1;
  } finally {
    await stopGroup(stress);
    await cluster.destroy();
  }
}

await main();
