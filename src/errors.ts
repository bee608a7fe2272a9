/**
 * The one error base class of tandem. Every error carries a stable string
 * `code` (for scripts and tests), an `exitCode` (Pacemaker's crm_exit numbers
 * where one exists), readonly context fields naming what was at fault, and an
 * optional `cause`.
 */

/** Exit codes, following Pacemaker's crm_exit_t where one exists. */
export const ExitCode = {
  ok: 0,
  error: 1,
  invalidParam: 2,
  unimplemented: 3,
  insufficientPriv: 4,
  notInstalled: 5,
  notConfigured: 6,
  notRunning: 7,
  usage: 64,
  dataErr: 65,
  noInput: 66,
  unavailable: 69,
  software: 70,
  osErr: 71,
  cantCreate: 73,
  ioErr: 74,
  tempFail: 75,
  protocol: 76,
  noPermission: 77,
  config: 78,
  old: 103,
  digest: 104,
  noSuchObject: 105,
  quorum: 106,
  unsafe: 107,
  exists: 108,
  multiple: 109,
  expired: 110,
  notYetInEffect: 111,
  indeterminate: 112,
  unsatisfied: 113,
  timeout: 124,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface TandemErrorOptions {
  /** Process exit code a CLI should use for this error; default 1. */
  exitCode?: number;
  /** Structured fields naming what was at fault (file, line, id, field ...). */
  context?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

/** Base class of every error tandem throws. */
export class TandemError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: TandemErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.error;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, exitCode: this.exitCode, context: this.context };
  }
}

/** Bad command-line usage (exit 64). */
export class UsageError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_USAGE', message, { exitCode: ExitCode.usage, context });
  }
}

/** Invalid configuration: a file, line or field is wrong (exit 78). */
export class ConfigError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_CONFIG', message, { exitCode: ExitCode.config, context, cause });
  }
}

/** A named object (resource, node, constraint ...) does not exist (exit 105). */
export class NoSuchObjectError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_NO_SUCH_OBJECT', message, { exitCode: ExitCode.noSuchObject, context });
  }
}

/** An operation did not finish in time (exit 124). */
export class TimeoutError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('E_TIMEOUT', message, { exitCode: ExitCode.timeout, context, cause });
  }
}

/** Wraps anything thrown (including non-Error values) into a TandemError. */
export function asTandemError(thrown: unknown, code = 'E_INTERNAL'): TandemError {
  if (thrown instanceof TandemError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new TandemError(code, message, { exitCode: ExitCode.software, cause: thrown });
}
