/**
 * Pacemaker's score: an integer saturated at ±INFINITY (1000000), written
 * `INFINITY`, `+INFINITY`, `-INFINITY` or as an integer, where -INFINITY wins
 * over +INFINITY (a ban beats any preference).
 *
 * The one owner of score syntax and arithmetic. It lives in cib (not
 * scheduler) because the scheduler already depends on cib; cib validates
 * scores strictly, the scheduler reads them leniently like char2score.
 * The node-health words red/yellow/green are not supported.
 */

/** Pacemaker's INFINITY: every score is clamped to ±1000000. */
export const INFINITY = 1_000_000;

/** Clamps a number into [-INFINITY, INFINITY]. */
export function clampScore(score: number): number {
  if (score >= INFINITY) return INFINITY;
  if (score <= -INFINITY) return -INFINITY;
  return score;
}

/** Adds two scores as pcmk__add_scores does: -INFINITY first, then +INFINITY, else clamped sum. */
export function addScores(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  if (a >= INFINITY || b >= INFINITY) return INFINITY;
  return clampScore(a + b);
}

/**
 * Parses a score strictly: `INFINITY`, `+INFINITY`, `-INFINITY` (any case),
 * or an integer with an optional sign, clamped to ±INFINITY. Returns
 * undefined for anything else, so the CIB can report the bad value where
 * Pacemaker would silently read it as 0.
 */
export function parseScore(text: string): number | undefined {
  const trimmed = text.trim();
  const infinity = /^([+-]?)INFINITY$/i.exec(trimmed);
  if (infinity) return infinity[1] === '-' ? -INFINITY : INFINITY;
  if (!/^[+-]?\d+$/.test(trimmed)) return undefined;
  return clampScore(Number(trimmed));
}

/**
 * Parses a score leniently, as Pacemaker's char2score does for the
 * scheduler: what {@link parseScore} accepts, else the integer prefix
 * (`12abc` is 12, as strtoll reads it), else `fallback` (also when absent).
 */
export function parseScoreOr(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const strict = parseScore(text);
  if (strict !== undefined) return strict;
  const prefix = Number.parseInt(text.trim(), 10);
  return Number.isNaN(prefix) ? fallback : clampScore(prefix);
}

/** Formats a score as Pacemaker writes it. */
export function formatScore(score: number): string {
  if (score >= INFINITY) return 'INFINITY';
  if (score <= -INFINITY) return '-INFINITY';
  return String(score);
}
