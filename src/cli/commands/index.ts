/** The list of subcommand registrars, one per room, in the order `tandem --help` shows them. */
import type { CommandRegistrar } from '../program.js';
import { registerStatus } from './status.js';
import { registerConfigure } from './configure.js';
import { registerSimulate } from './simulate.js';
import { registerRa } from './ra.js';
import { registerMembership } from './membership.js';
import { registerMirror } from './mirror.js';
import { registerVersion } from './version.js';
import { registerResource, registerNode } from './resource.js';

export const registrars: readonly CommandRegistrar[] = [
  registerStatus,
  registerConfigure,
  registerSimulate,
  registerRa,
  registerMembership,
  registerMirror,
  registerVersion,
  registerResource,
  registerNode,
];
