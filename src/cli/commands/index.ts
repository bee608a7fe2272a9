/**
 * The subcommands, one entry per room, in the order `tandem --help` shows
 * them. Each is loaded only when it is the command being run (or for help),
 * so that `tandem simulate` does not pay for loading membership, the mirror
 * engine or the daemon client: start-up is most of a small command's time.
 */
import type { CommandRegistrar } from '../program.js';

export interface LazyCommand {
  /** The top-level command words this entry registers. */
  readonly names: readonly string[];
  readonly load: () => Promise<readonly CommandRegistrar[]>;
}

export const commands: readonly LazyCommand[] = [
  { names: ['status'], load: async () => [(await import('./status.js')).registerStatus] },
  { names: ['configure'], load: async () => [(await import('./configure.js')).registerConfigure] },
  { names: ['simulate'], load: async () => [(await import('./simulate.js')).registerSimulate] },
  { names: ['ra'], load: async () => [(await import('./ra.js')).registerRa] },
  { names: ['membership'], load: async () => [(await import('./membership.js')).registerMembership] },
  { names: ['cluster'], load: async () => [(await import('./cluster.js')).registerCluster] },
  { names: ['mirror'], load: async () => [(await import('./mirror.js')).registerMirror] },
  { names: ['quorum'], load: async () => [(await import('./quorum.js')).registerQuorum] },
  { names: ['version'], load: async () => [(await import('./version.js')).registerVersion] },
  { names: ['resource', 'node'], load: async () => { const module = await import('./resource.js'); return [module.registerResource, module.registerNode]; } },
];

/** Global options that take a value in the next argument. */
const optionsWithValue = new Set(['-o', '--output', '-f', '--file']);

/** The first word of `args` (argv without node and script) that is not an option or an option's value. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (optionsWithValue.has(arg)) { index++; continue; }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The registrars needed to run `args`: the named command's, or all of them (help, no or unknown command). */
export async function registrarsFor(args: readonly string[]): Promise<CommandRegistrar[]> {
  const word = commandWord(args);
  const wanted = commands.filter((entry) => word !== undefined && entry.names.includes(word));
  const entries = wanted.length > 0 ? wanted : commands;
  return (await Promise.all(entries.map((entry) => entry.load()))).flat();
}
