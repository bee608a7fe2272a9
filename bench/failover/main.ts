/**
 * Failover time as a client sees it: kill -9 of the active node's cluster
 * software → the VIP answering HTTP from the other node (a client in its own
 * namespace GETs the VIP every 20 ms). tandem (VirtualIP, fencing, default
 * settings) beside the anchor measured in the same run on the same
 * namespaces: keepalived's VRRP with advert_int 1. Target: tandem ≤ 1.5 s
 * median (keepalived measured earlier: 3.07 s).
 *
 * Usage: node dist/bench/failover/main.js [--trials N] (default 10)
 *        [--only tandem|keepalived]
 */
import { FailoverLab } from './lab.js';
import type { FailoverScenario } from './scenario.js';
import { KeepalivedScenario } from './keepalived.js';
import { TandemVipScenario } from './tandem-vip.js';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const trials = Number(argument('--trials') ?? 10);
const only = argument('--only');
const targetMs = 1500;
if (!Number.isInteger(trials) || trials < 1) {
  process.stderr.write(`failover: --trials '${argument('--trials')}': expected a whole number >= 1\n`);
  process.exit(64);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

interface Measured { samples: number[]; phases: Map<string, number[]> }

async function measure(lab: FailoverLab, scenario: FailoverScenario): Promise<Measured> {
  const samples: number[] = [];
  const phases = new Map<string, number[]>();
  await scenario.setup(lab);
  try {
    for (let trial = 1; trial <= trials; trial++) {
      const victim = await lab.steadyServer(30_000);
      const survivor = victim === 1 ? 2 : 1;
      // a random phase against heartbeats / adverts, as a real failure has
      await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 1000));
      const holders = await lab.vipHolders();
      if (lab.currentServer() !== victim || holders.join() !== String(victim)) {
        process.stdout.write(`  ${scenario.name}: the VIP moved while waiting (was n${victim}, now held by ${holders.map((node) => `n${node}`).join(' ') || 'none'}); trial repeated\n`);
        trial--;
        continue;
      }
      const killedAtMs = Date.now();
      await scenario.kill(lab, victim);
      const answeredAtMs = await lab.firstAnswerFrom(survivor, killedAtMs, 60_000);
      samples.push(answeredAtMs - killedAtMs);
      const breakdown = scenario.breakdown ? await scenario.breakdown(lab, survivor, killedAtMs) : new Map<string, number | undefined>();
      for (const [phase, ms] of breakdown) if (ms !== undefined) phases.set(phase, [...(phases.get(phase) ?? []), ms]);
      const detail = breakdown.size > 0 ? ` (${[...breakdown].map(([phase, ms]) => `${phase} +${ms ?? '?'}`).join(', ')})` : '';
      process.stdout.write(`  ${scenario.name} trial ${trial}: n${victim} killed, VIP answered from n${survivor} after ${answeredAtMs - killedAtMs} ms${detail}\n`);
      await scenario.recover(lab, victim);
    }
  } finally {
    await scenario.teardown(lab);
  }
  return { samples, phases };
}

async function main(): Promise<void> {
  const lab = new FailoverLab();
  const results = new Map<string, Measured>();
  const scenarios: Array<[string, FailoverScenario]> = [['keepalived', new KeepalivedScenario()], ['tandem', new TandemVipScenario()]];
  try {
    await lab.create();
    for (const [key, scenario] of scenarios) {
      if (only !== undefined && only !== key) continue;
      results.set(key, await measure(lab, scenario));
    }
  } finally {
    await lab.destroy();
  }
  for (const [key, { samples, phases }] of results) {
    process.stdout.write(`${key}: kill -9 → VIP answering on the survivor: median ${median(samples)} ms, max ${Math.max(...samples)} ms over ${samples.length} trials\n`);
    if (phases.size > 0) process.stdout.write(`  ${key} phases (median ms after the kill): ${[...phases].map(([phase, values]) => `${phase} ${median(values)}`).join(', ')}, answered ${median(samples)}\n`);
  }
  const tandem = results.get('tandem')?.samples;
  const keepalived = results.get('keepalived')?.samples;
  if (tandem && keepalived) {
    process.stdout.write(`ratio tandem/keepalived (median): ${(median(tandem) / median(keepalived)).toFixed(3)}; tandem/target ${targetMs} ms: ${(median(tandem) / targetMs).toFixed(3)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`failover: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
