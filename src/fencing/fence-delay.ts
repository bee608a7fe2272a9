/**
 * How long a node waits before it shoots a lost peer, so that in a two-node
 * split both sides do not shoot at once and the right side survives:
 * 1. a side cut off from its ping targets never shoots (it is the one cut off),
 *    nor does a node still waiting for every node since its start
 *    (wait_for_all): it may be the one just fenced and powered on again, and
 *    shooting the peer that runs the service would start a fence loop;
 * 2. priority first: shooting the peer that holds the more important
 *    resources waits `priority-fencing-delay`, so that peer shoots first
 *    (Pacemaker's priority-fencing-delay);
 * 3. then the device's fixed delay (`pcmk_delay_base`) and a random one up to
 *    `pcmk_delay_max`, which breaks ties between equal sides.
 * Pure: randomness is injected.
 */

export interface FenceDelayInput {
  /** Total priority of the resources the target runs (Pacemaker: sum of `priority` meta). */
  targetPriority: number;
  /** Total priority of the resources this node runs. */
  ownPriority: number;
  /** Whether this partition holds a majority of the votes (then no priority delay). */
  haveMajority: boolean;
  /** Whether this node's ping tiebreaker says it is isolated. */
  isolated: boolean;
  /** Whether this node has not seen every node since it started and wait_for_all holds (absent: false). */
  waitingForAll?: boolean;
  priorityFencingDelayMs: number;
  baseDelayMs: number;
  maxRandomDelayMs: number;
  /** Uniform in [0, 1); injected so the choice is testable. */
  random: () => number;
}

export type FenceDecision = { shoot: false; reason: string } | { shoot: true; delayMs: number };

/** Decides whether and after what delay this node may fence its lost peer. */
export function fenceDelay(input: FenceDelayInput): FenceDecision {
  if (input.isolated) return { shoot: false, reason: 'this node cannot reach any ping target: it is the isolated side' };
  if (input.waitingForAll === true) {
    return { shoot: false, reason: 'this node has not seen every node since it started (wait_for_all); if they are powered off: tandem quorum unblock' };
  }
  let delayMs = input.baseDelayMs;
  if (!input.haveMajority && input.targetPriority > input.ownPriority) delayMs += input.priorityFencingDelayMs;
  if (input.maxRandomDelayMs > input.baseDelayMs) {
    delayMs += Math.floor(input.random() * (input.maxRandomDelayMs - input.baseDelayMs));
  }
  return { shoot: true, delayMs };
}
