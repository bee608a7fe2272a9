/** Typed errors of the membership layer. */
import { ExitCode, TandemError } from '../errors.js';

/** A heartbeat link cannot be opened (address not local, port taken, no device). */
export class LinkError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_MEMBERSHIP_LINK', message, { exitCode: ExitCode.osErr, context, cause });
  }
}

/** The local member is not running or its status socket does not answer. */
export class MemberUnavailableError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_MEMBERSHIP_UNAVAILABLE', message, { exitCode: ExitCode.unavailable, context, cause });
  }
}
