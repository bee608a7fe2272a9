/**
 * tandem:Dummy — tracks only whether it is "running", in a state file, like
 * ocf:heartbeat:Dummy. For tests and as the smallest example of an agent.
 * The entry point (bottom) runs it as a process; `dummyAgent` is what an
 * in-process worker runs.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineAgent, type ActionContext, type ParsedParams } from '../src/ocf/agent.js';
import { isTrueWord, type OcfEnvironment } from '../src/ocf/environment.js';
import { OcfExit } from '../src/ocf/exit-codes.js';
import { OcfError } from '../src/ocf/errors.js';
import { isMainModule, runAgentProcess } from '../src/ocf/process-main.js';

const parameters = {
  state: {
    type: 'string',
    unique: true,
    default: (env) => `${env.stateDir}/Dummy-${sharedInstanceName(env)}.state`,
    shortdesc: 'State file',
    longdesc: 'Location to store the resource state in. By default, the instances of an anonymous clone (globally-unique=false) on one node share one file, as with ocf:pacemaker:Dummy.',
  },
  fake: {
    type: 'string',
    default: 'dummy',
    shortdesc: 'Fake attribute that can be changed to cause a reload',
    longdesc: 'Fake attribute that can be changed to cause a reload.',
  },
  op_sleep: {
    type: 'string',
    default: '0',
    shortdesc: 'Seconds every action sleeps',
    longdesc: 'Number of seconds (decimals allowed) to sleep during start, stop, monitor, reload and migration, to simulate slow actions (and, beyond the timeout, hung ones). Seconds, as in ocf:pacemaker:Dummy.',
  },
  fail_start_on: {
    type: 'string',
    shortdesc: 'Node where start fails',
    longdesc: 'Start fails (OCF_ERR_GENERIC) on the node with this host name, as in ocf:pacemaker:Dummy: for failover tests.',
  },
} as const satisfies Parameters<typeof defineAgent>[0]['parameters'];

type DummyContext = ActionContext<ParsedParams<typeof parameters>>;

/** The instance name, without the `:N` of an anonymous clone's instance (OCF_RESKEY_CRM_meta_globally_unique unset or false). */
function sharedInstanceName(env: OcfEnvironment): string {
  const globallyUnique = env.vars['OCF_RESKEY_CRM_meta_globally_unique'];
  return globallyUnique === undefined || !isTrueWord(globallyUnique) ? env.instance.replace(/:\d+$/, '') : env.instance;
}

/** op_sleep in milliseconds. @throws OcfError OCF_ERR_CONFIGURED when it is not a non-negative number of seconds. */
function sleepMs(opSleep: string): number {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(opSleep)) throw new OcfError(OcfExit.ERR_CONFIGURED, `parameter 'op_sleep' must be a number of seconds, got '${opSleep}'`, { parameter: 'op_sleep' });
  return Math.round(Number(opSleep) * 1000);
}

/** Creates the state directory when only its last level is missing (as HA_RSCTMP may be after a reboot). */
function ensureDirectory(directory: string): void {
  // Not recursive on purpose: Node's recursive mkdir spins forever under /proc.
  try {
    mkdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

async function delay(context: DummyContext): Promise<void> {
  const delayMs = sleepMs(context.params.op_sleep);
  if (delayMs > 0) await sleep(delayMs);
}

function stateExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new OcfError(OcfExit.ERR_GENERIC, `cannot read state file ${path}: ${(error as Error).message}`, {}, error);
  }
}

async function monitor(context: DummyContext): Promise<number> {
  await delay(context);
  if (stateExists(context.params.state)) return OcfExit.SUCCESS;
  if (!context.isProbe && context.action === 'monitor') context.exitReason('No process state file found');
  return OcfExit.NOT_RUNNING;
}

async function start(context: DummyContext): Promise<number> {
  await delay(context);
  if (context.params.fail_start_on !== undefined && context.params.fail_start_on === hostname()) {
    throw new OcfError(OcfExit.ERR_GENERIC, `simulated failure on ${hostname()} (fail_start_on)`);
  }
  if (stateExists(context.params.state)) return OcfExit.SUCCESS;
  ensureDirectory(dirname(context.params.state));
  writeFileSync(context.params.state, `${context.env.instance}\n`);
  return OcfExit.SUCCESS;
}

async function stop(context: DummyContext): Promise<number> {
  await delay(context);
  rmSync(context.params.state, { force: true });
  return OcfExit.SUCCESS;
}

function validate(context: DummyContext): number {
  sleepMs(context.params.op_sleep);
  const directory = dirname(context.params.state);
  const probe = `${directory}/.tandem-dummy-${process.pid}`;
  try {
    ensureDirectory(directory);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    context.exitReason(`State file "${context.params.state}" is not writable: ${(error as Error).message}`);
    return OcfExit.ERR_ARGS;
  }
  return OcfExit.SUCCESS;
}

export const dummyAgent = defineAgent({
  name: 'Dummy',
  version: '1.0',
  shortdesc: 'Example stateless resource agent',
  longdesc: 'This agent does nothing except keep track of whether it is running or not, in a state file. It is for testing, and the smallest example of a tandem agent.',
  parameters,
  validate,
  actions: {
    start: { handler: start, timeoutS: 20 },
    stop: { handler: stop, timeoutS: 20 },
    monitor: { handler: monitor, timeoutS: 20, intervalS: 10 },
    reload: { handler: async (context) => { await delay(context); context.log.info(`reloading ${context.env.instance}`); return OcfExit.SUCCESS; }, timeoutS: 20 },
    migrate_to: {
      handler: (context) => { context.log.info(`migrating ${context.env.instance} to ${context.env.vars['OCF_RESKEY_CRM_meta_migrate_target'] ?? '?'}`); return stop(context); },
      timeoutS: 20,
    },
    migrate_from: {
      handler: (context) => { context.log.info(`migrating ${context.env.instance} from ${context.env.vars['OCF_RESKEY_CRM_meta_migrate_source'] ?? '?'}`); return start(context); },
      timeoutS: 20,
    },
  },
});

/** Runs the action named on the command line and exits: what the launcher calls. */
export function main(): Promise<never> {
  return runAgentProcess(dummyAgent);
}

if (isMainModule(import.meta.url)) void main();
