/**
 * Symmetric partitions of two tandemd with fencing on both sides, for the
 * partition test and bench/fencing-partitions. One round: both heartbeat
 * links of both nodes leave their switch bridges in one `ip -batch` (the
 * cable between the nodes is cut; nothing else), and on a gateway round the
 * holder's public port too (it loses its ping target). Then exactly one
 * daemon must be killed by the other's fence agent, and the survivor must
 * run the Dummy; the fenced node is powered on again and rejoins.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { TandemdCluster, waitUntil } from './tandemd-cluster.js';

export interface RoundResult {
  round: number;
  holder: number;
  /** The holder lost its gateway in this round. */
  gatewayLost: boolean;
  /** The nodes still running after the round (one, or the round failed). */
  survivors: number[];
  /** Whether the expected side won: the holder, or the other side when the holder lost its gateway. */
  expectedWinner: boolean;
  /** Cut to the Dummy running on the survivor (ms). */
  serviceMs: number;
  /** Cut to the survivor's membership layer losing its peer (ms): the failure detection, the anchor. */
  detectionMs: number;
  /** Samples (every 20 ms during the round) where the Dummy ran on two live nodes at once: must be 0. */
  doubleActiveSamples: number;
}

/** When `node`'s membership layer first reported its peer lost at or after `sinceMs` (ms since the epoch). */
function nodeLostAtMs(cluster: TandemdCluster, node: number, sinceMs: number): number | undefined {
  for (const line of readFileSync(cluster.logFile(node), 'utf8').split('\n')) {
    if (!line.includes('"msg":"nodeLost"')) continue;
    try {
      const atMs = (JSON.parse(line) as { event?: { atMs?: number } }).event?.atMs;
      if (atMs !== undefined && atMs >= sinceMs) return atMs;
    } catch {
      // a line cut short by the fence agent's kill: not this one
    }
  }
  return undefined;
}

/** Fencing on, stonith-action off, priority-fencing-delay, a fence device for both nodes, a Dummy with priority 10. */
export async function configurePartitionCluster(cluster: TandemdCluster, priorityFencingDelay = '3s'): Promise<void> {
  await cluster.replaceConfiguration({ 'stonith-enabled': 'true', 'stonith-action': 'off', 'priority-fencing-delay': priorityFencingDelay }, [
    cluster.fenceDeviceXml({ pcmk_host_list: 'n1 n2' }),
    `<primitive id="d1" class="ocf" provider="tandem" type="Dummy">
      <meta_attributes id="d1-meta"><nvpair id="d1-priority" name="priority" value="10"/></meta_attributes>
      <operations><op id="d1-monitor-2s" name="monitor" interval="2s" timeout="10s"/></operations>
    </primitive>`,
  ]);
}

/** Starts both daemons, configures the partition cluster and waits until it has settled. */
export async function startPartitionCluster(cluster: TandemdCluster): Promise<void> {
  await cluster.startAgreed([1, 2]);
  await configurePartitionCluster(cluster);
  await waitSettled(cluster);
}

/** Both nodes members of one view with one DC, the same CIB, and the Dummy running once (seen by both). */
export async function waitSettled(cluster: TandemdCluster, timeoutMs = 60_000): Promise<number> {
  let holder = 0;
  await cluster.waitOrShowLogs([1, 2], async () => {
    const [a, b] = [await cluster.status(1), await cluster.status(2)];
    const running = [1, 2].filter((node) => cluster.dummyRunning(node, 'd1'));
    const where = a.resources.resources.find((r) => r.id === 'd1')?.runningOn ?? [];
    const ok = a.dc !== null && a.dc === b.dc && a.membership.view.members.length === 2 && b.membership.view.members.length === 2
      && a.version.epoch === b.version.epoch && a.version.numUpdates === b.version.numUpdates
      && running.length === 1 && where.length === 1 && where[0] === `n${running[0]}` && a.membership.quorum.quorate && b.membership.quorum.quorate;
    if (ok) holder = running[0] ?? 0;
    return ok;
  }, timeoutMs, 'a settled two-node cluster with d1 running once');
  return holder;
}

async function switchBatch(cluster: TandemdCluster, commands: string[]): Promise<void> {
  await execa('ip', ['-n', cluster.net.switchNs, '-batch', '-'], { input: commands.join('\n') + '\n' });
}

function heartbeatPorts(cluster: TandemdCluster): Array<{ port: string; bridge: string }> {
  const ports: Array<{ port: string; bridge: string }> = [];
  for (const node of [1, 2]) for (let link = 0; link < cluster.net.linkCount; link++) ports.push({ port: `n${node}hb${link}`, bridge: `br${link}` });
  return ports;
}

/** One partition round (see the module comment); the cluster is settled again at its end. */
export async function partitionRound(cluster: TandemdCluster, round: number, gatewayLost: boolean): Promise<RoundResult> {
  const holder = await waitSettled(cluster);
  const other = holder === 1 ? 2 : 1;
  const cut = heartbeatPorts(cluster).map(({ port }) => `link set ${port} nomaster`);
  if (gatewayLost) cut.push(`link set n${holder}pub nomaster`);
  // the watcher: d1 active (its state file) on a node whose daemon lives, sampled all round long
  let doubleActiveSamples = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      if ([1, 2].filter((node) => cluster.alive(node) && cluster.dummyRunning(node, 'd1')).length > 1) doubleActiveSamples++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const cutAt = Date.now();
  await switchBatch(cluster, cut);
  let survivors: number[] = [];
  let serviceMs = 0;
  try {
    // exactly one daemon is killed by the other's fence agent, and the survivor runs d1
    try {
      await cluster.waitOrShowLogs([1, 2], async () => {
        survivors = [1, 2].filter((node) => cluster.alive(node));
        if (survivors.length !== 1) return survivors.length === 0;
        const [survivor] = survivors as [number];
        const running = (await cluster.runningOn(survivor, 'd1')).join() === `n${survivor}` && cluster.dummyRunning(survivor, 'd1');
        if (running && serviceMs === 0) serviceMs = Date.now() - cutAt;
        return running;
      }, 60_000, `round ${round}: one node fenced and d1 running on the other`);
    } catch (error) {
      // nobody fenced: a failed round to count, not a harness error
      if (survivors.length !== 2) throw error;
    }
    if (survivors.length === 0) return { round, holder, gatewayLost, survivors, expectedWinner: false, serviceMs, detectionMs: 0, doubleActiveSamples };
    // a late shot would still kill the survivor: give a fence delay's worth of time, then look again
    await new Promise((resolve) => setTimeout(resolve, 1000));
    survivors = [1, 2].filter((node) => cluster.alive(node));
  } finally {
    watching = false;
    await watcher;
    await switchBatch(cluster, [...heartbeatPorts(cluster).map(({ port, bridge }) => `link set ${port} master ${bridge}`), `link set n${holder}pub master brp`]);
  }
  const [survivor] = survivors;
  const expectedWinner = survivors.length === 1 && survivor === (gatewayLost ? other : holder);
  const lostAtMs = survivor === undefined ? undefined : nodeLostAtMs(cluster, survivor, cutAt);
  const detectionMs = lostAtMs === undefined ? 0 : lostAtMs - cutAt;
  if (survivors.length === 1) await cluster.powerOn(survivor === 1 ? 2 : 1);
  if (survivors.length > 0) await waitSettled(cluster);
  return { round, holder, gatewayLost, survivors, expectedWinner, serviceMs, detectionMs, doubleActiveSamples };
}

/** Counts of a series of rounds, as the bench and the test report them. */
export function summarize(results: readonly RoundResult[]): { rounds: number; oneSurvivor: number; bothDown: number; bothUp: number; holderRounds: number; holderWins: number; gatewayRounds: number; gatewayLoserWon: number; doubleActiveRounds: number } {
  const holderRounds = results.filter((r) => !r.gatewayLost);
  const gatewayRounds = results.filter((r) => r.gatewayLost);
  return {
    rounds: results.length,
    oneSurvivor: results.filter((r) => r.survivors.length === 1).length,
    bothDown: results.filter((r) => r.survivors.length === 0).length,
    bothUp: results.filter((r) => r.survivors.length === 2).length,
    holderRounds: holderRounds.length,
    holderWins: holderRounds.filter((r) => r.survivors.length === 1 && r.survivors[0] === r.holder).length,
    gatewayRounds: gatewayRounds.length,
    gatewayLoserWon: gatewayRounds.filter((r) => r.survivors.includes(r.holder) && r.survivors.length === 1).length,
    doubleActiveRounds: results.filter((r) => r.doubleActiveSamples > 0).length,
  };
}

export { waitUntil };
