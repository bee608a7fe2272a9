/**
 * Split brain with fencing on both sides: two tandemd with a ping target,
 * stonith on (fence_tandem_netns really powers a node off), stonith-action
 * off, priority-fencing-delay 3 s, a Dummy with priority 10. Each round
 * cuts both heartbeat links between the nodes at once (see
 * partition-rounds.ts); every third round the holder also loses its
 * gateway. Every round: exactly one survivor; the holder when only the
 * heartbeat links were cut; never the side that lost its gateway; the
 * Dummy never active on both live nodes at once (sampled all round). The
 * fenced node is powered on and rejoins before the next round.
 * 100 rounds, as the cluster issue asks (about 7 minutes here);
 * TANDEM_PARTITION_ROUNDS sets another number for a quicker run.
 * bench/fencing-partitions prints the same counts and the timings.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { TandemdCluster } from './tandemd-cluster.js';
import { partitionRound, startPartitionCluster, summarize, type RoundResult } from './partition-rounds.js';

const rounds = Number(process.env['TANDEM_PARTITION_ROUNDS'] ?? 100);
/** Lines of each daemon's log of a failed round written to stderr (the logs go with the namespaces). */
const FAILED_ROUND_LOG_LINES = 300;

/** Where each node's log ends now: a failed round's lines start there. */
function logOffsets(cluster: TandemdCluster): number[] {
  return [1, 2].map((node) => (existsSync(cluster.logFile(node)) ? statSync(cluster.logFile(node)).size : 0));
}

/** Writes what each daemon logged during a failed round to stderr, for the post-mortem (CI keeps only its output). */
function showRoundLogs(cluster: TandemdCluster, round: number, offsets: number[]): void {
  for (const [index, offset] of offsets.entries()) {
    const node = index + 1;
    if (!existsSync(cluster.logFile(node))) continue;
    const lines = readFileSync(cluster.logFile(node)).subarray(offset).toString('utf8').split('\n');
    process.stderr.write(`--- round ${round}: the log of n${node} during the round (last ${FAILED_ROUND_LOG_LINES} of ${lines.length} lines):\n${lines.slice(-FAILED_ROUND_LOG_LINES).join('\n')}\n`);
  }
}

describe('symmetric partitions of two nodes with fencing on both sides', () => {
  const cluster = new TandemdCluster(2, { pingTarget: true });
  const results: RoundResult[] = [];

  before(() => startPartitionCluster(cluster));
  after(async () => {
    await cluster.destroy();
  });

  test(`${rounds} partitions: exactly one survivor each time, the holder unless it lost its gateway`, async () => {
    for (let round = 1; round <= rounds; round++) {
      const offsets = logOffsets(cluster);
      const result = await partitionRound(cluster, round, round % 3 === 0);
      results.push(result);
      if (result.survivors.length !== 1 || !result.expectedWinner || result.doubleActiveSamples !== 0) showRoundLogs(cluster, round, offsets);
      assert.equal(result.survivors.length, 1, `round ${round}: survivors ${JSON.stringify(result)}`);
      assert.ok(result.expectedWinner, `round ${round}: the wrong side won ${JSON.stringify(result)}`);
      assert.equal(result.doubleActiveSamples, 0, `round ${round}: d1 active on both live nodes at once`);
    }
    const counts = summarize(results);
    assert.equal(counts.oneSurvivor, rounds);
    assert.equal(counts.holderWins, counts.holderRounds);
    assert.equal(counts.gatewayLoserWon, 0);
    assert.equal(counts.doubleActiveRounds, 0);
    assert.ok(counts.gatewayRounds > 0 || rounds < 3);
  });
});
