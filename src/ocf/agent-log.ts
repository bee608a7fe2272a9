/**
 * The agent's log: plain lines to stderr in the format of ocf-shellfuncs'
 * ocf_log (`<type>(<instance>)[<pid>]: INFO: text`). Deliberately not pino:
 * an agent process must start fast, and a manager reads its stderr as text.
 */

export type AgentLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface AgentLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * A log that formats each line and hands it to `write`. Debug lines are
 * written only when `trace` is set (OCF_TRACE_RA).
 */
export function createAgentLog(prefix: string, trace: boolean, write: (line: string) => void): AgentLog {
  const emit = (level: AgentLogLevel, message: string): void => {
    if (level === 'debug' && !trace) return;
    write(`${prefix}: ${level.toUpperCase()}: ${message}\n`);
  };
  return {
    debug: (message) => emit('debug', message),
    info: (message) => emit('info', message),
    warn: (message) => emit('warn', message),
    error: (message) => emit('error', message),
  };
}
