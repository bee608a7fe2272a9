/**
 * The inputs of the fencing delay (src/fencing/fence-delay.ts) read from the
 * CIB: the priorities of what the target and this node run, the
 * priority-fencing-delay cluster option and the device's pcmk_delay_base /
 * pcmk_delay_max. Pure.
 */
import { parseIntervalMs } from '../cib/values.js';
import type { XmlElement } from '../cib/xml.js';
import { delayBaseMs, delayMaxMs } from '../fencing/device-targets.js';
import { fenceDelay, type FenceDecision } from '../fencing/fence-delay.js';
import { schedule } from '../scheduler/index.js';

export interface FenceSituation {
  self: string;
  target: string;
  haveMajority: boolean;
  isolated: boolean;
  /** wait_for_all still holds: this node has not seen every node since it started. */
  waitingForAll?: boolean;
  random: () => number;
  now: Date;
}

function clusterOption(cib: XmlElement, name: string): string | undefined {
  const crmConfig = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'crm_config');
  for (const set of crmConfig?.children ?? []) for (const pair of set.children) if (pair.attrs.name === name) return pair.attrs.value;
  return undefined;
}

/**
 * Whether and after what delay `self` may fence `target`, with the first
 * device's parameters (`pcmk_delay_base`, one time or a per-node map, and
 * `pcmk_delay_max`).
 */
export function fenceDecision(cib: XmlElement, deviceParams: Readonly<Record<string, string>>, situation: FenceSituation): FenceDecision {
  let ownPriority = 0;
  let targetPriority = 0;
  try {
    for (const rsc of schedule(cib, situation.now).workingSet.primitives.values()) {
      if (rsc.runningOn.includes(situation.self)) ownPriority += rsc.priority;
      if (rsc.runningOn.includes(situation.target)) targetPriority += rsc.priority;
    }
  } catch {
    // an unschedulable CIB gives no priorities: equal sides, the random delay decides
  }
  const ms = (text: string | undefined): number => (text === undefined ? 0 : parseIntervalMs(text) ?? 0);
  const device = { id: '', type: '', params: deviceParams };
  return fenceDelay({
    targetPriority, ownPriority, haveMajority: situation.haveMajority, isolated: situation.isolated, waitingForAll: situation.waitingForAll === true,
    priorityFencingDelayMs: ms(clusterOption(cib, 'priority-fencing-delay')),
    baseDelayMs: delayBaseMs(device, situation.target), maxRandomDelayMs: delayMaxMs(device), random: situation.random,
  });
}
