/**
 * Choosing the designated controller (DC) of a partition. Every member runs
 * this on the same agreed view and gets the same answer, so no election
 * messages are needed. The longest-standing member wins (a node that rejoins
 * never takes the DC role from one that stayed), ties broken by node id.
 * Pure.
 */

export interface ViewMember {
  nodeId: number;
  name: string;
  /** Number of the first view this incarnation of the node was a member of. */
  memberSinceView: number;
}

export interface PartitionView {
  viewId: number;
  members: readonly ViewMember[];
  quorate: boolean;
}

export type NoQuorumPolicy = 'stop' | 'freeze' | 'ignore' | 'demote' | 'suicide';

/**
 * The DC of this partition, or undefined when it must not have one.
 * Without quorum a partition still elects a DC (it must stop, freeze or
 * demote its resources, which takes a controller), except under `suicide`,
 * where it only has to die.
 */
export function electDc(view: PartitionView, noQuorumPolicy: NoQuorumPolicy = 'stop'): ViewMember | undefined {
  if (!view.quorate && noQuorumPolicy === 'suicide') return undefined;
  let chosen: ViewMember | undefined;
  for (const member of view.members) {
    if (
      chosen === undefined ||
      member.memberSinceView < chosen.memberSinceView ||
      (member.memberSinceView === chosen.memberSinceView && member.nodeId < chosen.nodeId)
    ) {
      chosen = member;
    }
  }
  return chosen;
}
