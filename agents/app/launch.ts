/**
 * Starts the application detached: in a session and process group of its
 * own, stdin from /dev/null, stdout and stderr appended to the log file (so
 * it never holds the agent's stdout, which the manager waits on), optionally
 * as another user, and records who it is in the pid file.
 */
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { OcfError } from '../../src/ocf/errors.js';
import { readBootId, readCmdline, readProcStat } from './process-identity.js';
import { writePidFile, type AppRecord } from './pid-file.js';

export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly workdir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  readonly pidFile: string;
  readonly user?: UserInfo;
}

export interface UserInfo { readonly name: string; readonly uid: number; readonly gid: number; readonly home: string }

/** How the launched process ended, once it has (filled in by the exit event). */
export interface ExitWatch { exit?: string }

/**
 * Looks a user up through NSS (`getent passwd`), so LDAP/SSSD users work too.
 * @throws OcfError OCF_ERR_ARGS when this node does not know the user.
 */
export async function lookupUser(name: string): Promise<UserInfo> {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const fields = result.status === 0 ? result.stdout.split('\n')[0]?.split(':') : undefined;
  if (fields === undefined || fields.length < 7) throw new OcfError(OcfExit.ERR_ARGS, `user '${name}' does not exist on this node`, { user: name });
  return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/' };
}

/** The last line of the log file, to say why an application died (empty for /dev/null or no log). */
export function logTail(logFile: string): string {
  try {
    if (!statSync(logFile).isFile()) return '';
    const text = readFileSync(logFile, 'utf8');
    const lines = text.slice(-2000).trim().split('\n');
    return (lines[lines.length - 1] ?? '').slice(0, 300);
  } catch {
    return ''; // the tail only decorates a failure message
  }
}

/**
 * Spawns the application and writes its pid file.
 * @throws OcfError OCF_ERR_INSTALLED when the command cannot be executed,
 *   OCF_ERR_PERM when it may not be, OCF_ERR_GENERIC when it dies at once.
 */
export async function launchApp(spec: LaunchSpec): Promise<{ record: AppRecord; watch: ExitWatch }> {
  const { spawn } = await import('node:child_process');
  const logFd = openSync(spec.logFile, 'a', 0o640);
  const watch: ExitWatch = {};
  let pid: number;
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.workdir,
      env: spec.env,
      detached: true, // setsid(): own session and process group, no controlling terminal
      stdio: ['ignore', logFd, logFd],
      ...(spec.user === undefined ? {} : { uid: spec.user.uid, gid: spec.user.gid }),
    });
    child.on('exit', (code, signal) => { watch.exit = signal ? `killed by ${signal}` : `exited with code ${code}`; });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error: NodeJS.ErrnoException) => {
        const rc = error.code === 'EACCES' || error.code === 'EPERM' ? OcfExit.ERR_PERM : OcfExit.ERR_INSTALLED;
        reject(new OcfError(rc, `cannot execute ${spec.command}: ${error.message}`, { command: spec.command }, error));
      });
    });
    child.unref();
    pid = child.pid as number;
  } finally {
    closeSync(logFd);
  }
  const stat = readProcStat(pid);
  if (stat === undefined) {
    throw new OcfError(OcfExit.ERR_GENERIC, `${spec.command} exited at once${logTail(spec.logFile) ? `: ${logTail(spec.logFile)}` : ''}`);
  }
  const record: AppRecord = { pid, bootId: readBootId(), startTicks: stat.startTicks, cmdline: readCmdline(pid) };
  writePidFile(spec.pidFile, record);
  return { record, watch };
}
