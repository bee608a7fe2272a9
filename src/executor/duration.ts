/**
 * Durations given to the executor (`--timeout 20s`), parsed as the CIB
 * parses them (src/cib/values.ts: a number with an optional unit, seconds
 * when there is none, or an ISO 8601 duration), but refused with a message
 * instead of answered with undefined.
 */
import { parseIntervalMs } from '../cib/values.js';
import { ExecutorInputError } from './errors.js';

/**
 * Parses a duration into milliseconds.
 * @throws ExecutorInputError naming `field` and the text when it is not a
 * non-negative number with a known unit.
 */
export function parseDurationMs(text: string, field = 'duration'): number {
  const milliseconds = parseIntervalMs(text);
  if (milliseconds === undefined) {
    throw new ExecutorInputError(`${field}: '${text}' is not a duration (examples: 20s, 500ms, 2min, 1h, PT30S; a bare number is seconds)`, { field, value: text });
  }
  return milliseconds;
}
