/**
 * Typed errors of the executor. Bad input (an agent name that does not
 * parse, a bad `name=value`, a bad duration) is refused before anything runs.
 */
import { ExitCode, TandemError } from '../errors.js';

/** An agent name, parameter or duration given by a user is malformed (exit 64). */
export class ExecutorInputError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_EXECUTOR_INPUT', message, { exitCode: ExitCode.usage, context });
  }
}

/** The named agent does not exist on this node (exit 5, OCF "not installed"). */
export class AgentNotFoundError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_AGENT_NOT_FOUND', message, { exitCode: ExitCode.notInstalled, context });
  }
}

/** A systemd unit could not be driven over D-Bus (exit 69, unavailable). */
export class SystemdUnavailableError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_SYSTEMD_UNAVAILABLE', message, { exitCode: ExitCode.unavailable, context, cause });
  }
}
