/**
 * tandem:App — runs a generic long-running application, what
 * ocf:heartbeat:anything does, done better: start returns only when the
 * application is ready (health check polled until the timeout is near),
 * monitor knows the process is the one we started (pid + start time, so a
 * reused pid is never mistaken for ours), stop terminates the whole session.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineAgent, type ActionContext, type ParsedParams } from '../src/ocf/agent.js';
import type { OcfEnvironment } from '../src/ocf/environment.js';
import { OcfExit } from '../src/ocf/exit-codes.js';
import { OcfError } from '../src/ocf/errors.js';
import { isMainModule, runAgentProcess } from '../src/ocf/process-main.js';
import { inspectApp } from './app/app-state.js';
import { hasChecks, parseHostPort, pollUntilHealthy, runChecks, type HealthChecks } from './app/health-check.js';
import { launchApp, logTail, lookupUser, type ExitWatch, type UserInfo } from './app/launch.js';
import { removePidFile } from './app/pid-file.js';
import { isLive, readProcStat } from './app/process-identity.js';
import { parseEnvironment, shellWords } from './app/shell-words.js';
import { terminateApp } from './app/terminate.js';

const text = (shortdesc: string, longdesc: string) => ({ type: 'string', shortdesc, longdesc }) as const;

const parameters = {
  command: { ...text('Command', 'The program to run: an absolute path, or a name looked up in PATH.'), required: true },
  args: text('Arguments', 'Arguments of the command, split like shell words (quotes and backslashes; no expansion).'),
  user: text('User', 'Run the application as this user (and its primary group). Default: the user the agent runs as.'),
  workdir: { ...text('Working directory', 'Directory the application starts in.'), default: '/' },
  environment: text('Environment', 'Extra environment variables, as NAME=value shell words.'),
  logfile: { ...text('Log file', 'File the application\'s stdout and stderr are appended to.'), default: '/dev/null' },
  pidfile: {
    ...text('Pid file', 'Where the agent records the process it started (pid, boot id, start time, command line).'),
    unique: true,
    default: (env: OcfEnvironment) => `${env.stateDir}/App-${env.instance}.pid`,
  },
  check_tcp: text('TCP health check', 'host:port that must accept a connection for the application to count as ready (start) and healthy (monitor at OCF_CHECK_LEVEL 10).'),
  check_http: text('HTTP health check', 'http:// or https:// URL that must answer with a status below 400.'),
  check_command: text('Command health check', 'Shell command that must exit 0.'),
  check_interval: { type: 'integer', default: 250, shortdesc: 'Check interval (ms)', longdesc: 'Milliseconds between two health checks while start waits for the application to be ready.' },
} as const;

type AppParams = ParsedParams<typeof parameters>;
type AppContext = ActionContext<AppParams>;

/** SIGKILL, and giving up on readiness, happen this long before the action's timeout. */
function marginMs(timeoutMs: number): number {
  return Math.min(5000, Math.max(1000, timeoutMs * 0.2));
}

function checksOf(params: AppParams, user?: UserInfo): HealthChecks {
  return { tcp: params.check_tcp, http: params.check_http, command: params.check_command, ...(user === undefined ? {} : { runAs: { uid: user.uid, gid: user.gid } }) };
}

function findExecutable(command: string, path: string): string | undefined {
  const candidates = command.includes('/') ? [command] : path.split(':').filter(Boolean).map((directory) => `${directory}/${command}`);
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false; // not this candidate
    }
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or unreadable: not a usable directory
  }
}

async function validate(context: AppContext): Promise<number> {
  const { params } = context;
  shellWords(params.args ?? '', 'args');
  parseEnvironment(params.environment ?? '', 'environment');
  if (params.check_tcp && parseHostPort(params.check_tcp) === undefined) throw new OcfError(OcfExit.ERR_CONFIGURED, `check_tcp '${params.check_tcp}' is not host:port`);
  if (params.check_http && !/^https?:\/\/./.test(params.check_http)) throw new OcfError(OcfExit.ERR_CONFIGURED, `check_http '${params.check_http}' is not an http:// or https:// URL`);
  if (params.check_interval < 10) throw new OcfError(OcfExit.ERR_CONFIGURED, `check_interval must be at least 10 ms, got ${params.check_interval}`);
  if (findExecutable(params.command, context.env.vars['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin') === undefined) {
    throw new OcfError(OcfExit.ERR_INSTALLED, `command '${params.command}' is not an executable file here`);
  }
  if (!isDirectory(params.workdir)) throw new OcfError(OcfExit.ERR_ARGS, `working directory ${params.workdir} does not exist`);
  if (!isDirectory(dirname(params.logfile))) throw new OcfError(OcfExit.ERR_ARGS, `directory of log file ${params.logfile} does not exist`);
  if (params.user) await lookupUser(params.user);
  return OcfExit.SUCCESS;
}

async function appEnvironment(params: AppParams, vars: Readonly<Record<string, string | undefined>>): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(vars)) {
    if (!/^(OCF_|HA_|__OCF_|PCMK_|CRM_)/.test(name)) env[name] = value;
  }
  env['PATH'] ??= '/usr/sbin:/usr/bin:/sbin:/bin';
  if (params.user) {
    const user = await lookupUser(params.user);
    Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
  }
  return { ...env, ...parseEnvironment(params.environment ?? '', 'environment') };
}

async function waitReady(context: AppContext, pid: number, watch: ExitWatch): Promise<number> {
  const { params } = context;
  const deadline = (): number => context.remainingMs() - marginMs(context.timeoutMs);
  const stillAlive = (): string | undefined => {
    if (watch.exit !== undefined || !isLive(readProcStat(pid))) {
      const tail = logTail(params.logfile);
      return `the application ${watch.exit ?? 'exited'} during start${tail ? `: ${tail}` : ''}`;
    }
    return undefined;
  };
  if (!hasChecks(checksOf(params))) {
    const dead = stillAlive();
    if (dead !== undefined) throw new OcfError(OcfExit.ERR_GENERIC, dead);
    return OcfExit.SUCCESS;
  }
  const user = params.user ? await lookupUser(params.user) : undefined;
  const failure = await pollUntilHealthy(checksOf(params, user), { intervalMs: params.check_interval, remainingMs: deadline, stillAlive, env: await appEnvironment(params, context.env.vars) });
  if (failure !== undefined) throw new OcfError(OcfExit.ERR_GENERIC, failure);
  return OcfExit.SUCCESS;
}

async function start(context: AppContext): Promise<number> {
  const { params } = context;
  const state = inspectApp(params.pidfile);
  if (state.kind === 'running') {
    context.log.info(`already running as pid ${state.record.pid}`);
    return waitReady(context, state.record.pid, {});
  }
  if (state.kind === 'leftovers') {
    context.log.warn(`processes ${state.members.map((member) => member.pid).join(', ')} of an earlier run are still alive: stopping them first`);
    const left = await terminateApp(state.record, () => context.remainingMs() / 2, marginMs(context.timeoutMs / 2));
    if (left.length > 0) throw new OcfError(OcfExit.ERR_GENERIC, `cannot clear processes ${left.join(', ')} of an earlier run`);
  }
  removePidFile(params.pidfile);
  try {
    mkdirSync(dirname(params.pidfile)); // one level, as HA_RSCTMP after a reboot; never recursive (it spins under /proc)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new OcfError(OcfExit.ERR_ARGS, `cannot create the directory of ${params.pidfile}: ${(error as Error).message}`);
  }
  const user = params.user ? await lookupUser(params.user) : undefined;
  const { record, watch } = await launchApp({
    command: params.command,
    args: shellWords(params.args ?? '', 'args'),
    workdir: params.workdir,
    env: await appEnvironment(params, context.env.vars),
    logFile: params.logfile,
    pidFile: params.pidfile,
    ...(user === undefined ? {} : { user }),
  });
  context.log.info(`started ${params.command} as pid ${record.pid}`);
  return waitReady(context, record.pid, watch);
}

async function monitor(context: AppContext): Promise<number> {
  const { params } = context;
  const state = inspectApp(params.pidfile);
  switch (state.kind) {
    case 'stopped':
      return OcfExit.NOT_RUNNING;
    case 'exited':
      if (!context.isProbe) context.exitReason(state.why);
      return OcfExit.NOT_RUNNING;
    case 'leftovers':
      context.exitReason(`the application (pid ${state.record.pid}) exited but its processes ${state.members.map((member) => member.pid).join(', ')} still run`);
      return OcfExit.ERR_GENERIC;
    case 'running': {
      if (state.cmdlineChanged) context.log.debug(`pid ${state.record.pid} changed its command line since start (same process: same start time)`);
      if (context.checkLevel >= 10 && hasChecks(checksOf(params))) {
        const user = params.user ? await lookupUser(params.user) : undefined;
        const failure = await runChecks(checksOf(params, user), Math.max(100, context.remainingMs() - marginMs(context.timeoutMs)), await appEnvironment(params, context.env.vars));
        if (failure !== undefined) {
          context.exitReason(`pid ${state.record.pid} runs but is not healthy: ${failure}`);
          return OcfExit.ERR_GENERIC;
        }
      }
      return OcfExit.SUCCESS;
    }
  }
}

async function stop(context: AppContext): Promise<number> {
  const { params } = context;
  const state = inspectApp(params.pidfile);
  if (state.kind === 'stopped') return OcfExit.SUCCESS;
  if (state.kind === 'exited') {
    context.log.info(`${state.why}; removing the stale pid file`);
    removePidFile(params.pidfile);
    return OcfExit.SUCCESS;
  }
  const left = await terminateApp(state.record, () => context.remainingMs(), marginMs(context.timeoutMs));
  if (left.length > 0) {
    context.exitReason(`processes ${left.join(', ')} survived SIGKILL`);
    return OcfExit.ERR_GENERIC;
  }
  removePidFile(params.pidfile);
  context.log.info(`stopped pid ${state.record.pid}`);
  return OcfExit.SUCCESS;
}

export const appAgent = defineAgent({
  name: 'App',
  version: '1.0',
  shortdesc: 'Generic long-running application',
  longdesc: 'Runs a long-running application in its own session, detached, with its output in a log file. Start returns when the optional health check (TCP port, HTTP URL or command) passes. Monitor checks that the recorded pid is still the process started (pid reuse is detected by its start time), and runs the health check at OCF_CHECK_LEVEL 10. Stop sends SIGTERM to the whole session, and SIGKILL shortly before the timeout.',
  parameters,
  validate,
  actions: {
    start: { handler: start, timeoutS: 20 },
    stop: { handler: stop, timeoutS: 20 },
    monitor: { handler: monitor, timeoutS: 20, intervalS: 10 },
  },
  extraActionEntries: [{ name: 'monitor', timeoutS: 20, intervalS: 30, depth: 10 }],
});

/** Runs the action named on the command line and exits: what the launcher calls. */
export function main(): Promise<never> {
  return runAgentProcess(appAgent);
}

if (isMainModule(import.meta.url)) void main();
