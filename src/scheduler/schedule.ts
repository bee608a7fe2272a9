/**
 * The scheduler: `schedule(cib, now)` decides where every resource runs and
 * which actions take the cluster there. Pure: no I/O, no clock, no
 * randomness; the same CIB and `now` give the same result.
 */
import type { XmlElement } from '../cib/xml.js';
import type { WorkingSet } from './model.js';
import { unpackCib } from './unpack.js';
import { initNodeScores } from './node-scores.js';
import { applyQuorumPolicy, startupBlocked } from './quorum.js';
import { decideFencing, decideUnfencing } from './fencing.js';
import { assignAll } from './assign.js';
import { planActions, summarize, type SummaryAction } from './actions.js';
import { normalizedLines, type FenceAction } from './summary.js';
import { INFINITY } from '../cib/score.js';
import { buildGraph, type TransitionGraph } from './graph.js';
import { probeTargets, unprobeable } from './graph-probes.js';

export interface ScheduleResult {
  /** Resource id → node it will run on (null: stopped). */
  placement: Map<string, string | null>;
  /** Transition summary entries, in resource order. */
  actions: SummaryAction[];
  fencing: FenceAction[];
  /** The normalized, sorted one-line form of `fencing` and `actions`. */
  lines: string[];
  /** Every action with its ordering, in dependency order. */
  graph: TransitionGraph;
  /** The working set, for score display and debugging. */
  workingSet: WorkingSet;
}

/**
 * Schedules a CIB at time `now`.
 * @throws SchedulerInputError when the CIB has no configuration section.
 */
export function schedule(cib: XmlElement, now: Date): ScheduleResult {
  const ws = unpackCib(cib, now);
  decideFencing(ws);
  initNodeScores(ws);
  applyQuorumPolicy(ws);
  if (startupBlocked(ws)) {
    for (const rsc of ws.primitives.values()) {
      for (const node of ws.nodeOrder) if (!rsc.runningOn.includes(node)) rsc.allowed.set(node, -INFINITY);
    }
  }
  assignAll(ws);
  const probes = probeTargets(ws);
  const { plans, edges } = planActions(ws, unprobeable(probes));
  const actions = summarize(ws, plans);
  const unfence = decideUnfencing(ws);
  const graph = buildGraph(ws, plans, edges, probes, unfence);
  const fencing: FenceAction[] = [...ws.fencing].map(([node, reason]) => ({ node, action: ws.options.stonithAction === 'poweroff' ? 'off' : 'reboot', reason }));
  for (const node of unfence) fencing.push({ node, action: 'on', reason: 'required by fence device' });
  const placement = new Map<string, string | null>();
  for (const rsc of ws.primitives.values()) placement.set(rsc.id, rsc.assignedTo);
  return { placement, actions, fencing, lines: normalizedLines(actions, fencing), graph, workingSet: ws };
}
