/** The scheduler room's public surface. */
export { schedule, type ScheduleResult } from './schedule.js';
export { normalizedLines, transitionSummaryText, type FenceAction } from './summary.js';
export type { SummaryAction } from './actions.js';
export type { TransitionGraph, GraphAction, GraphActionKind } from './graph.js';
export type { WorkingSet, Primitive, Resource, ClusterNode } from './model.js';
