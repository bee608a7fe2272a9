/**
 * The environment an OCF resource manager gives an agent (Resource Agent API
 * 1.1, section "Environment variables"), read once into a typed value.
 */

/** What the manager told the agent about this call. */
export interface OcfEnvironment {
  /** OCF_ROOT, default /usr/lib/ocf. */
  readonly root: string;
  /** OCF_RESOURCE_INSTANCE: the resource's name (with `:N` for clone instances). */
  readonly instance: string;
  /** OCF_RESOURCE_TYPE: the agent's name. */
  readonly type: string;
  /** OCF_RESOURCE_PROVIDER. */
  readonly provider: string;
  /** OCF_RESKEY_CRM_meta_timeout in ms, or undefined when the manager gave none. */
  readonly timeoutMs: number | undefined;
  /** OCF_RESKEY_CRM_meta_interval in ms; undefined (unset) or 0 means a probe. */
  readonly intervalMs: number | undefined;
  /** OCF_CHECK_LEVEL: 0 (default), 10 or 20. */
  readonly checkLevel: number;
  /** OCF_TRACE_RA set to a true value. */
  readonly trace: boolean;
  /** HA_RSCTMP: where agents keep state that a reboot must clear; default /run/resource-agents. */
  readonly stateDir: string;
  /** The raw variables, for agents that honour other OCF_RESKEY_CRM_meta_* values. */
  readonly vars: Readonly<Record<string, string | undefined>>;
}

/** True for the spellings of "true" that ocf-shellfuncs' ocf_is_true and Pacemaker's crm_is_true accept. */
export function isTrueWord(value: string | undefined): boolean {
  if (value === undefined) return false;
  return ['1', 'yes', 'y', 'true', 'on', 'ja'].includes(value.trim().toLowerCase());
}

function nonNegativeInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Reads an OCF environment from `vars` (usually `process.env`). Never throws:
 * a malformed number is treated as absent, as shell agents do.
 */
export function readOcfEnvironment(vars: Readonly<Record<string, string | undefined>>, agentName = ''): OcfEnvironment {
  const checkLevel = nonNegativeInteger(vars['OCF_CHECK_LEVEL']) ?? 0;
  return {
    root: vars['OCF_ROOT'] || '/usr/lib/ocf',
    instance: vars['OCF_RESOURCE_INSTANCE'] ?? '',
    type: vars['OCF_RESOURCE_TYPE'] || agentName,
    provider: vars['OCF_RESOURCE_PROVIDER'] || 'tandem',
    timeoutMs: nonNegativeInteger(vars['OCF_RESKEY_CRM_meta_timeout']) || undefined,
    intervalMs: nonNegativeInteger(vars['OCF_RESKEY_CRM_meta_interval']),
    checkLevel,
    trace: isTrueWord(vars['OCF_TRACE_RA']),
    stateDir: vars['HA_RSCTMP'] || '/run/resource-agents',
    vars,
  };
}

/** A monitor with no interval (unset or 0) is a probe: "is it running here?". */
export function isProbe(action: string, env: OcfEnvironment): boolean {
  return action === 'monitor' && !env.intervalMs;
}
