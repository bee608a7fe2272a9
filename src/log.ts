/**
 * Logging: pino, structured, one child logger per part. Logs go to stderr so
 * that a command's stdout stays clean for its output (text, json, xml).
 * Level from TANDEM_LOG_LEVEL (default `info`; tests may set `silent`).
 */
import { pino, destination, type Logger } from 'pino';

export type { Logger } from 'pino';

let root: Logger | undefined;

function rootLogger(): Logger {
  root ??= pino(
    { level: process.env['TANDEM_LOG_LEVEL'] ?? 'info', base: { pid: process.pid } },
    destination({ dest: 2, sync: true }),
  );
  return root;
}

/** Returns the logger of one part of tandem, e.g. `logger('membership')`. */
export function logger(part: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ part, ...bindings });
}
