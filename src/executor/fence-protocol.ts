/**
 * The fence-agents calling convention, reduced to what the executor needs
 * now: options as `name=value` lines on stdin (`action=` first), exit 0 for
 * success. The fencing issue extends this (topology, plug lists, unfencing).
 */
import { OcfExit } from '../ocf/exit-codes.js';

/**
 * The fence agent action for an executor action: a stonith resource's
 * monitor is the agent's `monitor`, its meta-data is `metadata`; starting
 * the resource checks that the device answers (`monitor`); stopping it
 * needs nothing from the device (undefined: nothing to run). Others pass
 * through (on, off, reboot, status, list ...).
 */
export function fenceAction(action: string): string | undefined {
  switch (action) {
    case 'meta-data': return 'metadata';
    case 'start': return 'monitor';
    case 'stop': return undefined;
    default: return action;
  }
}

/** The stdin of a fence agent: `action=...` then each parameter, one per line. */
export function fenceStdin(action: string, params: Readonly<Record<string, string>>): string {
  const lines = [`action=${action}`];
  for (const [name, value] of Object.entries(params)) {
    if (name === 'action') continue; // the action comes from the operation, not from a parameter
    // A newline in a value would smuggle in another option.
    lines.push(`${name}=${value.replaceAll('\n', ' ')}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The OCF result of a fence agent's exit: `status` returns 0 for on and 2
 * for off (fence-agents convention), which are running / not running;
 * anything else non-zero is a generic error.
 */
export function fenceResult(action: string, exitCode: number): number {
  if (exitCode === 0) return OcfExit.SUCCESS;
  if (action === 'status' && exitCode === 2) return OcfExit.NOT_RUNNING;
  return OcfExit.ERR_GENERIC;
}
