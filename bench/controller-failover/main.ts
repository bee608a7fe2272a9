/**
 * Controller reaction: kill -9 of the tandemd whose node runs a Dummy, and
 * on the survivor (from its own log timestamps) the time from the
 * membership layer's nodeLost to the DC sending the Dummy's start — the
 * issue's target is 300 ms — beside the anchor measured in the same run:
 * the failure detection itself (kill to nodeLost). Two nodes in network
 * namespaces, stonith disabled.
 *
 * Usage: node dist/bench/controller-failover/main.js [--trials N] (default 5)
 */
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseXml, serializeXml, type XmlElement } from '../../src/cib/xml.js';
import { cibHeader } from '../../src/cib/model.js';
import { TandemdCluster, waitUntil } from '../../test/controller/tandemd-cluster.js';

const trialsArg = process.argv.indexOf('--trials');
const trials = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 5;
const targetMs = 300;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function section(cib: XmlElement, name: string): XmlElement {
  const found = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} section`);
  return found;
}

interface LogLine { time: number; msg?: string; actions?: string[]; event?: { type?: string } }

async function logLines(file: string): Promise<LogLine[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

async function main(): Promise<void> {
  const cluster = new TandemdCluster(2);
  const where = async (node: number): Promise<string[]> => (await cluster.status(node)).resources.resources.find((r) => r.id === 'd1')?.runningOn ?? [];
  const settled = async (): Promise<void> => waitUntil(async () => {
    const [s1, s2] = [await cluster.status(1), await cluster.status(2)];
    return s1.dc !== null && s1.dc === s2.dc && s1.membership.view.members.length === 2 && s1.version.epoch > 1
      && s1.version.epoch === s2.version.epoch && s1.version.numUpdates === s2.version.numUpdates && (await where(1)).length <= 1;
  }, 30_000, 'a settled two-node cluster');
  const reactions: number[] = [];
  const detections: number[] = [];
  try {
    await cluster.create();
    await cluster.start(1);
    await cluster.start(2);
    await settled();
    const { xml } = await cluster.api(1, 'cib.query', { dc: true }) as { xml: string };
    const cib = parseXml(xml, 'cib.query');
    const base = cibHeader(cib);
    section(cib, 'crm_config').children = [parseXml('<cluster_property_set id="o"><nvpair id="o-s" name="stonith-enabled" value="false"/><nvpair id="o-q" name="no-quorum-policy" value="ignore"/></cluster_property_set>', 'o')];
    section(cib, 'resources').children = [parseXml('<primitive id="d1" class="ocf" provider="tandem" type="Dummy"><operations><op id="d1-m" name="monitor" interval="2s"/></operations></primitive>', 'd1')];
    await cluster.api(1, 'cib.replace', { xml: serializeXml(cib), base });
    for (let trial = 0; trial < trials; trial++) {
      await waitUntil(async () => {
        const [one, two] = [await where(1), await where(2)];
        const running = [1, 2].filter((n) => cluster.dummyRunning(n, 'd1'));
        return one.length === 1 && one.join() === two.join() && running.length === 1 && `n${running[0]}` === one[0];
      }, 30_000, 'd1 running once, seen so by both nodes');
      const [node] = await where(1);
      const victim = node === 'n1' ? 1 : 2;
      const survivor = victim === 1 ? 2 : 1;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const killedAtMs = Date.now();
      await cluster.kill(victim);
      await waitUntil(async () => (await where(survivor)).join() === `n${survivor}` && cluster.dummyRunning(survivor, 'd1'), 30_000, 'd1 on the survivor');
      const lines = (await logLines(cluster.logFile(survivor))).filter((line) => line.time >= killedAtMs);
      const lost = lines.find((line) => line.event?.type === 'nodeLost');
      const start = lines.find((line) => line.msg === 'transition started' && (line.actions ?? []).includes(`d1 start on n${survivor}`));
      if (!lost || !start) throw new Error(`trial ${trial}: no nodeLost or start in the survivor's log`);
      detections.push(lost.time - killedAtMs);
      reactions.push(start.time - lost.time);
      process.stdout.write(`trial ${trial + 1}: detection ${lost.time - killedAtMs} ms, nodeLost → start sent ${start.time - lost.time} ms\n`);
      // the victim "reboots": its Dummy state (under HA_RSCTMP, a tmpfs on a real node) is gone
      rmSync(cluster.dummyStateFile(victim, 'd1'), { force: true });
      await cluster.start(victim);
      await settled();
    }
  } finally {
    await cluster.destroy();
  }
  const reaction = median(reactions);
  const detection = median(detections);
  process.stdout.write(`controller reaction (nodeLost → first start sent): median ${reaction} ms, max ${Math.max(...reactions)} ms over ${trials} trials\n`);
  process.stdout.write(`anchor, failure detection (kill -9 → nodeLost): median ${detection} ms, max ${Math.max(...detections)} ms\n`);
  process.stdout.write(`ratio reaction/detection: ${(reaction / detection).toFixed(3)}; reaction/target ${targetMs} ms: ${(reaction / targetMs).toFixed(3)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`controller-failover: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
