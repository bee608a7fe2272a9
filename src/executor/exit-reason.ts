/**
 * The exit reason an agent gives: the text after the last `ocf-exit-reason:`
 * line on stderr (what ocf_exit_reason writes, and what Pacemaker shows as
 * exit-reason in the operation history).
 */
export const exitReasonPrefix = 'ocf-exit-reason:';

/** Pacemaker keeps at most this many characters of a reason. */
const maxReasonChars = 128;

/** The last exit reason in `stderrText`, trimmed, or undefined. */
export function parseExitReason(stderrText: string): string | undefined {
  let reason: string | undefined;
  for (const line of stderrText.split('\n')) {
    const at = line.indexOf(exitReasonPrefix);
    if (at >= 0) reason = line.slice(at + exitReasonPrefix.length).trim();
  }
  if (reason === undefined || reason === '') return undefined;
  return reason.length > maxReasonChars ? reason.slice(0, maxReasonChars) : reason;
}
