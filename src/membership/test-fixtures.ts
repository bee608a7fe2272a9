/** Configs shared by the membership unit tests. */
import { parseMembershipConfig, type MembershipConfig } from './config.js';

/** A cluster of `count` nodes with two UDP links (defaults for timings). */
export function sampleConfig(count: number, extra = ''): MembershipConfig {
  const nodes = Array.from({ length: count }, (_, index) => `[node n${index + 1}]\nid = ${index + 1}\nhb0 = 198.18.0.${index + 1}\nhb1 = 198.18.1.${index + 1}\n`).join('\n');
  return parseMembershipConfig(`[cluster]\nname = unit\nkey = /dev/null\n${extra}\n[link hb0]\nport = 5405\n[link hb1]\nport = 5406\n${nodes}`, 'unit.conf');
}
