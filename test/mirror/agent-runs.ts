/**
 * The Mirror agent run by hand, as the tests of the agent drive it: its
 * parameters for one "node" (a pid file, log and socket of its own in the
 * harness), its actions through the launcher with no cluster manager to
 * find, and the engines it started killed by the pids it recorded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runAgent, type AgentRun } from '../ocf/helpers.js';
import type { Harness } from './helpers.js';

export class MirrorAgentRuns {
  private readonly pidFiles: string[] = [];

  constructor(private readonly harness: Harness) {}

  /** The agent's parameters for an instance named `name` over `legs`; `extra` adds or overrides. */
  params(name: string, legs: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
    const pidfile = this.harness.path(`${name}.pid`);
    this.pidFiles.push(pidfile);
    return { legs: legs.join(' '), socket: this.harness.path(`${name}.nbd`), pidfile, logfile: this.harness.path(`${name}.log`), ...extra };
  }

  /** Runs one action. No cluster manager here: the agent must not find a tandemd. */
  run(action: string, params: Record<string, string>, env: Record<string, string> = {}): AgentRun {
    return runAgent('Mirror', action, params, { TANDEM_RUN_DIR: this.harness.path('no-daemon'), OCF_RESOURCE_INSTANCE: 'vol', ...env });
  }

  /** Runs one action and asserts it succeeded, with the agent's stderr (its log) as the message. */
  succeed(action: string, params: Record<string, string>, what = action): AgentRun {
    const result = this.run(action, params);
    assert.equal(result.rc, 0, `${what}: rc ${result.rc}: ${result.stderr}`);
    return result;
  }

  /** The engine an instance's pid file names. @throws when it names none. */
  enginePid(params: Record<string, string>): number {
    const pid = Number(readFileSync(params['pidfile'] ?? '', 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no engine pid in ${params['pidfile']}`);
    return pid;
  }

  /** SIGKILL to every engine still running, by the pid its agent recorded (a test's cleanup). */
  killEngines(): void {
    for (const pidFile of this.pidFiles) {
      try { process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL'); } catch { /* not running, or no pid file */ }
    }
  }
}
