/**
 * The op-digest recorded with each result, computed as Pacemaker does for
 * `lrm_rsc_op`: the instance parameters, plus the operation's own parameters
 * (OCF_CHECK_LEVEL), plus CRM_meta_timeout for a recurring operation. A
 * later change of any of them changes the digest, which is how the scheduler
 * notices that a resource must be restarted or a monitor re-created.
 */
import { opDigest } from '../cib/op-digest.js';
import type { ActionRequest } from './action.js';

/** The parameters that go into an action's digest. */
export function digestParams(request: ActionRequest): Record<string, string> {
  const params: Record<string, string> = { ...request.params };
  if (request.checkLevel !== undefined) params['OCF_CHECK_LEVEL'] = String(request.checkLevel);
  if ((request.intervalMs ?? 0) > 0) params['CRM_meta_timeout'] = String(request.timeoutMs);
  return params;
}

/** md5 op-digest of an action's parameters. */
export function actionDigest(request: ActionRequest): string {
  return opDigest(digestParams(request));
}
