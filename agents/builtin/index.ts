/**
 * The agents tandem ships, by OCF type, for a long-lived executor worker that
 * runs them in process (src/ocf/dispatcher.ts runAction) instead of starting
 * a Node.js per call through ocf/resource.d/tandem/<type>. Not bundled: only
 * agents/*.ts files are launcher entry points.
 */
import type { AnyAgent } from '../../src/ocf/agent.js';
import { appAgent } from '../App.js';
import { databaseAgent } from '../Database.js';
import { dummyAgent } from '../Dummy.js';
import { mirrorAgent } from '../Mirror.js';
import { physicalVolumeAgent } from '../PhysicalVolume.js';
import { virtualIpAgent } from '../VirtualIP.js';

export const builtinAgents: ReadonlyMap<string, AnyAgent> = new Map<string, AnyAgent>([
  ['App', appAgent],
  ['Database', databaseAgent],
  ['Dummy', dummyAgent],
  ['Mirror', mirrorAgent],
  ['PhysicalVolume', physicalVolumeAgent],
  ['VirtualIP', virtualIpAgent],
]);
