/**
 * The whole stack's failover as the application's client sees it: kill -9
 * of the active node's tandemd → the first row the HTTP app acknowledges
 * through the VIP again (Mirror, ext4, PostgreSQL with its crash recovery,
 * App, VirtualIP all restarted on the survivor after fencing). The lab is
 * the tests' and the demo's (test/support/stack-lab). Between trials the
 * fenced node is "rebooted": whatever it left is cleaned as a power cycle
 * would, then its tandemd starts and rejoins (no failback: the stack stays).
 * Target: ≤ 10 s median with default settings.
 */
import { StackLab } from '../../test/support/stack-lab/stack-lab.js';
import { waitUntil } from '../../test/membership/netns-cluster.js';

export const stackTargetMs = 10_000;

/**
 * Runs `trials` kill -9 failovers of the whole stack and returns each one's
 * milliseconds (kill → first acknowledged row through the VIP).
 * @throws when an acknowledged row is missing afterwards, or a step times out.
 */
export async function measureStackFailover(trials: number, report: (line: string) => void): Promise<number[]> {
  const lab = new StackLab();
  const samples: number[] = [];
  try {
    await lab.create();
    await lab.configure(1);
    for (let trial = 1; trial <= trials; trial++) {
      const victim = await lab.waitServing(1, 120_000).catch(() => lab.waitServing(2, 120_000));
      const survivor = victim === 1 ? 2 : 1;
      await lab.waitSettled(survivor);
      const writer = await lab.writeRows(`bench-${trial}`, 5, 120);
      // a random phase against heartbeats and monitors, as a real failure has
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
      const killedAtMs = Date.now();
      await lab.cluster.kill(victim);
      await lab.wait(() => writer.firstAckAfterOutage(killedAtMs) !== undefined, 120_000, 'a row acknowledged through the VIP after the kill');
      const failoverMs = writer.firstAckAfterOutage(killedAtMs)!.atMs - killedAtMs;
      const lost = await lab.unstoredRows(writer);
      if (lost.length > 0) throw new Error(`trial ${trial}: ${lost.length} acknowledged rows lost (${lost.slice(0, 5).join(', ')})`);
      samples.push(failoverMs);
      report(`  whole stack trial ${trial}: n${victim} killed, first row acknowledged from n${survivor} after ${failoverMs} ms; ${writer.acknowledged.length} rows acknowledged, none lost`);
      await waitUntil(async () => (await lab.cluster.status(survivor)).membership.view.members.length === 1, 30_000, `n${victim} gone from n${survivor}'s view`);
      await lab.reboot(victim); // as a rebooted server: no process, no VIP, no FUSE connection or loop device left
      await lab.cluster.waitAgreed([1, 2]);
    }
  } finally {
    await lab.destroy();
  }
  return samples;
}
