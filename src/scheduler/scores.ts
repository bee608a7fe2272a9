/**
 * Pacemaker's score arithmetic: scores saturate at ±INFINITY (1000000) and
 * -INFINITY wins over +INFINITY (a ban beats any preference).
 */
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
 * Parses a score string ("INFINITY", "+INFINITY", "-INFINITY", "red"/"green"/"yellow"
 * health names are not supported here, integers). Unparsable text scores 0,
 * as char2score does.
 */
export function parseScore(text: string | undefined, fallback = 0): number {
  if (text === undefined) return fallback;
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'infinity' || trimmed === '+infinity') return INFINITY;
  if (trimmed === '-infinity') return -INFINITY;
  const parsed = Number.parseInt(trimmed, 10);
  if (Number.isNaN(parsed)) return fallback;
  return clampScore(parsed);
}

/** Formats a score as Pacemaker prints it. */
export function formatScore(score: number): string {
  if (score >= INFINITY) return 'INFINITY';
  if (score <= -INFINITY) return '-INFINITY';
  return String(score);
}
