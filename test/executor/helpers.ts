/**
 * Shared by the executor tests: the fixture agents' locations, a scheduler
 * on real processes, and `runActionSequence`, which runs a list of actions
 * on any agent and returns the rc of each, so "agent A behaves like agent B"
 * is one comparison of two sequences.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionRequest, ActionResult } from '../../src/executor/action.js';
import { AgentLocator, defaultAgentPaths } from '../../src/executor/agent-locator.js';
import { parseAgentSpec } from '../../src/executor/agent-spec.js';
import { ActionScheduler } from '../../src/executor/action-scheduler.js';
import { ProcessActionRunner, type ProcessRunnerOptions } from '../../src/executor/process-runner.js';

/** test/executor/fixtures in the source tree (tests run from dist/). */
export const fixturesDir = fileURLToPath(new URL('../../../test/executor/fixtures/', import.meta.url));

/** Debian's agents, tandem's own (when built), and the fixtures as provider `tdmtest`. */
export function testLocator(): AgentLocator {
  const defaults = defaultAgentPaths({});
  return new AgentLocator({
    ...defaults,
    ocfAgentDirs: [...defaults.ocfAgentDirs, join(fixturesDir, 'ocf')],
    lsbDir: join(fixturesDir, 'init.d'),
    fenceDir: join(fixturesDir, 'fence'),
  });
}

export function testRunner(options: ProcessRunnerOptions = {}): ProcessActionRunner {
  return new ProcessActionRunner({ locator: testLocator(), killGraceMs: 500, ...options });
}

/** A one-shot request with a 20 s timeout unless told otherwise. */
export function request(agent: string, resource: string, action: string, params: Record<string, string> = {}, extra: Partial<ActionRequest> = {}): ActionRequest {
  return { resource, agent: parseAgentSpec(agent), action, params, timeoutMs: 20_000, ...extra };
}

export interface SequenceStep {
  action: string;
  /** Run as a recurring-style monitor (OCF_RESKEY_CRM_meta_interval set) rather than a probe. */
  intervalMs?: number;
  checkLevel?: number;
}

/**
 * Runs `steps` in order on one resource of `agent` through the scheduler and
 * returns every result; `rcs(results)` gives the rc sequence to compare.
 */
export async function runActionSequence(agent: string, params: Record<string, string>, steps: ReadonlyArray<string | SequenceStep>, resource = `seq-${process.pid}`): Promise<ActionResult[]> {
  const scheduler = new ActionScheduler({ runner: testRunner() });
  const results: ActionResult[] = [];
  for (const step of steps) {
    const { action, intervalMs, checkLevel } = typeof step === 'string' ? { action: step, intervalMs: undefined, checkLevel: undefined } : step;
    results.push(await scheduler.submit(request(agent, resource, action, params, {
      ...(intervalMs === undefined ? {} : { intervalMs }),
      ...(checkLevel === undefined ? {} : { checkLevel }),
    })));
  }
  return results;
}

/**
 * The life cycle both Debian's and tandem's agents must get through with the
 * same rc at each step: probe, start twice, recurring monitor, stop twice,
 * probe. Use: `assert.deepEqual(rcs(await runActionSequence(a, pa, lifeCycleSteps)),
 * rcs(await runActionSequence(b, pb, lifeCycleSteps)))`.
 */
export const lifeCycleSteps: readonly SequenceStep[] = [
  { action: 'monitor' }, { action: 'start' }, { action: 'start' }, { action: 'monitor', intervalMs: 10_000 },
  { action: 'stop' }, { action: 'stop' }, { action: 'monitor' },
];

export const rcs = (results: readonly ActionResult[]): number[] => results.map((result) => result.rc);

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `tdm-executor-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True while a process with that pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the command name in parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Ends a process this test started, by pid; ignores one already gone. */
export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Polls `condition` every 20 ms for up to `limitMs`; true when it held. */
export async function waitFor(condition: () => boolean, limitMs = 5000): Promise<boolean> {
  for (let waitedMs = 0; waitedMs < limitMs; waitedMs += 20) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}
