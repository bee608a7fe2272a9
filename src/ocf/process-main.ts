/**
 * The thin process wrapper around the dispatcher: what an agent's bundle runs
 * when a manager executes it as `<agent> <action>`. Prints the output to
 * stdout, the log and `ocf-exit-reason:<text>` to stderr, and exits with rc.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyAgent } from './agent.js';
import { runAction } from './dispatcher.js';
import { OcfExit } from './exit-codes.js';

/**
 * Runs the action named by argv[2] with process.env and exits the process.
 * It exits explicitly (stdout and stderr are synchronous on Linux for files
 * and pipes) so that no stray handle, such as a health-check socket, can keep
 * an agent alive past its answer.
 */
export async function runAgentProcess(agent: AnyAgent, argv: readonly string[] = process.argv): Promise<never> {
  let rc: number = OcfExit.ERR_GENERIC;
  try {
    const result = await runAction(agent, argv[2], process.env, { writeLog: (line) => process.stderr.write(line) });
    if (result.output !== '') {
      if (result.rc === OcfExit.ERR_ARGS && !argv[2]) process.stderr.write(result.output);
      else process.stdout.write(result.output);
    }
    if (result.exitReason !== undefined) process.stderr.write(`ocf-exit-reason:${result.exitReason.replace(/\n/g, ' ')}\n`);
    rc = result.rc;
  } catch (error) {
    // runAction never throws; this guards the wrapper itself.
    process.stderr.write(`ocf-exit-reason:${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(rc);
}

/**
 * True when the module at `moduleUrl` is the script node was started with
 * (`node Dummy.mjs monitor`), so that importing an agent has no side effect.
 */
export function isMainModule(moduleUrl: string, argv: readonly string[] = process.argv): boolean {
  const script = argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false; // a script path that does not resolve is not this module
  }
}
