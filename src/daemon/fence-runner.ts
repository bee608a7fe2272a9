/**
 * How the DC fences a node, as Pacemaker's fencer does:
 * 1. which devices can fence the target (pcmk_host_list / pcmk_host_map /
 *    pcmk_host_check, asking the agent for `list`, `status` or its meta-data
 *    when the check needs it) and under which plug;
 * 2. the levels to try (fencing-topology; without one, each capable device);
 * 3. whether and when to shoot (fence-delay.ts): a fresh ping round first,
 *    so a side cut off from its gateway never shoots; nor a node still
 *    waiting for all nodes since its start (no fence loop); priority-fencing-delay;
 *    the first device's pcmk_delay_base / pcmk_delay_max;
 * 4. after the delay, again: the target still lost, this node still DC, and
 *    a fresh ping still answered (a node being powered off by its peer loses
 *    its links first, so it does not shoot back);
 * 5. the levels in order: every device of a level must succeed, else the
 *    next level; with several devices a reboot is all off, then all on;
 *    each agent run gets pcmk_<action>_timeout, else stonith-timeout.
 */
import type { Clock } from '../clock.js';
import { ExitCode, TandemError } from '../errors.js';
import type { Logger } from '../log.js';
import type { XmlElement } from '../cib/xml.js';
import { parseIntervalMs } from '../cib/values.js';
import type { ExecutedResult } from '../controller/controller.js';
import { fenceDecision } from '../controller/fence-plan.js';
import type { NodeExecutor } from '../controller/node-executor.js';
import type { PlannedAction } from '../controller/transition-plan.js';
import type { Member } from '../membership/member.js';
import { actionTimeoutMs, agentActionsFromMetadata, agentParams, canDeviceFence, hostCheckOf, parseListOutput, plugFor, type FenceDevice } from '../fencing/device-targets.js';
import { fencingLevels, fencingPlan, levelSteps } from '../fencing/topology.js';
import { waitingForAll } from '../membership/quorum.js';

/** Time allowed to a fence agent's list, status or meta-data. */
const queryTimeoutMs = 20_000;

export interface FenceContext {
  cib: XmlElement;
  self: string;
  member: Member;
  executor: NodeExecutor;
  log: Logger;
  clock: Clock;
  /** Checked after the delay: why the fencing is no longer wanted, or undefined to go on. */
  stillWanted: () => string | undefined;
}

/** The configured stonith primitives, in configuration order (the fencer's `pcmk_*` parameters included). */
export function fenceDevices(cib: XmlElement): FenceDevice[] {
  const resources = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'resources');
  const devices: FenceDevice[] = [];
  for (const element of resources?.children ?? []) {
    if (element.name !== 'primitive' || element.attrs.class !== 'stonith') continue;
    const params: Record<string, string> = {};
    for (const set of element.children.filter((c) => c.name === 'instance_attributes')) {
      for (const pair of set.children) if (pair.attrs.name !== undefined) params[pair.attrs.name] = pair.attrs.value ?? '';
    }
    devices.push({ id: element.attrs.id ?? 'stonith', type: element.attrs.type ?? '', params });
  }
  return devices;
}

/** Whether this device can fence `target`, asking the agent when its host check needs it. */
async function capability(device: FenceDevice, target: string, context: FenceContext): Promise<ReturnType<typeof canDeviceFence>> {
  const explicit = device.params.pcmk_host_check !== undefined || device.params.pcmk_host_list !== undefined || device.params.pcmk_host_map !== undefined;
  let actions: Set<string> | undefined;
  if (!explicit) {
    const { result, stdout } = await context.executor.fenceAgent(device, 'metadata', agentParams(device, ''), actionTimeoutMs(device, 'metadata', queryTimeoutMs));
    actions = result.rc === 0 ? agentActionsFromMetadata(stdout) : undefined;
  }
  const check = hostCheckOf(device, actions);
  if (check === 'dynamic-list') {
    const { result, stdout } = await context.executor.fenceAgent(device, 'list', agentParams(device, ''), actionTimeoutMs(device, 'list', queryTimeoutMs));
    return canDeviceFence(device, target, check, result.rc === 0 ? { listed: parseListOutput(stdout) } : {});
  }
  if (check === 'status') {
    const { result } = await context.executor.fenceAgent(device, 'status', agentParams(device, plugFor(device, target)), actionTimeoutMs(device, 'status', queryTimeoutMs));
    // the executor maps status' "off" (2) to not running (7)
    return canDeviceFence(device, target, check, { statusRc: result.rc === 7 ? 2 : result.rc });
  }
  return canDeviceFence(device, target, check);
}

async function isolatedNow(context: FenceContext): Promise<boolean> {
  const ping = await context.member.pingNow();
  return ping?.isolated ?? false;
}

/**
 * Fences `action.node` with `action.operation` (off or reboot).
 * Resolves with the result of the level that succeeded, or a failed result
 * (rc 1) when every level failed.
 * @throws TandemError E_NO_FENCE_DEVICE (no device can fence the target),
 * E_FENCE_REFUSED (this side is isolated) or E_FENCE_CANCELLED (the target
 * came back, this node stopped being DC, or lost its ping targets meanwhile).
 */
export async function runFence(action: PlannedAction, context: FenceContext): Promise<ExecutedResult> {
  const target = action.node;
  // Pacemaker's DC never fences itself either: a CIB that says so is out of date
  if (target === context.self) throw new TandemError('E_FENCE_REFUSED', `not fencing ${target}: a node does not fence itself`, { exitCode: ExitCode.error });
  const devices = fenceDevices(context.cib);
  const capable = new Map<string, { device: FenceDevice; plug: string }>();
  const unable = new Map<string, string>();
  for (const device of devices) {
    const answer = await capability(device, target, context);
    if (answer.can) capable.set(device.id, { device, plug: answer.plug });
    else unable.set(device.id, answer.reason);
  }
  const { levels, problems } = fencingLevels(context.cib);
  for (const problem of problems) context.log.warn({ problem }, 'fencing topology level ignored');
  const plan = fencingPlan(levels, target, [...capable.keys()]);
  if (plan.length === 0) {
    throw new TandemError('E_NO_FENCE_DEVICE', `no fence device can fence ${target}${unable.size > 0 ? ` (${[...unable.values()].join('; ')})` : ''}`, { exitCode: ExitCode.error });
  }
  const first = devices.find((device) => device.id === plan[0]?.devices[0]);
  const status = context.member.status();
  const decision = fenceDecision(context.cib, first?.params ?? {}, {
    self: context.self, target, isolated: await isolatedNow(context), random: Math.random, now: new Date(context.clock.nowMs()),
    haveMajority: status.quorum.votes * 2 > status.quorum.expectedVotes,
    waitingForAll: waitingForAll(status.quorum),
  });
  if (!decision.shoot) throw new TandemError('E_FENCE_REFUSED', `not fencing ${target}: ${decision.reason}`, { exitCode: ExitCode.error });
  if (decision.delayMs > 0) {
    context.log.warn({ target, delayMs: decision.delayMs }, 'fencing delayed');
    await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    const reason = context.stillWanted() ?? ((await isolatedNow(context)) ? `lost every ping target during the fencing delay: not fencing ${target}` : undefined);
    if (reason !== undefined) throw new TandemError('E_FENCE_CANCELLED', reason, { exitCode: ExitCode.error });
  }
  context.log.warn({ target, levels: plan }, 'fencing');
  let last: ExecutedResult | undefined;
  for (const level of plan) {
    const outcome = await runLevel(level.devices, target, action, capable, context);
    last = outcome.result;
    if (outcome.ok) {
      context.log.warn({ target, level: level.index, devices: level.devices }, 'fenced');
      return outcome.result;
    }
    context.log.error({ target, level: level.index, devices: level.devices, reason: outcome.reason }, 'fencing level failed');
  }
  return { ...(last ?? failedResult(context)), rc: 1, exitReason: `every fencing level failed for ${target}` };
}

async function runLevel(deviceIds: readonly string[], target: string, action: PlannedAction, capable: ReadonlyMap<string, { device: FenceDevice; plug: string }>, context: FenceContext): Promise<{ ok: boolean; result: ExecutedResult; reason?: string }> {
  let result = failedResult(context);
  const missing = deviceIds.find((id) => !capable.has(id));
  if (missing !== undefined) return { ok: false, result, reason: `device ${missing} does not exist or cannot fence ${target}` };
  const operation = action.operation === 'off' ? 'off' : 'reboot';
  for (const step of levelSteps(deviceIds, operation)) {
    const entry = capable.get(step.device);
    if (entry === undefined) continue;
    ({ result } = await context.executor.fenceAgent(entry.device, step.action, agentParams(entry.device, entry.plug), actionTimeoutMs(entry.device, step.action, stonithTimeoutMs(context.cib, action.timeoutMs))));
    if (result.rc !== 0) return { ok: false, result, reason: `${step.device} ${step.action} of ${target}: rc ${result.rc} ${result.exitReason ?? ''}`.trim() };
  }
  return { ok: true, result };
}

/** The stonith-timeout cluster option, else `defaultMs`. */
function stonithTimeoutMs(cib: XmlElement, defaultMs: number): number {
  const crmConfig = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'crm_config');
  for (const set of crmConfig?.children ?? []) for (const pair of set.children) {
    if (pair.attrs.name === 'stonith-timeout') return parseIntervalMs(pair.attrs.value ?? '') ?? defaultMs;
  }
  return defaultMs;
}

function failedResult(context: FenceContext): ExecutedResult {
  const nowMs = context.clock.nowMs();
  return { rc: 1, status: 'error', callId: 0, opDigest: '', startedAtMs: nowMs, runTimeMs: 0, queueTimeMs: 0 };
}
