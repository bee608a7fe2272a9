/** The list of subcommand registrars, one per room. */
import type { CommandRegistrar } from '../program.js';
import { registerVersion } from './version.js';
import { registerRa } from './ra.js';
import { registerMembership } from './membership.js';
import { registerMirror } from './mirror.js';
import { registerStatus } from './status.js';

export const registrars: readonly CommandRegistrar[] = [registerVersion, registerRa, registerMembership, registerMirror, registerStatus];
