/**
 * Quorum as corosync's votequorum computes it: a partition is quorate when it
 * holds more than half the expected votes. With two_node, one of two nodes is
 * enough; with wait_for_all, nothing is quorate until every configured node
 * has been seen in one view since start.
 */
import type { QuorumConfig } from './config.js';

export interface QuorumState {
  quorate: boolean;
  votes: number;
  expectedVotes: number;
  /** Votes needed for quorum. */
  neededVotes: number;
  /** Why not quorate, when not. */
  reason?: string;
}

/** Why a node that has not seen every node since its start is not quorate. */
export const waitForAllReason = 'wait_for_all: not every node seen since start';

/** Whether wait_for_all is what holds this quorum back (the admin can lift it: tandem quorum unblock). */
export function waitingForAll(quorum: Pick<QuorumState, 'reason'>): boolean {
  return quorum.reason === waitForAllReason;
}

/** Computes quorum from the votes of the current members. Pure. */
export function computeQuorum(config: QuorumConfig, memberVotes: readonly number[], allSeenOnce: boolean): QuorumState {
  const votes = memberVotes.reduce((sum, vote) => sum + vote, 0);
  const expectedVotes = Math.max(config.expectedVotes, votes);
  const neededVotes = config.twoNode && expectedVotes === 2 ? 1 : Math.floor(expectedVotes / 2) + 1;
  if (config.waitForAll && !allSeenOnce) return { quorate: false, votes, expectedVotes, neededVotes, reason: waitForAllReason };
  if (votes < neededVotes) return { quorate: false, votes, expectedVotes, neededVotes, reason: `${votes} of ${neededVotes} needed votes` };
  return { quorate: true, votes, expectedVotes, neededVotes };
}
