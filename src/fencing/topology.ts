/**
 * Fencing topology as Pacemaker's fencer uses it: the CIB's
 * `<fencing-topology>` holds `<fencing-level index= devices= target=|
 * target-pattern=|target-attribute= target-value=/>`. For a target, its
 * levels are tried in index order; within a level every device must succeed;
 * when one fails the next level is tried. A target without levels gets one
 * level per device able to fence it, in configuration order. Pure.
 */
import type { XmlElement } from '../cib/xml.js';

export interface FencingLevel {
  id: string;
  index: number;
  devices: string[];
  target?: string;
  targetPattern?: string;
  targetAttribute?: { name: string; value: string };
}

/** One level of a fencing plan: these devices, all of which must succeed. */
export interface PlannedLevel {
  /** The level's index, or 0 for a level made of one device without topology. */
  index: number;
  devices: string[];
}

function configurationSection(cib: XmlElement, name: string): XmlElement | undefined {
  return cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === name);
}

/**
 * The fencing levels of the CIB; a level without a valid index, devices or
 * target is left out and reported in `problems`.
 */
export function fencingLevels(cib: XmlElement): { levels: FencingLevel[]; problems: string[] } {
  const levels: FencingLevel[] = [];
  const problems: string[] = [];
  for (const element of configurationSection(cib, 'fencing-topology')?.children ?? []) {
    if (element.name !== 'fencing-level') continue;
    const id = element.attrs.id ?? '(no id)';
    const index = Number(element.attrs.index);
    const devices = (element.attrs.devices ?? '').split(',').map((device) => device.trim()).filter((device) => device !== '');
    if (!Number.isInteger(index) || index < 1 || index > 9) { problems.push(`fencing-level ${id}: index must be 1 to 9`); continue; }
    if (devices.length === 0) { problems.push(`fencing-level ${id}: no devices`); continue; }
    const level: FencingLevel = { id, index, devices };
    if (element.attrs.target !== undefined) level.target = element.attrs.target;
    else if (element.attrs['target-pattern'] !== undefined) level.targetPattern = element.attrs['target-pattern'];
    else if (element.attrs['target-attribute'] !== undefined && element.attrs['target-value'] !== undefined) {
      level.targetAttribute = { name: element.attrs['target-attribute'], value: element.attrs['target-value'] };
    } else { problems.push(`fencing-level ${id}: no target, target-pattern or target-attribute`); continue; }
    levels.push(level);
  }
  return { levels, problems };
}

function matches(level: FencingLevel, target: string, attributes: ReadonlyMap<string, string>): boolean {
  if (level.target !== undefined) return level.target === target;
  if (level.targetPattern !== undefined) {
    try {
      return new RegExp(level.targetPattern).test(target);
    } catch {
      // an invalid pattern matches nothing (Pacemaker logs it and ignores the level)
      return false;
    }
  }
  if (level.targetAttribute !== undefined) return attributes.get(level.targetAttribute.name) === level.targetAttribute.value;
  return false;
}

/**
 * The levels to try, in order, to fence `target`.
 * @param capable the devices able to fence the target, in configuration
 * order (used when no level names the target).
 * @param attributes the target's node attributes (for target-attribute levels).
 */
export function fencingPlan(levels: readonly FencingLevel[], target: string, capable: readonly string[], attributes: ReadonlyMap<string, string> = new Map()): PlannedLevel[] {
  const mine = levels.filter((level) => matches(level, target, attributes));
  if (mine.length === 0) return capable.map((device) => ({ index: 0, devices: [device] }));
  // several matching kinds can give the same index: Pacemaker keeps one level per index (the first)
  const byIndex = new Map<number, PlannedLevel>();
  for (const level of mine) if (!byIndex.has(level.index)) byIndex.set(level.index, { index: level.index, devices: [...level.devices] });
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/**
 * The agent actions to run for one level: with several devices a reboot is
 * every device `off`, then every device `on` (so redundant power supplies
 * are all off at once, as Pacemaker does); otherwise the action on each.
 */
export function levelSteps(devices: readonly string[], action: 'off' | 'reboot'): Array<{ device: string; action: string }> {
  if (action === 'reboot' && devices.length > 1) {
    return [...devices.map((device) => ({ device, action: 'off' })), ...devices.map((device) => ({ device, action: 'on' }))];
  }
  return devices.map((device) => ({ device, action }));
}
