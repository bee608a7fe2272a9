/**
 * The warnings and errors an agent wrote to its log (ocf_log's
 * `<type>(<instance>)[<pid>]: WARNING: text` lines, tandem's agents write
 * `WARN:`): the executor puts them in the daemon's log, as Pacemaker's
 * executor logs an agent's stderr, so an admin sees "mirror DEGRADED" from a
 * monitor that still succeeds. Info and debug lines stay out (a monitor runs
 * every few seconds). Pure.
 */

const warningLine = /:\s(WARN|WARNING|ERROR|CRIT):\s/;

/** The agent log lines of `stderrTail` that are warnings or errors, trimmed; at most `limit` (default 20). */
export function agentWarnings(stderrTail: string, limit = 20): string[] {
  return stderrTail.split('\n').map((line) => line.trim()).filter((line) => warningLine.test(line)).slice(0, limit);
}
