/** Typed errors of the scheduler room. */
import { ExitCode, TandemError } from '../errors.js';

/** The CIB given to the scheduler lacks what scheduling needs. */
export class SchedulerInputError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_SCHEDULER_INPUT', message, { exitCode: ExitCode.dataErr, context });
  }
}
