/**
 * Durations as Pacemaker writes them (crm_get_msec): a number with an
 * optional unit — ms/msec, us/usec, s/sec, m/min, h/hr — and seconds when
 * there is none (`20` is 20 s, as in `op start timeout=20`).
 */
import { ExecutorInputError } from './errors.js';

const msPerUnit = new Map<string, number>([
  ['ms', 1], ['msec', 1],
  ['us', 0.001], ['usec', 0.001],
  ['', 1000], ['s', 1000], ['sec', 1000],
  ['m', 60_000], ['min', 60_000],
  ['h', 3_600_000], ['hr', 3_600_000],
]);

/**
 * Parses a duration into whole milliseconds (rounded up, so `1us` is 1 ms).
 * @throws ExecutorInputError naming `field` and the text when it is not a
 * non-negative number with a known unit.
 */
export function parseDurationMs(text: string, field = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const factor = match ? msPerUnit.get((match[2] ?? '').toLowerCase()) : undefined;
  if (!match || factor === undefined) {
    throw new ExecutorInputError(`${field}: '${text}' is not a duration (examples: 20s, 500ms, 2min, 1h; a bare number is seconds)`, { field, value: text });
  }
  return Math.ceil(Number(match[1]) * factor);
}
