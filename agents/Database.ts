/**
 * tandem:Database — a PostgreSQL server whose data directory moves between
 * servers with the volume under it. Unlike ocf:heartbeat:pgsql it never
 * waits past the action timeout, copes with what a takeover leaves behind
 * (another host's postmaster.pid, orphans of a crashed postmaster, crash
 * recovery) and refuses a data directory that a live postmaster is using.
 */
import { accessSync, chownSync, constants, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { defineAgent, type ActionContext, type ParsedParams } from '../src/ocf/agent.js';
import { OcfExit } from '../src/ocf/exit-codes.js';
import { OcfError } from '../src/ocf/errors.js';
import { isMainModule, runAgentProcess } from '../src/ocf/process-main.js';
import { describeFailure, sleepMs } from './lib/run-command.js';
import { lookupUser } from './lib/os-user.js';
import { readPostmasterPid } from './lib/postmaster-pid.js';
import { isRunning, killAll, waitForExit } from './lib/processes.js';
import {
  binariesMajorVersion, isServerProcessOf, logTail, newestBinDir, pgCtlStart, pgCtlStop, pgIsReady, portInUse, postmasterState,
  runSql, serverProcessesOf, socketLockFile, type PostgresServer,
} from './lib/postgres-control.js';

const parameters = {
  pgdata: { type: 'string', required: true, unique: true, shortdesc: 'Data directory', longdesc: 'The PostgreSQL data directory (on the mirrored volume in production).' },
  bindir: {
    type: 'string', default: () => newestBinDir() ?? '/usr/lib/postgresql/bin', shortdesc: 'Server binaries directory',
    longdesc: 'Directory holding postgres, pg_ctl, pg_isready and psql. Default: the newest /usr/lib/postgresql/<version>/bin.',
  },
  pguser: { type: 'string', default: 'postgres', shortdesc: 'OS user', longdesc: 'The operating-system user that owns the data directory and runs the server.' },
  pgport: { type: 'integer', default: 5432, shortdesc: 'Port', longdesc: 'TCP port and Unix socket number of the server.' },
  socketdir: { type: 'string', default: '/var/run/postgresql', shortdesc: 'Unix socket directory', longdesc: 'Directory of the server\'s Unix socket (created, owned by pguser, when missing).' },
  listen_addresses: {
    type: 'string', default: 'localhost', shortdesc: 'TCP listen addresses',
    longdesc: 'listen_addresses of the server: comma-separated addresses, * for all, empty for the Unix socket only.',
  },
  options: { type: 'string', default: '', shortdesc: 'Extra server options', longdesc: 'More postgres command-line options, e.g. "-c shared_buffers=256MB" (shell words, as pg_ctl -o takes them).' },
  logfile: { type: 'string', shortdesc: 'Server log file', longdesc: 'File the server\'s stderr goes to (pg_ctl -l). Default: tandem-postgresql.log in the data directory.' },
  monitor_database: { type: 'string', default: 'postgres', shortdesc: 'Database the monitor queries', longdesc: 'Database the monitor connects to; level 10 keeps a tandem_heartbeat table there.' },
  stop_mode: {
    type: 'string', default: 'fast', shortdesc: 'First shutdown mode',
    longdesc: 'smart, fast or immediate: how stop asks first. When a third of the stop timeout is left, stop switches to immediate; one second before it, it kills what is left.',
  },
  orphan_wait_s: {
    type: 'integer', default: 5, shortdesc: 'Wait for a crashed server\'s processes',
    longdesc: 'On start after a crash, seconds to wait for the dead postmaster\'s remaining processes to exit before they are killed (they hold its shared memory).',
  },
} as const satisfies Parameters<typeof defineAgent>[0]['parameters'];

type DatabaseParams = ParsedParams<typeof parameters>;
type Context = ActionContext<DatabaseParams>;

const requiredBinaries = ['postgres', 'pg_ctl', 'pg_isready', 'psql'];
/** What a server needs to be polled or stopped reliably, at the least. */
const safetyMarginMs = 2000;

function fail(rc: number, message: string, parameter?: string): never {
  throw new OcfError(rc, message, parameter === undefined ? {} : { parameter });
}

/** The server as configured. @throws OcfError(5) for a missing OS user, (6) for impossible values. */
async function server(params: DatabaseParams): Promise<PostgresServer> {
  if (!path.isAbsolute(params.pgdata)) fail(OcfExit.ERR_CONFIGURED, `parameter 'pgdata': '${params.pgdata}' is not an absolute path`, 'pgdata');
  if (params.pgport < 1 || params.pgport > 65535) fail(OcfExit.ERR_CONFIGURED, `parameter 'pgport': ${params.pgport} is not a port (1-65535)`, 'pgport');
  if (!path.isAbsolute(params.socketdir)) fail(OcfExit.ERR_CONFIGURED, `parameter 'socketdir': '${params.socketdir}' is not an absolute path`, 'socketdir');
  if (!['smart', 'fast', 'immediate'].includes(params.stop_mode)) fail(OcfExit.ERR_CONFIGURED, `parameter 'stop_mode': '${params.stop_mode}' is not smart, fast or immediate`, 'stop_mode');
  const user = await lookupUser(params.pguser);
  if (user === undefined) fail(OcfExit.ERR_INSTALLED, `parameter 'pguser': no OS user '${params.pguser}' on this node`, 'pguser');
  return {
    bindir: params.bindir,
    dataDirectory: params.pgdata,
    user,
    port: params.pgport,
    socketDirectory: params.socketdir,
    listenAddresses: params.listen_addresses,
    extraOptions: params.options,
    logFile: params.logfile ?? path.join(params.pgdata, 'tandem-postgresql.log'),
  };
}

async function validate(context: Context): Promise<number> {
  const db = await server(context.params);
  for (const binary of requiredBinaries) {
    try {
      accessSync(path.join(db.bindir, binary), constants.X_OK);
    } catch {
      fail(OcfExit.ERR_INSTALLED, `parameter 'bindir': ${binary} not found in ${db.bindir} (PostgreSQL server binaries missing)`, 'bindir');
    }
  }
  let owner: number;
  let mode: number;
  try {
    const stat = statSync(db.dataDirectory);
    if (!stat.isDirectory()) fail(OcfExit.ERR_CONFIGURED, `parameter 'pgdata': ${db.dataDirectory} is not a directory`, 'pgdata');
    owner = stat.uid;
    mode = stat.mode & 0o777;
  } catch (error) {
    if (error instanceof OcfError) throw error;
    fail(OcfExit.ERR_INSTALLED, `parameter 'pgdata': data directory ${db.dataDirectory} is not there on this node (${(error as Error).message})`, 'pgdata');
  }
  let dataVersion: string;
  try {
    dataVersion = readFileSync(path.join(db.dataDirectory, 'PG_VERSION'), 'utf8').trim();
  } catch {
    dataVersion = ''; // unreadable or missing: not a data directory we can run
  }
  if (dataVersion === '') fail(OcfExit.ERR_CONFIGURED, `parameter 'pgdata': ${db.dataDirectory} is not a PostgreSQL data directory (no PG_VERSION)`, 'pgdata');
  if (owner !== db.user.uid) {
    fail(OcfExit.ERR_PERM, `parameter 'pgdata': ${db.dataDirectory} is owned by uid ${owner}, not by ${db.user.name} (uid ${db.user.uid}) (parameter 'pguser')`, 'pgdata');
  }
  if ((mode & 0o027) !== 0) fail(OcfExit.ERR_PERM, `parameter 'pgdata': ${db.dataDirectory} has mode ${mode.toString(8)}; PostgreSQL needs 0700 or 0750`, 'pgdata');
  const binariesVersion = await binariesMajorVersion(db);
  if (binariesVersion !== undefined && binariesVersion !== dataVersion) {
    fail(OcfExit.ERR_CONFIGURED, `parameter 'bindir': ${db.bindir} is PostgreSQL ${binariesVersion}, the data directory is version ${dataVersion}`, 'bindir');
  }
  return OcfExit.SUCCESS;
}

/** Level 0: a real query. Level 10 and up: a write to the heartbeat table too. */
async function queryCheck(context: Context, db: PostgresServer): Promise<string | undefined> {
  const budgetMs = Math.max(1000, context.remainingMs() - 500);
  const select = await runSql(db, context.params.monitor_database, 'SELECT 1;', budgetMs);
  if (select.exitCode !== 0 || select.stdout.trim() !== '1') return describeFailure('SELECT 1', select);
  if (context.checkLevel < 10) return undefined;
  const heartbeat = 'CREATE TABLE IF NOT EXISTS tandem_heartbeat (node text PRIMARY KEY, beat timestamptz NOT NULL);\n'
    + 'INSERT INTO tandem_heartbeat VALUES (:\'node\', now()) ON CONFLICT (node) DO UPDATE SET beat = excluded.beat;\n';
  const write = await runSql(db, context.params.monitor_database, heartbeat, Math.max(1000, context.remainingMs() - 500), { node: hostname() });
  return write.exitCode === 0 ? undefined : describeFailure('heartbeat write', write);
}

async function monitor(context: Context): Promise<number> {
  const db = await server(context.params);
  const state = postmasterState(db.dataDirectory);
  if (!state.live) {
    if (state.pidFile !== undefined && !context.isProbe) {
      context.exitReason(`postmaster pid ${state.pidFile.pid} of ${db.dataDirectory} is not running (crashed or killed)`);
    }
    return OcfExit.NOT_RUNNING;
  }
  const problem = await queryCheck(context, db);
  if (problem === undefined) return OcfExit.SUCCESS;
  if (!postmasterState(db.dataDirectory).live) {
    // It died while we asked (a kill -9 lands between the pid check and the query).
    context.exitReason(`postmaster pid ${state.pidFile?.pid} of ${db.dataDirectory} is not running (crashed or killed)`);
    return OcfExit.NOT_RUNNING;
  }
  context.exitReason(`postmaster pid ${state.pidFile?.pid} runs but ${problem}`);
  return OcfExit.ERR_GENERIC;
}

/** Clears what a crash or another host left: stale pid and lock files, orphans of a dead postmaster. */
async function clearLeftovers(context: Context, db: PostgresServer): Promise<void> {
  const state = postmasterState(db.dataDirectory);
  if (state.pidFile !== undefined && !state.live) {
    context.log.warn(`removing stale postmaster.pid (pid ${state.pidFile.pid} is not a postmaster of ${db.dataDirectory})`);
    rmSync(path.join(db.dataDirectory, 'postmaster.pid'), { force: true });
  }
  const lock = readPostmasterPid(socketLockFile(db));
  if (lock !== undefined && !isServerProcessOf(lock.pid, lock.dataDirectory)) {
    context.log.warn(`removing stale socket lock file ${socketLockFile(db)} (pid ${lock.pid} is gone)`);
    rmSync(socketLockFile(db), { force: true });
  }
  const orphans = serverProcessesOf(db.dataDirectory);
  if (orphans.length === 0) return;
  context.log.warn(`processes ${orphans.join(', ')} of a dead postmaster still run in ${db.dataDirectory}; waiting for them`);
  const waitMs = Math.min(context.params.orphan_wait_s * 1000, Math.max(0, context.remainingMs() - 2 * safetyMarginMs));
  const left = await waitForExit(orphans, performance.now() + waitMs);
  if (left.length > 0) context.log.warn(`killing orphaned server processes ${left.join(', ')}`);
  killAll(left, context.log.warn);
  const stubborn = await waitForExit(left, performance.now() + 2000);
  if (stubborn.length > 0) fail(OcfExit.ERR_GENERIC, `processes ${stubborn.join(', ')} of a dead postmaster of ${db.dataDirectory} do not exit`);
}

function ensureSocketDirectory(db: PostgresServer): void {
  if (statSyncOrUndefined(db.socketDirectory)?.isDirectory()) return;
  mkdirSync(db.socketDirectory, { recursive: true, mode: 0o2775 });
  chownSync(db.socketDirectory, db.user.uid, db.user.gid);
}

function statSyncOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined; // missing
  }
}

async function start(context: Context): Promise<number> {
  const db = await server(context.params);
  const state = postmasterState(db.dataDirectory);
  if (state.live && state.pidFile !== undefined) {
    const { pid, port, socketDirectory } = state.pidFile;
    if (port === db.port && socketDirectory === db.socketDirectory) {
      context.log.info(`postmaster pid ${pid} already serves ${db.dataDirectory}`);
      return waitUntilReady(context, db);
    }
    fail(OcfExit.ERR_GENERIC, `data directory ${db.dataDirectory} is in use by postmaster pid ${pid} on port ${port ?? '?'} socket ${socketDirectory ?? '?'}; refusing to start a second server on it`);
  }
  await clearLeftovers(context, db);
  ensureSocketDirectory(db);
  const busy = await portInUse(db);
  if (busy !== undefined) fail(OcfExit.ERR_GENERIC, `${busy} (parameter 'pgport')`, 'pgport');
  const started = await pgCtlStart(db, Math.max(1000, context.remainingMs() - safetyMarginMs));
  if (started.exitCode !== 0) fail(OcfExit.ERR_GENERIC, `${describeFailure('pg_ctl start', started)} ${logTail(db)}`.trim());
  return waitUntilReady(context, db);
}

/**
 * Polls until the server accepts connections and answers the monitor query,
 * the postmaster dies, or the action timeout is near. Never loops past it.
 */
async function waitUntilReady(context: Context, db: PostgresServer): Promise<number> {
  let missingSinceMs: number | undefined;
  for (;;) {
    const remainingMs = context.remainingMs();
    if (remainingMs <= safetyMarginMs) {
      fail(OcfExit.ERR_GENERIC, `server of ${db.dataDirectory} did not accept connections within the action timeout (${context.timeoutMs} ms); last log: ${logTail(db)}`);
    }
    const ready = await pgIsReady(db, Math.min(2000, remainingMs - safetyMarginMs));
    if (ready === 0) {
      const problem = await queryCheck(context, db);
      if (problem === undefined) return OcfExit.SUCCESS;
      context.log.info(`server accepts connections but ${problem}; retrying`);
    }
    const state = postmasterState(db.dataDirectory);
    if (state.live) {
      missingSinceMs = undefined;
    } else {
      // The postmaster writes its pid file at once; give pg_ctl's fork a moment before calling it dead.
      missingSinceMs ??= performance.now();
      if (performance.now() - missingSinceMs > 1500) fail(OcfExit.ERR_GENERIC, `server of ${db.dataDirectory} exited during start: ${logTail(db)}`);
    }
    await sleepMs(300);
  }
}

async function stop(context: Context): Promise<number> {
  const db = await server(context.params);
  const state = postmasterState(db.dataDirectory);
  if (!state.live || state.pidFile === undefined) {
    const orphans = serverProcessesOf(db.dataDirectory);
    if (orphans.length > 0) context.log.warn(`killing orphaned server processes ${orphans.join(', ')} of ${db.dataDirectory}`);
    killAll(orphans, context.log.warn);
    return (await waitForExit(orphans, performance.now() + 2000)).length === 0 ? OcfExit.SUCCESS : OcfExit.ERR_GENERIC;
  }
  const pid = state.pidFile.pid;
  const escalateAtMs = context.timeoutMs / 3;
  const phases: { mode: 'smart' | 'fast' | 'immediate'; untilRemainingMs: number }[] = [
    { mode: context.params.stop_mode as 'smart' | 'fast' | 'immediate', untilRemainingMs: escalateAtMs },
    { mode: 'immediate', untilRemainingMs: 1000 },
  ];
  for (const phase of phases) {
    context.log.info(`stopping postmaster pid ${pid} (${phase.mode})`);
    const asked = await pgCtlStop(db, phase.mode, Math.max(1000, context.remainingMs() - 1000));
    if (asked.exitCode !== 0 && isRunning(pid)) context.log.warn(describeFailure(`pg_ctl stop -m ${phase.mode}`, asked));
    const deadlineMs = performance.now() + Math.max(0, context.remainingMs() - phase.untilRemainingMs);
    if ((await waitForExit([pid], deadlineMs)).length === 0) break;
  }
  const left = [...new Set([pid, ...serverProcessesOf(db.dataDirectory)])].filter(isRunning);
  if (left.length > 0) context.log.warn(`killing server processes ${left.join(', ')}: shutdown did not finish in time`);
  killAll(left, context.log.warn);
  const stubborn = await waitForExit(left, performance.now() + Math.max(500, context.remainingMs() - 200));
  if (stubborn.length > 0) fail(OcfExit.ERR_GENERIC, `server processes ${stubborn.join(', ')} of ${db.dataDirectory} did not exit`);
  return OcfExit.SUCCESS;
}

export const databaseAgent = defineAgent({
  name: 'Database',
  version: '1.0',
  shortdesc: 'PostgreSQL server',
  longdesc: 'Starts, monitors (SELECT 1; at depth 10 a heartbeat write) and stops one PostgreSQL server. Start returns when the server accepts connections, never after the action timeout; it clears a stale postmaster.pid and refuses a data directory a live postmaster uses.',
  parameters,
  validate,
  actions: {
    start: { handler: start, timeoutS: 60 },
    stop: { handler: stop, timeoutS: 60 },
    monitor: { handler: monitor, timeoutS: 30, intervalS: 15 },
  },
  extraActionEntries: [{ name: 'monitor', timeoutS: 30, intervalS: 60, depth: 10 }],
});

/** Runs the action named on the command line and exits: what the launcher calls. */
export function main(): Promise<never> {
  return runAgentProcess(databaseAgent);
}

if (isMainModule(import.meta.url)) void main();
