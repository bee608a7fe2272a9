/**
 * What the executor is asked to run and what it records: an action on a
 * resource, and its result as Pacemaker's operation history keeps it
 * (`lrm_rsc_op`: call-id, rc-code, op-status, exit-reason, last-rc-change,
 * exec-time, queue-time, op-digest).
 */
import type { AgentSpec } from './agent-spec.js';

export interface ActionRequest {
  /** Resource id (OCF_RESOURCE_INSTANCE). */
  resource: string;
  agent: AgentSpec;
  /** start, stop, monitor, meta-data, validate-all, promote, status ... */
  action: string;
  /** Instance parameters, without the OCF_RESKEY_ prefix. */
  params: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** 0 (the default) for a one-shot action or probe; > 0 for a recurring monitor. */
  intervalMs?: number;
  /** OCF_CHECK_LEVEL of a monitor (0, 10, 20); unset when not configured. */
  checkLevel?: number;
  /**
   * Other meta attributes the controller passes (clone_max, notify_type ...),
   * without the CRM_meta_ prefix; given as OCF_RESKEY_CRM_meta_<name>, and
   * not part of the digest (as in Pacemaker). timeout and interval come from
   * timeoutMs and intervalMs and are ignored here.
   */
  meta?: Readonly<Record<string, string>>;
}

/** How an action ended, as Pacemaker's op-status. */
export type ExecStatus = 'done' | 'timeout' | 'cancelled' | 'not-installed' | 'error';

/** What a runner reports for one execution. */
export interface RunOutcome {
  /** The OCF result (mapped as Pacemaker maps it). */
  rc: number;
  status: ExecStatus;
  /** What the process itself returned, when it exited. */
  rawExitCode?: number;
  /** The signal that ended the process, when one did. */
  signal?: string;
  exitReason?: string;
  stdoutTail: string;
  stderrTail: string;
  /** True when older output was dropped from a tail. */
  outputTruncated: boolean;
  /** Process id of the agent, when one was started. */
  pid?: number;
}

export interface ActionResult extends RunOutcome {
  callId: number;
  resource: string;
  agent: string;
  action: string;
  intervalMs: number;
  /** Wall clock at the start of execution (ms since the epoch). */
  startedAtMs: number;
  runTimeMs: number;
  /** Time spent waiting for the resource and for a free slot. */
  queueTimeMs: number;
  /** Pacemaker's op-digest of the parameters. */
  opDigest: string;
}

/**
 * Runs one action to completion. The scheduler uses this, so a runner that
 * keeps built-in agents in a long-lived worker can replace the process runner
 * later, as long as it too ends a hung action at `timeoutMs`.
 * Never rejects for an agent's failure: every failure is a RunOutcome.
 */
export interface ActionRunner {
  run(request: ActionRequest): Promise<RunOutcome>;
}
