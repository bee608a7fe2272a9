/**
 * Chooses a runner per agent: where a long-lived worker for tandem's own
 * agents plugs in later (`{ matches: (agent) => agent.provider === 'tandem',
 * runner: workerRunner }`), with the process runner for everything else.
 * A worker runner must keep the ActionRunner promise: a hung action ends at
 * its timeout (by killing the worker, if need be) and failures are outcomes.
 */
import type { ActionRequest, ActionRunner, RunOutcome } from './action.js';
import type { AgentSpec } from './agent-spec.js';

export interface RunnerRoute {
  matches: (agent: AgentSpec) => boolean;
  runner: ActionRunner;
}

export class RoutingActionRunner implements ActionRunner {
  constructor(private readonly routes: readonly RunnerRoute[], private readonly fallback: ActionRunner) {}

  /** Runs the request on the first route that matches its agent, else on the fallback. */
  run(request: ActionRequest): Promise<RunOutcome> {
    const route = this.routes.find((each) => each.matches(request.agent));
    return (route?.runner ?? this.fallback).run(request);
  }
}
