/**
 * Entry point of tandemd (`/usr/sbin/tandemd`, run by systemd or in the
 * foreground for tests). SIGTERM and SIGINT stop it cleanly.
 */
import { Command } from 'commander';
import { asTandemError } from '../errors.js';
import { logger } from '../log.js';
import { defaultTandemdOptions, Tandemd } from './tandemd.js';

const log = logger('daemon');

async function main(argv: string[]): Promise<void> {
  const options = new Command('tandemd')
    .description('tandem cluster daemon')
    .option('--config <file>', 'cluster configuration', defaultTandemdOptions.configPath)
    .option('--node <name>', 'this node\'s name (default: the node with a local address)')
    .option('--state-dir <dir>', 'persistent state (CIB)', defaultTandemdOptions.stateDir)
    .option('--run-dir <dir>', 'runtime files and the local API socket', defaultTandemdOptions.runDir)
    .option('--fence-agent-dir <dir>', 'where fence agents (fence_*) are found (default /usr/sbin)')
    .parse(argv)
    .opts<{ config: string; node?: string; stateDir: string; runDir: string; fenceAgentDir?: string }>();
  const daemon = await Tandemd.start({
    configPath: options.config, nodeName: options.node, stateDir: options.stateDir, runDir: options.runDir,
    ...(options.fenceAgentDir !== undefined ? { fenceAgentDir: options.fenceAgentDir } : {}),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    daemon.stop().then(
      () => process.exit(0),
      (error: unknown) => { log.error({ err: error }, 'stop failed'); process.exit(1); },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv).catch((thrown: unknown) => {
  const error = asTandemError(thrown);
  log.fatal({ code: error.code, context: error.context }, error.message);
  process.stderr.write(`tandemd: ${error.message}\n`);
  process.exit(error.exitCode);
});
