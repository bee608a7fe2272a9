/**
 * Entry point of the `tandem` CLI: runs the program, turns every error into a
 * clear message on stderr and the error's exit code.
 */
import { CommanderError } from './commander.js';
import { asTandemError, ExitCode } from '../errors.js';
import { buildProgram } from './program.js';
import { registrarsFor } from './commands/index.js';
import { exitPastStuckThreads } from '../mirror/io/exit-past-stuck-threads.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram(await registrarsFor(argv.slice(2)));
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // help and version are "errors" to commander but not to the user.
      if (thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version' || thrown.code === 'commander.help') return 0;
      return ExitCode.usage;
    }
    const error = asTandemError(thrown);
    process.stderr.write(`tandem: ${error.message}\n`);
    if (process.env['TANDEM_DEBUG']) process.stderr.write(`${error.stack ?? ''}\n`);
    return error.exitCode;
  }
}

process.exitCode = await main(process.argv);
// A mirror command whose leg hangs (the engine stopping with an array dead) cannot exit the ordinary way.
exitPastStuckThreads(process.exitCode);
