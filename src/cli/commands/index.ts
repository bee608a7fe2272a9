/** The list of subcommand registrars, one per room. */
import type { CommandRegistrar } from '../program.js';
import { registerVersion } from './version.js';
import { registerConfigure } from './configure.js';

export const registrars: readonly CommandRegistrar[] = [registerVersion, registerConfigure];
