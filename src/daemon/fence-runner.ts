/**
 * How the DC fences a node: the first configured stonith device, run on
 * this node, after the delay fence-delay.ts decides (an isolated node never
 * shoots; priority-fencing-delay; the device's base and random delays), and
 * only if, after that delay, the target is still lost and this node still DC.
 */
import type { Clock } from '../clock.js';
import { ExitCode, TandemError } from '../errors.js';
import type { Logger } from '../log.js';
import type { XmlElement } from '../cib/xml.js';
import type { ExecutedResult } from '../controller/controller.js';
import { fenceDecision } from '../controller/fence-plan.js';
import type { NodeExecutor } from '../controller/node-executor.js';
import type { PlannedAction } from '../controller/transition-plan.js';
import type { Member } from '../membership/member.js';

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

/**
 * Fences `action.node` with `action.operation` (off or reboot).
 * @throws TandemError E_NO_FENCE_DEVICE, E_FENCE_REFUSED (isolated) or
 * E_FENCE_CANCELLED (the target came back, or this node stopped being DC).
 */
export async function runFence(action: PlannedAction, context: FenceContext): Promise<ExecutedResult> {
  const resources = context.cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'resources');
  const device = resources?.children.find((c) => c.name === 'primitive' && c.attrs.class === 'stonith');
  if (!device) throw new TandemError('E_NO_FENCE_DEVICE', `no stonith device configured to fence ${action.node}`, { exitCode: ExitCode.error });
  const params: Record<string, string> = {};
  for (const set of device.children.filter((c) => c.name === 'instance_attributes')) {
    for (const pair of set.children) if (pair.attrs.name !== undefined) params[pair.attrs.name] = pair.attrs.value ?? '';
  }
  const status = context.member.status();
  const decision = fenceDecision(context.cib, params, {
    self: context.self, target: action.node, isolated: status.isolated, random: Math.random, now: new Date(context.clock.nowMs()),
    haveMajority: status.quorum.votes * 2 > status.quorum.expectedVotes,
  });
  if (!decision.shoot) throw new TandemError('E_FENCE_REFUSED', `not fencing ${action.node}: ${decision.reason}`, { exitCode: ExitCode.error });
  if (decision.delayMs > 0) {
    context.log.warn({ target: action.node, delayMs: decision.delayMs }, 'fencing delayed');
    await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    const reason = context.stillWanted();
    if (reason !== undefined) throw new TandemError('E_FENCE_CANCELLED', reason, { exitCode: ExitCode.error });
  }
  context.log.warn({ target: action.node, device: device.attrs.id }, 'fencing');
  return context.executor.fence({ id: device.attrs.id ?? 'stonith', type: device.attrs.type ?? '', params }, action.node, action.operation, action.timeoutMs);
}
