/**
 * The error an agent's action handler throws to end the action with a given
 * OCF exit code and an exit reason (printed as `ocf-exit-reason:<text>`).
 */
import { TandemError } from '../errors.js';
import { ocfExitName } from './exit-codes.js';

/** An action ends with OCF exit code `rc` for the reason in `message`. */
export class OcfError extends TandemError {
  readonly rc: number;

  constructor(rc: number, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(`E_${ocfExitName(rc)}`, message, { exitCode: rc, context, cause });
    this.rc = rc;
  }
}
