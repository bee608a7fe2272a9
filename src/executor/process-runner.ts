/**
 * The ActionRunner that starts a new process per action: ocf agents with
 * the OCF environment, LSB init scripts (monitor runs as `status`, exit codes
 * mapped as Pacemaker maps them), fence agents with their options on stdin.
 * systemd units are delegated to a SystemdManager.
 */
import { OcfExit, isOcfExitCode, ocfExitName } from '../ocf/exit-codes.js';
import { logger } from '../log.js';
import type { ActionRequest, ActionRunner, RunOutcome } from './action.js';
import { ocfEnvironment, plainEnvironment } from './action-environment.js';
import { AgentLocator } from './agent-locator.js';
import { formatAgentSpec } from './agent-spec.js';
import { runAgentProcess, type AgentProcessOutcome } from './agent-process.js';
import { parseExitReason } from './exit-reason.js';
import { lsbDefines, lsbResult, ocfResult, spawnErrorResult } from './exit-status.js';
import { fenceAction, fenceResult, fenceStdin } from './fence-protocol.js';
import { runSystemdAction, type SystemdManager } from './systemd-manager.js';

const log = logger('executor');

export interface ProcessRunnerOptions {
  locator?: AgentLocator;
  /**
   * The systemd connection, asked for on the first systemd action only (so
   * that running ocf agents never touches D-Bus); without it systemd agents
   * fail as not installed.
   */
  systemd?: () => SystemdManager;
  /** Between SIGTERM and SIGKILL at a timeout; default 2000 ms. */
  killGraceMs?: number;
  /** After an agent exited, its output is read until silent this long; default 200 ms. */
  pipeGraceMs?: number;
  /** The most time spent reading output after an agent exited; default 5000 ms. */
  drainLimitMs?: number;
  /** Output kept per stream; default 64 KiB. */
  tailBytes?: number;
}

export class ProcessActionRunner implements ActionRunner {
  readonly locator: AgentLocator;

  constructor(private readonly options: ProcessRunnerOptions = {}) {
    this.locator = options.locator ?? new AgentLocator();
  }

  async run(request: ActionRequest): Promise<RunOutcome> {
    const { agent } = request;
    if (agent.standard === 'systemd') {
      if (!this.options.systemd) return notInstalled(`agent ${formatAgentSpec(agent)}: no systemd connection configured`);
      return runSystemdAction(this.options.systemd(), request);
    }
    const file = this.locator.resolve(agent);
    if (file === undefined) return notInstalled(this.locator.describeMissing(agent));

    const common = {
      file,
      timeoutMs: request.timeoutMs,
      ...(this.options.killGraceMs === undefined ? {} : { killGraceMs: this.options.killGraceMs }),
      ...(this.options.pipeGraceMs === undefined ? {} : { pipeGraceMs: this.options.pipeGraceMs }),
      ...(this.options.drainLimitMs === undefined ? {} : { drainLimitMs: this.options.drainLimitMs }),
      ...(this.options.tailBytes === undefined ? {} : { tailBytes: this.options.tailBytes }),
    };
    switch (agent.standard) {
      case 'ocf': {
        const outcome = await runAgentProcess({ ...common, args: [request.action], env: ocfEnvironment(request, this.locator.paths.ocfRoot) });
        return toRunOutcome(request, outcome, ocfResult, isOcfExitCode);
      }
      case 'lsb': {
        // Pacemaker runs an LSB monitor as `status`.
        const scriptAction = request.action === 'monitor' ? 'status' : request.action;
        const outcome = await runAgentProcess({ ...common, args: [scriptAction], env: plainEnvironment() });
        return toRunOutcome(request, outcome, (code) => lsbResult(scriptAction, code), (code) => lsbDefines(scriptAction, code));
      }
      case 'stonith': {
        const action = fenceAction(request.action);
        if (action === undefined) return { rc: OcfExit.SUCCESS, status: 'done', stdoutTail: '', stderrTail: '', outputTruncated: false };
        const outcome = await runAgentProcess({ ...common, args: [], env: plainEnvironment(), stdinText: fenceStdin(action, request.params) });
        return toRunOutcome(request, outcome, (code) => fenceResult(action, code), () => true);
      }
    }
  }
}

function notInstalled(reason: string): RunOutcome {
  return { rc: OcfExit.ERR_INSTALLED, status: 'not-installed', exitReason: reason, stdoutTail: '', stderrTail: '', outputTruncated: false };
}

/** Turns a finished process into the result Pacemaker would record. */
function toRunOutcome(
  request: ActionRequest,
  outcome: AgentProcessOutcome,
  mapExit: (code: number) => number,
  isDefined: (code: number) => boolean,
): RunOutcome {
  const base = {
    stdoutTail: outcome.stdoutTail,
    stderrTail: outcome.stderrTail,
    outputTruncated: outcome.outputTruncated,
    ...(outcome.pid === undefined ? {} : { pid: outcome.pid }),
    ...(outcome.exitCode === undefined ? {} : { rawExitCode: outcome.exitCode }),
    ...(outcome.signal === undefined ? {} : { signal: outcome.signal }),
  };
  const agentReason = parseExitReason(outcome.stderrTail);
  if (outcome.spawnError !== undefined) {
    const rc = spawnErrorResult(outcome.spawnError);
    return { ...base, rc, status: rc === OcfExit.ERR_INSTALLED ? 'not-installed' : 'error', exitReason: `cannot run agent: ${outcome.spawnErrorMessage ?? outcome.spawnError}` };
  }
  if (outcome.timedOut) {
    log.warn({ resource: request.resource, action: request.action, timeoutMs: request.timeoutMs }, 'action timed out');
    return { ...base, rc: OcfExit.ERR_GENERIC, status: 'timeout', exitReason: `${request.action} timed out after ${request.timeoutMs} ms` };
  }
  if (outcome.exitCode === undefined) {
    return { ...base, rc: OcfExit.ERR_GENERIC, status: 'error', exitReason: agentReason ?? `agent killed by signal ${outcome.signal ?? 'unknown'}` };
  }
  const rc = mapExit(outcome.exitCode);
  const exitReason = agentReason ?? (!isDefined(outcome.exitCode) ? `agent returned ${outcome.exitCode}, which ${formatAgentSpec(request.agent)} ${request.action} does not define; recorded as ${ocfExitName(rc)}` : undefined);
  return { ...base, rc, status: 'done', ...(exitReason === undefined ? {} : { exitReason }) };
}
