/**
 * The environment Pacemaker gives an OCF agent (lib/services, add_action_env_vars):
 * each instance parameter as OCF_RESKEY_<name>; the operation's meta
 * attributes as OCF_RESKEY_CRM_meta_<name> (timeout in ms always; interval in
 * ms only for recurring operations, so an agent sees a probe as a monitor
 * without interval); OCF_RA_VERSION_MAJOR/MINOR, OCF_ROOT,
 * OCF_EXIT_REASON_PREFIX, OCF_RESOURCE_INSTANCE/TYPE/PROVIDER.
 */
import type { ActionRequest } from './action.js';
import { exitReasonPrefix } from './exit-reason.js';

/** The OCF API version this executor speaks (1.1). */
export const ocfApiVersion = { major: '1', minor: '1' } as const;

/**
 * The executor's own environment, as Pacemaker's agents inherit execd's,
 * minus instance parameters and OCF variables left over from a caller (so
 * that `tandem ra exec` run from inside an agent does not leak them).
 */
function inheritedEnvironment(parentEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parentEnv)) {
    if (value === undefined) continue;
    if (name.startsWith('OCF_') && name !== 'OCF_TRACE_RA' && name !== 'OCF_TRACE_FILE') continue;
    env[name] = value;
  }
  env['PATH'] ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return env;
}

/**
 * Builds the environment of one OCF action. `OCF_CHECK_LEVEL` goes both ways
 * Pacemaker users meet it: as the op parameter OCF_RESKEY_OCF_CHECK_LEVEL
 * (what ocf-shellfuncs reads) and as OCF_CHECK_LEVEL itself (what the spec names).
 */
export function ocfEnvironment(request: ActionRequest, ocfRoot: string, parentEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env = inheritedEnvironment(parentEnv);
  for (const [name, value] of Object.entries(request.params)) env[`OCF_RESKEY_${name}`] = value;
  for (const [name, value] of Object.entries(request.meta ?? {})) env[`OCF_RESKEY_CRM_meta_${name}`] = value;
  env['OCF_RESKEY_CRM_meta_timeout'] = String(request.timeoutMs);
  const intervalMs = request.intervalMs ?? 0;
  if (intervalMs > 0) env['OCF_RESKEY_CRM_meta_interval'] = String(intervalMs);
  else delete env['OCF_RESKEY_CRM_meta_interval'];
  if (request.checkLevel !== undefined) {
    env['OCF_RESKEY_OCF_CHECK_LEVEL'] = String(request.checkLevel);
    env['OCF_CHECK_LEVEL'] = String(request.checkLevel);
  }
  env['OCF_RA_VERSION_MAJOR'] = ocfApiVersion.major;
  env['OCF_RA_VERSION_MINOR'] = ocfApiVersion.minor;
  env['OCF_ROOT'] = ocfRoot;
  env['OCF_EXIT_REASON_PREFIX'] = exitReasonPrefix;
  env['OCF_RESOURCE_INSTANCE'] = request.resource;
  env['OCF_RESOURCE_TYPE'] = request.agent.type;
  if (request.agent.provider !== undefined) env['OCF_RESOURCE_PROVIDER'] = request.agent.provider;
  return env;
}

/** The environment of an LSB script or fence agent: no OCF variables (Pacemaker adds none). */
export function plainEnvironment(parentEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return inheritedEnvironment(parentEnv);
}
