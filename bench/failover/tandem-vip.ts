/**
 * tandem, VIP only: two tandemd with default settings and fencing (a
 * stonith:fence_tandem_netns device that really powers the lost node off,
 * stonith-action=off), one tandem:VirtualIP. kill -9 of the tandemd of the
 * node holding the VIP; the survivor detects the loss, fences, starts the VIP.
 */
import { readFile } from 'node:fs/promises';
import { waitUntil } from '../../test/controller/tandemd-cluster.js';
import type { FailoverLab } from './lab.js';
import type { FailoverScenario } from './scenario.js';

interface LogLine { time: number; msg?: string; action?: string; actions?: string[]; event?: { type?: string } }

export class TandemVipScenario implements FailoverScenario {
  readonly name = 'tandem (VirtualIP, fencing, defaults)';

  private async settled(lab: FailoverLab): Promise<void> {
    const cluster = lab.cluster;
    await cluster.waitOrShowLogs([1, 2], async () => {
      const [one, two] = [await cluster.status(1), await cluster.status(2)];
      const where = (await cluster.runningOn(1, 'vip')).join();
      return one.dc !== null && one.dc === two.dc && one.membership.view.members.length === 2 && two.membership.view.members.length === 2
        && one.version.epoch === two.version.epoch && one.version.numUpdates === two.version.numUpdates
        && where !== '' && !where.includes(',') && where === (await cluster.runningOn(2, 'vip')).join()
        && (await lab.vipHolders()).map((node) => `n${node}`).join() === where;
    }, 60_000, 'a settled cluster with the VIP on one node');
  }

  async setup(lab: FailoverLab): Promise<void> {
    const cluster = lab.cluster;
    await cluster.start(1);
    await cluster.start(2);
    await waitUntil(async () => {
      const [one, two] = [await cluster.status(1), await cluster.status(2)];
      return one.dc !== null && one.dc === two.dc && one.membership.view.members.length === 2 && one.version.epoch > 1 && one.version.epoch === two.version.epoch;
    }, 30_000, 'the daemons agreeing on a DC');
    await cluster.replaceConfiguration({ 'stonith-enabled': 'true', 'stonith-action': 'off' }, [
      cluster.fenceDeviceXml(),
      `<primitive id="vip" class="ocf" provider="tandem" type="VirtualIP">
        <instance_attributes id="vip-ia">
          <nvpair id="vip-ip" name="ip" value="${lab.vip}"/>
          <nvpair id="vip-cidr" name="cidr_netmask" value="${lab.vipPrefix}"/>
          <nvpair id="vip-nic" name="nic" value="pub"/>
        </instance_attributes>
        <operations><op id="vip-monitor-10s" name="monitor" interval="10s" timeout="20s"/></operations>
      </primitive>`,
    ]);
    await this.settled(lab);
  }

  async kill(lab: FailoverLab, node: number): Promise<void> {
    await lab.cluster.kill(node);
  }

  async recover(lab: FailoverLab, node: number): Promise<void> {
    const survivor = node === 1 ? 2 : 1;
    // the survivor must have fenced the victim before it may come back
    await waitUntil(async () => (await lab.cluster.status(survivor)).membership.view.members.length === 1
      && (await lab.cluster.api(survivor, 'cib.query') as { xml: string }).xml.includes(`uname="n${node}" in_ccm="false" crmd="offline" join="down" expected="down"`), 30_000, `n${node} fenced and recorded down`);
    await lab.rebootNode(node);
    await lab.cluster.start(node);
    await this.settled(lab);
    // with no resource-stickiness the VIP may move once more after the rejoin's probes: wait until it stays put
    await lab.vipStableFor(3000, 60_000);
  }

  async breakdown(lab: FailoverLab, survivor: number, killedAtMs: number): Promise<Map<string, number | undefined>> {
    const lines = (await readFile(lab.cluster.logFile(survivor), 'utf8')).split('\n').filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine).filter((line) => line.time >= killedAtMs);
    const at = (found: LogLine | undefined): number | undefined => (found === undefined ? undefined : found.time - killedAtMs);
    const vipStart = `vip start on n${survivor}`;
    if (process.env['FAILOVER_TRACE']) for (const line of lines.slice(0, 60)) process.stdout.write(`    +${line.time - killedAtMs} ${JSON.stringify({ ...line, time: undefined, pid: undefined, hostname: undefined })}\n`);
    return new Map([
      ['nodeLost', at(lines.find((line) => line.event?.type === 'nodeLost'))],
      ['fence sent', at(lines.find((line) => line.msg === 'fencing'))],
      // the fence result ends the transition that held the VIP's start; the next one starts it
      ['vip start sent', at(lines.filter((line) => line.msg === 'transition started' && (line.actions ?? []).includes(vipStart)).at(-1))],
    ]);
  }

  async teardown(lab: FailoverLab): Promise<void> {
    for (const node of [1, 2]) await lab.cluster.kill(node, 'SIGTERM');
  }
}
