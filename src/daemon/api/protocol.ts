/**
 * The local API's wire format: one JSON object per line over a unix socket.
 * Requests `{id, method, params}`, replies `{id, ok: true, result}` or
 * `{id, ok: false, error: {code, message, exitCode}}`. Pure: no sockets here
 * (src/json-lines-socket.ts carries the lines).
 */
import { TandemError, ExitCode } from '../../errors.js';

/** A frame larger than this is refused and the connection closed. */
export const maxFrameBytes = 4 * 1024 * 1024;

export interface ApiRequest {
  id: number;
  method: string;
  params: Record<string, unknown>;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  exitCode: number;
  context?: Record<string, unknown>;
}

export type ApiReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: ApiErrorBody };

/** A request that is not valid JSON or lacks a field; `context.field` names it. */
export class BadRequestError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_BAD_REQUEST', message, { exitCode: ExitCode.protocol, context });
  }
}

const methodPattern = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * Decodes one request line.
 * @throws BadRequestError naming what is wrong (JSON, id, method, params).
 */
export function decodeRequest(line: string): ApiRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new BadRequestError(`request is not JSON: ${(error as Error).message}`, { field: 'body' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('request must be a JSON object', { field: 'body' });
  const record = value as Record<string, unknown>;
  const { id, method, params } = record;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new BadRequestError('request id must be a non-negative integer', { field: 'id' });
  if (typeof method !== 'string' || !methodPattern.test(method)) throw new BadRequestError(`bad method name ${JSON.stringify(method)}`, { field: 'method', id });
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new BadRequestError('params must be a JSON object', { field: 'params', id });
  }
  return { id, method, params: (params ?? {}) as Record<string, unknown> };
}

/** Encodes a request as one line (without its newline). */
export function encodeRequest(request: ApiRequest): string {
  return JSON.stringify(request);
}

/** Encodes a reply as one line (without its newline). */
export function encodeReply(reply: ApiReply): string {
  return JSON.stringify(reply);
}

/** The error part of a reply, from any thrown value. */
export function errorBody(error: TandemError): ApiErrorBody {
  return { code: error.code, message: error.message, exitCode: error.exitCode, context: { ...error.context } };
}
