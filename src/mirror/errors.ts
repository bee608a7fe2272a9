/** Typed errors of the mirror room. */
import { ExitCode, TandemError } from '../errors.js';

/** Generic mirror failure with a stable code. */
export class MirrorError extends TandemError {
  constructor(code: string, message: string, context: Record<string, unknown> = {}, exitCode: number = ExitCode.error, cause?: unknown) {
    super(code, message, { exitCode, context, cause });
  }
}

/** An I/O request on a leg failed or timed out (exit 74). */
export class LegIoError extends MirrorError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_LEG_IO', message, context, ExitCode.ioErr, cause);
  }
}

/** A request lies outside the volume (maps to EINVAL on the wire). */
export class OutOfRangeError extends MirrorError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_RANGE', message, context, ExitCode.invalidParam);
  }
}

/** A leg's metadata is missing, corrupt or belongs to another volume (exit 65). */
export class MetadataError extends MirrorError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_METADATA', message, context, ExitCode.dataErr, cause);
  }
}

/** Starting would be unsafe: split brain, claimed by another node, no usable leg (exit 107). */
export class UnsafeError extends MirrorError {
  constructor(code: string, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context, ExitCode.unsafe);
  }
}
