/**
 * crmsh's `fencing_topology` statement, both ways:
 *   fencing_topology node1: ipmi power-a,power-b node2: ipmi
 *   fencing_topology attr:rack=r1 disk
 * Each `TARGET:` (a node name) or `attr:NAME=VALUE` starts a target; each
 * word after it is one level (index 1, 2 ...), commas joining the devices
 * of one level. The whole `<fencing-topology>` section is the one object
 * (crmsh has only one): level ids are `fencing`, `fencing-0`, `fencing-1` ...
 */
import type { XmlElement } from '../cib/xml.js';
import type { Cursor } from './cursor.js';
import { element } from './cursor.js';

/** The id crmsh gives the n-th level (from 0). */
function levelId(position: number): string {
  return position === 0 ? 'fencing' : `fencing-${position - 1}`;
}

/** Parses what follows `fencing_topology`. @throws CrmSyntaxError for a level without a target, or a target without levels. */
export function parseFencingTopology(cursor: Cursor): XmlElement {
  const topology = element('fencing-topology');
  let target: Record<string, string> | undefined;
  let index = 0;
  while (cursor.hasTokens()) {
    if (cursor.tryMatch(/^attr:([^=\s]+)=(.+?):?$/)) {
      if (target !== undefined && index === 0) cursor.fail('expected a fence device for the previous target');
      target = { 'target-attribute': cursor.groups[1] ?? '', 'target-value': cursor.groups[2] ?? '' };
      index = 0;
      continue;
    }
    if (cursor.tryMatch(/^([^\s:,]+):$/)) {
      if (target !== undefined && index === 0) cursor.fail('expected a fence device for the previous target');
      target = { target: cursor.groups[1] ?? '' };
      index = 0;
      continue;
    }
    if (target === undefined) cursor.fail('expected a target first (NODE: or attr:NAME=VALUE); tandem does not expand levels for every node');
    const devices = cursor.match(/^[^\s:,]+(?:,[^\s:,]+)*$/, 'expected fence devices (dev or dev1,dev2)');
    index += 1;
    if (index > 9) cursor.fail('at most 9 levels per target');
    topology.children.push(element('fencing-level', { id: levelId(topology.children.length), ...target, index: String(index), devices }));
  }
  if (target === undefined || index === 0) cursor.fail('expected TARGET: and at least one fence device');
  return topology;
}

/** The `fencing_topology` line of a `<fencing-topology>`; undefined when it cannot say it (then XML is shown). */
export function fencingTopologyText(topology: XmlElement): string | undefined {
  const words = ['fencing_topology'];
  let previous = '';
  let expectedIndex = 0;
  for (const level of topology.children) {
    if (level.name !== 'fencing-level') return undefined;
    const { target, devices, index } = level.attrs;
    const attribute = level.attrs['target-attribute'];
    const key = target !== undefined ? `${target}:` : attribute !== undefined ? `attr:${attribute}=${level.attrs['target-value'] ?? ''}` : undefined;
    if (key === undefined || devices === undefined) return undefined;
    if (key !== previous) { words.push(key); previous = key; expectedIndex = 0; }
    expectedIndex += 1;
    // levels out of order or with gaps do not survive the round trip
    if (index !== String(expectedIndex)) return undefined;
    words.push(devices);
  }
  return words.join(' ');
}
