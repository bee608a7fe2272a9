/**
 * Split brain with fencing, counted: N symmetric partitions of two tandemd
 * (test/controller/partition-rounds.ts; every third round the holder also
 * loses its gateway). Prints per round the holder, the survivor and the
 * time from the cut to the Dummy running on the survivor, then the counts
 * the issue asks for (exactly one survivor, holder-wins ratio, the side
 * without its gateway never winning) and, as the anchor measured in the
 * same run, the membership layer's failure detection (cut to nodeLost) against
 * which the service time is given as a ratio.
 *
 * Usage: node dist/bench/fencing-partitions/main.js [--rounds N] (default 100)
 */
import { TandemdCluster } from '../../test/controller/tandemd-cluster.js';
import { partitionRound, startPartitionCluster, summarize, type RoundResult } from '../../test/controller/partition-rounds.js';

const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 100;

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${process.argv[roundsArg + 1] ?? ''}`);
  const cluster = new TandemdCluster(2, { pingTarget: true });
  const results: RoundResult[] = [];
  const startedAt = Date.now();
  // interrupted: the namespaces and daemons still go away
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cluster.destroy().finally(() => process.exit(130)));
  }
  try {
    await startPartitionCluster(cluster);
    for (let round = 1; round <= rounds; round++) {
      const result = await partitionRound(cluster, round, round % 3 === 0);
      results.push(result);
      process.stdout.write(`round ${String(round).padStart(3)}: holder n${result.holder}${result.gatewayLost ? ' (lost its gateway)' : '                  '} survivors [${result.survivors.map((n) => `n${n}`).join(' ')}] ${result.expectedWinner ? 'ok ' : 'BAD'} peer lost after ${result.detectionMs} ms, service after ${result.serviceMs} ms\n`);
    }
  } finally {
    await cluster.destroy();
  }
  const counts = summarize(results);
  const detectionMs = median(results.filter((r) => r.detectionMs > 0).map((r) => r.detectionMs));
  const holderService = results.filter((r) => !r.gatewayLost && r.expectedWinner).map((r) => r.serviceMs);
  const gatewayService = results.filter((r) => r.gatewayLost && r.expectedWinner).map((r) => r.serviceMs);
  process.stdout.write([
    '',
    `rounds: ${counts.rounds} in ${Math.round((Date.now() - startedAt) / 1000)} s`,
    `exactly one survivor: ${counts.oneSurvivor}/${counts.rounds} (both fenced: ${counts.bothDown}, none fenced: ${counts.bothUp})`,
    `holder survived (heartbeat links cut only): ${counts.holderWins}/${counts.holderRounds}`,
    `side without its gateway survived: ${counts.gatewayLoserWon}/${counts.gatewayRounds}`,
    `rounds with d1 active on both live nodes at once (sampled every 20 ms): ${counts.doubleActiveRounds}`,
    `cut to d1 on the survivor, median: holder rounds ${median(holderService)} ms, gateway rounds ${median(gatewayService)} ms (priority-fencing-delay 3 s)`,
    `anchor: cut to nodeLost on the survivor (failure detection), median ${detectionMs} ms; holder rounds / anchor = ${(median(holderService) / Math.max(1, detectionMs)).toFixed(2)}`,
    '',
  ].join('\n'));
  if (counts.oneSurvivor !== counts.rounds || counts.holderWins !== counts.holderRounds || counts.gatewayLoserWon !== 0 || counts.doubleActiveRounds !== 0) process.exitCode = 1;
}

await main();
