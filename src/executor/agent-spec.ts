/**
 * Agent names as Pacemaker writes them: `ocf:PROVIDER:TYPE`, `lsb:NAME`,
 * `systemd:UNIT`, `stonith:AGENT`. `service:NAME` is accepted as an alias of
 * lsb (no init system choice to make here).
 */
import { ExecutorInputError } from './errors.js';

export const agentStandards = ['ocf', 'lsb', 'systemd', 'stonith'] as const;
export type AgentStandard = (typeof agentStandards)[number];

export interface AgentSpec {
  standard: AgentStandard;
  /** Only for ocf. */
  provider?: string;
  /** Agent file name, init script name, unit name or fence agent name. */
  type: string;
}

// A path component: no slashes, not "." or "..", nothing that could escape
// the agent directory.
const safeName = /^(?!\.\.?$)[A-Za-z0-9_.@+-]+$/;

function checkName(what: string, value: string, text: string): string {
  if (!safeName.test(value)) {
    throw new ExecutorInputError(`agent '${text}': ${what} '${value}' is not a valid name (letters, digits, _ . @ + - only)`, { agent: text, field: what, value });
  }
  return value;
}

/**
 * Parses a class name (`ocf`, `lsb`, `service` as lsb, `systemd`, `stonith`), any case.
 * @throws ExecutorInputError naming the unknown class.
 */
export function parseAgentStandard(text: string, agentText?: string): AgentStandard {
  const lower = text.toLowerCase();
  const standard = lower === 'service' ? 'lsb' : lower;
  if (!(agentStandards as readonly string[]).includes(standard)) {
    const prefix = agentText === undefined ? '' : `agent '${agentText}': `;
    throw new ExecutorInputError(`${prefix}unknown class '${text}' (expected one of ${agentStandards.join(', ')})`, agentText === undefined ? { class: text } : { agent: agentText });
  }
  return standard as AgentStandard;
}

/**
 * Parses `class:provider:type` (ocf) or `class:type` (the others).
 * @throws ExecutorInputError naming the agent text and the part at fault.
 */
export function parseAgentSpec(text: string): AgentSpec {
  const parts = text.split(':');
  const standard = parseAgentStandard(parts[0] ?? '', text);
  if (standard === 'ocf') {
    if (parts.length !== 3) throw new ExecutorInputError(`agent '${text}': an ocf agent is written ocf:PROVIDER:TYPE`, { agent: text });
    return { standard, provider: checkName('provider', parts[1] ?? '', text), type: checkName('type', parts[2] ?? '', text) };
  }
  if (parts.length !== 2) throw new ExecutorInputError(`agent '${text}': a ${standard} agent is written ${standard}:NAME`, { agent: text });
  return { standard, type: checkName('type', parts[1] ?? '', text) };
}

/** The canonical text of an agent (`ocf:heartbeat:Dummy`). */
export function formatAgentSpec(spec: AgentSpec): string {
  return spec.standard === 'ocf' ? `ocf:${spec.provider ?? ''}:${spec.type}` : `${spec.standard}:${spec.type}`;
}
