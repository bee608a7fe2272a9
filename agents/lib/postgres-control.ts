/**
 * Driving one PostgreSQL server: pg_ctl, pg_isready, psql, its postmaster.pid
 * and socket lock file, and the processes that belong to its data directory.
 * Every command runs as the server's OS user and is bounded by a timeout.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { runCommand, type CommandResult } from './run-command.js';
import { userEnvironment, type OsUser } from './os-user.js';
import { readPostmasterPid, type PostmasterPidFile } from './postmaster-pid.js';
import { isRunning, listPids, readComm, readCwd } from './processes.js';

/** One server, as the Database agent's parameters describe it. */
export interface PostgresServer {
  readonly bindir: string;
  readonly dataDirectory: string;
  readonly user: OsUser;
  readonly port: number;
  readonly socketDirectory: string;
  /** listen_addresses; empty: Unix socket only. */
  readonly listenAddresses: string;
  /** Extra server options, handed to postgres through pg_ctl -o as written. */
  readonly extraOptions: string;
  readonly logFile: string;
}

/** Who holds a data directory, by its postmaster.pid. */
export interface PostmasterState {
  readonly pidFile: PostmasterPidFile | undefined;
  /** The pid in the file is a running postgres whose working directory is this data directory. */
  readonly live: boolean;
}

/** The newest `<root>/<version>/bin` that holds pg_ctl (versions compared numerically); undefined when none. */
export function newestBinDir(root = '/usr/lib/postgresql'): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    return undefined; // no PostgreSQL installed under root
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => path.join(root, version, 'bin')).find((dir) => existsSync(path.join(dir, 'pg_ctl')));
}

function sameDirectory(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false; // one of them is gone: not the same live directory
  }
}

/** True when `pid` is a running postgres process working in `dataDirectory`. */
export function isServerProcessOf(pid: number, dataDirectory: string): boolean {
  const comm = readComm(pid);
  return (comm === 'postgres' || comm === 'postmaster') && isRunning(pid) && sameDirectory(readCwd(pid), dataDirectory);
}

/** Reads postmaster.pid and decides whether its pid is a live postmaster of this data directory. */
export function postmasterState(dataDirectory: string): PostmasterState {
  const pidFile = readPostmasterPid(path.join(dataDirectory, 'postmaster.pid'));
  return { pidFile, live: pidFile !== undefined && isServerProcessOf(pidFile.pid, dataDirectory) };
}

/** Every running postgres process working in `dataDirectory` (a crashed postmaster's orphans included). */
export function serverProcessesOf(dataDirectory: string): number[] {
  return listPids().filter((pid) => pid !== process.pid && isServerProcessOf(pid, dataDirectory));
}

/** The socket lock file of a server: `<socket dir>/.s.PGSQL.<port>.lock`. */
export function socketLockFile(server: PostgresServer): string {
  return path.join(server.socketDirectory, `.s.PGSQL.${server.port}.lock`);
}

function asUser(server: PostgresServer, file: string, args: readonly string[], timeoutMs: number, input?: string): Promise<CommandResult> {
  const own = process.getuid?.() === server.user.uid;
  return runCommand(path.join(server.bindir, file), args, {
    timeoutMs,
    input,
    uid: own ? undefined : server.user.uid,
    gid: own ? undefined : server.user.gid,
    env: userEnvironment(server.user, { PGCONNECT_TIMEOUT: String(Math.max(2, Math.ceil(timeoutMs / 1000))) }),
    cwd: '/',
  });
}

/** Quotes one word for the shell pg_ctl hands -o to. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The -o text for pg_ctl: port, socket directory, listen addresses, then the extra options. */
export function serverOptions(server: PostgresServer): string {
  const words = ['-p', String(server.port), '-k', server.socketDirectory, '-c', `listen_addresses=${server.listenAddresses}`];
  return [...words.map(shellWord), server.extraOptions].filter(Boolean).join(' ');
}

/** Starts the server without waiting (`pg_ctl start -W`): the caller polls `isAcceptingConnections`. */
export function pgCtlStart(server: PostgresServer, timeoutMs: number): Promise<CommandResult> {
  return asUser(server, 'pg_ctl', ['start', '-W', '-s', '-D', server.dataDirectory, '-l', server.logFile, '-o', serverOptions(server)], timeoutMs);
}

/** Asks the server to stop in `mode` without waiting (`pg_ctl stop -W`). */
export function pgCtlStop(server: PostgresServer, mode: 'smart' | 'fast' | 'immediate', timeoutMs: number): Promise<CommandResult> {
  return asUser(server, 'pg_ctl', ['stop', '-W', '-s', '-D', server.dataDirectory, '-m', mode], timeoutMs);
}

/** pg_isready's answer: 0 accepting, 1 rejecting (starting), 2 no response, 3 no attempt. */
export async function pgIsReady(server: PostgresServer, timeoutMs: number): Promise<number> {
  const seconds = String(Math.max(1, Math.floor(timeoutMs / 1000)));
  const result = await asUser(server, 'pg_isready', ['-q', '-h', server.socketDirectory, '-p', String(server.port), '-t', seconds], timeoutMs + 1000);
  return result.exitCode ?? 2;
}

/**
 * Runs `sql` through psql over the Unix socket as the OS user (peer or trust
 * authentication), stopping at the first error. `variables` become psql
 * variables (`:'name'` in the text).
 */
export function runSql(server: PostgresServer, database: string, sql: string, timeoutMs: number, variables: Record<string, string> = {}): Promise<CommandResult> {
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', server.socketDirectory, '-p', String(server.port), '-U', server.user.name, '-d', database];
  for (const [name, value] of Object.entries(variables)) args.push('-v', `${name}=${value}`);
  return asUser(server, 'psql', [...args, '-f', '-'], timeoutMs, sql);
}

/** The major version of the server binaries (`postgres --version`), e.g. "15"; undefined when it cannot tell. */
export async function binariesMajorVersion(server: PostgresServer): Promise<string | undefined> {
  const result = await runCommand(path.join(server.bindir, 'postgres'), ['--version'], { timeoutMs: 10_000 });
  return /\(PostgreSQL\)\s+(\d+)/.exec(result.stdout)?.[1];
}

function tryBind(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Why the server's port cannot be used now, or undefined when it can: another
 * server answers on the Unix socket, or a TCP listen address is taken.
 * Addresses not on this host (EADDRNOTAVAIL) are left to the server to report.
 */
export async function portInUse(server: PostgresServer): Promise<string | undefined> {
  const socketPath = path.join(server.socketDirectory, `.s.PGSQL.${server.port}`);
  if (existsSync(socketPath) && (await socketAnswers(socketPath))) {
    const owner = readPostmasterPid(socketLockFile(server));
    const who = owner === undefined ? 'another process' : `postmaster pid ${owner.pid} of data directory ${owner.dataDirectory}`;
    return `port ${server.port} is in use: socket ${socketPath} is answered by ${who}`;
  }
  const hosts = server.listenAddresses.split(',').map((host) => host.trim()).filter(Boolean)
    .flatMap((host) => (host === '*' ? ['0.0.0.0', '::'] : host === 'localhost' ? ['127.0.0.1'] : [host]));
  for (const host of hosts) {
    const error = await tryBind(server.port, host);
    if (error?.code === 'EADDRINUSE') return `port ${server.port} is in use on ${host} by another process`;
  }
  return undefined;
}

/** The last `lines` lines of the server's log file (for exit reasons); empty when unreadable. */
export function logTail(server: PostgresServer, lines = 3): string {
  try {
    return readFileSync(server.logFile, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return ''; // no log yet: nothing to quote
  }
}
