/** The list of subcommand registrars, one per room. */
import type { CommandRegistrar } from '../program.js';
import { registerVersion } from './version.js';
import { registerSimulate } from './simulate.js';

export const registrars: readonly CommandRegistrar[] = [registerVersion, registerSimulate];
