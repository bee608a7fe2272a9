/**
 * The `tandem` command tree. Each room registers its subcommands from its
 * own file under src/cli/commands/; this file only wires them.
 */
import { Command, Option } from './commander.js';
import { outputFormats } from './output.js';

export type CommandRegistrar = (program: Command) => void;

/** Builds the program with every registered subcommand. */
export function buildProgram(registrars: readonly CommandRegistrar[]): Command {
  const program = new Command('tandem')
    .description('tandem: high-availability cluster stack')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...outputFormats]).default('text'))
    .option('-f, --file <cib>', 'work on a CIB file instead of the running cluster (like crmsh CIB_file)')
    .showHelpAfterError()
    .exitOverride();
  for (const register of registrars) register(program);
  return program;
}
