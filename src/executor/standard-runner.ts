/**
 * The runner a node uses: tandem's own agents in the long-lived worker,
 * every other agent (Debian's, LSB, systemd, fence agents) as a process.
 */
import type { ActionRunner } from './action.js';
import { ProcessActionRunner, type ProcessRunnerOptions } from './process-runner.js';
import { RoutingActionRunner } from './routing-runner.js';
import { WorkerActionRunner, isBuiltinAgent, type WorkerRunnerOptions } from './worker-runner.js';

export interface StandardRunner extends ActionRunner {
  /** Ends the workers; call on shutdown. */
  close(): void;
}

/** Builds the standard runner; `worker: false` runs tandem's agents as processes too. */
export function standardRunner(options: { process?: ProcessRunnerOptions; worker?: WorkerRunnerOptions | false } = {}): StandardRunner {
  const processRunner = new ProcessActionRunner(options.process ?? {});
  if (options.worker === false) return { run: (request) => processRunner.run(request), close: () => undefined };
  const workerRunner = new WorkerActionRunner({ ocfRoot: processRunner.locator.paths.ocfRoot, ...options.worker });
  const routing = new RoutingActionRunner([{ matches: isBuiltinAgent, runner: workerRunner }], processRunner);
  return { run: (request) => routing.run(request), close: () => workerRunner.close() };
}
