/**
 * Pacemaker's scalar value syntaxes: time intervals and booleans, parsed the
 * way Pacemaker's own helpers (crm_get_msec, crm_parse_interval_spec,
 * crm_is_true) accept them. Scores have their own module, score.ts.
 */

const unitMs: Record<string, number> = {
  '': 1000, s: 1000, sec: 1000, ms: 1, msec: 1, us: 0.001, usec: 0.001,
  m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000,
};

/**
 * Parses an ISO 8601 duration (`P1DT2H`, `PT30S`, `P2W`) into milliseconds
 * the way Pacemaker's crm_time_parse_duration does: `M` is months before
 * `T` and minutes after it, `H` and `S` are accepted on either side (so
 * Pacemaker's own tests' `P10S` works). Months count 30 days, years 365.
 */
export function parseIsoDurationMs(text: string): number | undefined {
  const trimmed = text.trim().toUpperCase();
  if (!trimmed.startsWith('P')) return undefined;
  const secondsPer: Record<string, number> = { Y: 365 * 86400, W: 7 * 86400, D: 86400, H: 3600, S: 1 };
  let timePart = false;
  let totalSeconds = 0;
  let components = 0;
  const pattern = /(\d+(?:\.\d+)?)([YMWDHS])|(T)/gy;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < trimmed.length) {
    const match = pattern.exec(trimmed);
    if (!match) return undefined;
    if (match[3]) {
      timePart = true;
      continue;
    }
    const unit = match[2] as string;
    const perUnit = unit === 'M' ? (timePart ? 60 : 30 * 86400) : secondsPer[unit] ?? 0;
    totalSeconds += Number(match[1]) * perUnit;
    components++;
  }
  return components === 0 ? undefined : Math.round(totalSeconds * 1000);
}

/**
 * Parses a time or interval value as Pacemaker does: a number with an
 * optional unit (ms, msec, us, usec, s, sec, m, min, h, hr; none = seconds),
 * or an ISO 8601 duration starting with P. Returns undefined when invalid.
 */
export function parseIntervalMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^P/i.test(trimmed)) return parseIsoDurationMs(trimmed);
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(trimmed);
  if (!match) return undefined;
  const factor = unitMs[(match[2] ?? '').toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

const trueWords = new Set(['true', 'on', 'yes', 'y', '1']);
const falseWords = new Set(['false', 'off', 'no', 'n', '0']);

/**
 * Pacemaker's crm_is_true, for reading (not validating) a flag: true only
 * for a true word, compared as is (no trimming, as Pacemaker does); anything
 * else is false, and `fallback` stands for an absent value.
 */
export function isTrue(text: string | undefined, fallback = false): boolean {
  return text === undefined ? fallback : trueWords.has(text.toLowerCase());
}

/** Pacemaker's crm_str_to_boolean: undefined when the text is not a boolean. */
export function parseBoolean(text: string): boolean | undefined {
  const lowered = text.trim().toLowerCase();
  if (trueWords.has(lowered)) return true;
  if (falseWords.has(lowered)) return false;
  return undefined;
}
