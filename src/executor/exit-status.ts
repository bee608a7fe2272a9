/**
 * Maps what an agent returned to the OCF result Pacemaker records, the way
 * Pacemaker's lib/services does it (services__ocf2ocf, services__lsb2ocf).
 */
import { OcfExit, isOcfExitCode } from '../ocf/exit-codes.js';

/** LSB `status` codes (LSB core spec, plus Pacemaker's 150/151). */
export const LsbStatus = {
  OK: 0,
  DEAD_PID_FILE: 1,
  DEAD_LOCK_FILE: 2,
  NOT_RUNNING: 3,
  UNKNOWN: 4,
  NOT_INSTALLED: 150,
  INSUFFICIENT_PRIV: 151,
} as const;

/** An OCF agent's code: 0–9, 190, 191 kept, anything else is a generic error. */
export function ocfResult(exitCode: number): number {
  return isOcfExitCode(exitCode) ? exitCode : OcfExit.ERR_GENERIC;
}

/**
 * An LSB init script's code. `status` (and `monitor`, which runs as status)
 * has its own codes: 0 running; 1, 2, 3 not running; 150 not installed;
 * 151 insufficient privileges; anything else (4 "unknown" included) is a
 * generic error. Every other action shares codes 0–7 with OCF.
 */
export function lsbResult(action: string, exitCode: number): number {
  if (action !== 'status' && action !== 'monitor') {
    return exitCode >= 0 && exitCode <= OcfExit.NOT_RUNNING ? exitCode : OcfExit.ERR_GENERIC;
  }
  switch (exitCode) {
    case LsbStatus.OK: return OcfExit.SUCCESS;
    case LsbStatus.NOT_INSTALLED: return OcfExit.ERR_INSTALLED;
    case LsbStatus.INSUFFICIENT_PRIV: return OcfExit.ERR_PERM;
    case LsbStatus.DEAD_PID_FILE:
    case LsbStatus.DEAD_LOCK_FILE:
    case LsbStatus.NOT_RUNNING:
      return OcfExit.NOT_RUNNING;
    default: return OcfExit.ERR_GENERIC;
  }
}

/** True when the LSB spec (or Pacemaker) gives `exitCode` a meaning for `action`. */
export function lsbDefines(action: string, exitCode: number): boolean {
  if (action !== 'status' && action !== 'monitor') return exitCode >= 0 && exitCode <= OcfExit.NOT_RUNNING;
  return (Object.values(LsbStatus) as number[]).includes(exitCode);
}

/**
 * The OCF result of an `execve` failure (as services_handle_exec_error):
 * a missing or unrunnable file is "not installed", a permission problem is
 * "insufficient privileges", anything else a generic error.
 */
export function spawnErrorResult(errno: string | undefined): number {
  switch (errno) {
    case 'ENOENT': case 'EISDIR': case 'ENOTDIR': case 'EINVAL': case 'ENOEXEC':
      return OcfExit.ERR_INSTALLED;
    case 'EACCES': case 'EPERM':
      return OcfExit.ERR_PERM;
    default:
      return OcfExit.ERR_GENERIC;
  }
}
