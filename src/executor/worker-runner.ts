/**
 * Runs tandem's own agents in long-lived worker processes instead of a new
 * Node.js per action (agents/builtin/worker.ts): a monitor then costs an IPC
 * round trip, not a process start. Each worker runs one action at a time in
 * a process group of its own; an action that outlives its timeout gets the
 * group SIGTERM, then SIGKILL after the grace period, exactly as the process
 * runner treats a hung agent, and the next action gets a fresh worker.
 * Detached services an agent starts (setsid) are outside the group and live on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { logger } from '../log.js';
import { OcfExit } from '../ocf/exit-codes.js';
import { builtinAgentTypes } from '../../agents/builtin/types.js';
import type { WorkerReply, WorkerRequest } from '../../agents/builtin/worker.js';
import type { ActionRequest, ActionRunner, RunOutcome } from './action.js';
import { ocfEnvironment } from './action-environment.js';
import type { AgentSpec } from './agent-spec.js';

const log = logger('executor', { runner: 'worker' });

export interface WorkerRunnerOptions {
  /** OCF_ROOT given to the agents; default /usr/lib/ocf. */
  ocfRoot?: string;
  /** Between SIGTERM and SIGKILL at a timeout; default 2000 ms. */
  killGraceMs?: number;
  /** Idle workers kept for the next actions; default 2. */
  maxIdleWorkers?: number;
  /** The worker script; default agents/builtin/worker.js beside the compiled executor. */
  workerScript?: string;
}

/** True for an agent the worker runs: ocf:tandem:<one of tandem's own types>. */
export function isBuiltinAgent(agent: AgentSpec): boolean {
  return agent.standard === 'ocf' && agent.provider === 'tandem' && builtinAgentTypes.includes(agent.type);
}

function defaultWorkerScript(): string {
  return fileURLToPath(new URL('../../agents/builtin/worker.js', import.meta.url));
}

function signalGroup(worker: ChildProcess, signal: NodeJS.Signals): void {
  if (worker.pid === undefined) return;
  try {
    process.kill(-worker.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') log.warn({ err: error, pid: worker.pid }, 'cannot signal worker group');
  }
}

export class WorkerActionRunner implements ActionRunner {
  private readonly idle: ChildProcess[] = [];
  private readonly busy = new Set<ChildProcess>();
  private nextId = 1;
  private readonly script: string;

  constructor(private readonly options: WorkerRunnerOptions = {}) {
    this.script = options.workerScript ?? defaultWorkerScript();
  }

  private takeWorker(): ChildProcess {
    const reused = this.idle.pop();
    if (reused !== undefined && reused.connected) return reused;
    // detached: a process group of its own, so a timeout takes the agent's children too.
    const worker = fork(this.script, [], { detached: true, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    worker.stderr?.on('data', (chunk: Buffer) => log.debug({ pid: worker.pid, stderr: chunk.toString().slice(0, 2000) }, 'worker stderr'));
    worker.on('error', (error) => log.warn({ err: error, pid: worker.pid }, 'worker error'));
    worker.once('exit', () => {
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
    });
    return worker;
  }

  private release(worker: ChildProcess): void {
    this.busy.delete(worker);
    if (worker.connected && this.idle.length < (this.options.maxIdleWorkers ?? 2)) this.idle.push(worker);
    else worker.disconnect?.();
  }

  private kill(worker: ChildProcess): void {
    this.busy.delete(worker);
    signalGroup(worker, 'SIGTERM');
    const grace = setTimeout(() => signalGroup(worker, 'SIGKILL'), this.options.killGraceMs ?? 2000);
    grace.unref();
    worker.once('exit', () => clearTimeout(grace));
  }

  /** Runs one action in a worker; never rejects (see ActionRunner). */
  run(request: ActionRequest): Promise<RunOutcome> {
    if (!existsSync(this.script)) {
      return Promise.resolve({ rc: OcfExit.ERR_INSTALLED, status: 'not-installed', exitReason: `agent worker ${this.script} is not installed`, stdoutTail: '', stderrTail: '', outputTruncated: false });
    }
    const worker = this.takeWorker();
    this.busy.add(worker);
    const id = this.nextId++;
    const message: WorkerRequest = { id, type: request.agent.type, action: request.action, vars: ocfEnvironment(request, this.options.ocfRoot ?? '/usr/lib/ocf') };
    return new Promise<RunOutcome>((resolve) => {
      const base = { stdoutTail: '', stderrTail: '', outputTruncated: false, ...(worker.pid === undefined ? {} : { pid: worker.pid }) };
      const finish = (outcome: RunOutcome, keep: boolean): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (keep) this.release(worker);
        else this.kill(worker);
        resolve(outcome);
      };
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id !== id) return;
        finish({ ...base, rc: reply.rc, status: 'done', ...(reply.exitReason === undefined ? {} : { exitReason: reply.exitReason }), stdoutTail: reply.output, stderrTail: reply.log }, true);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
        finish({ ...base, rc: OcfExit.ERR_GENERIC, status: 'error', exitReason: `agent worker ${how} during ${request.action}` }, false);
      };
      const timer = setTimeout(() => {
        log.warn({ resource: request.resource, action: request.action, timeoutMs: request.timeoutMs, pid: worker.pid }, 'action timed out in worker');
        finish({ ...base, rc: OcfExit.ERR_GENERIC, status: 'timeout', exitReason: `${request.action} timed out after ${request.timeoutMs} ms` }, false);
      }, request.timeoutMs);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.send(message, (error) => {
        if (error) finish({ ...base, rc: OcfExit.ERR_GENERIC, status: 'error', exitReason: `cannot reach the agent worker: ${error.message}` }, false);
      });
    });
  }

  /** Ends every worker (idle ones by closing their channel, busy ones by signal). */
  close(): void {
    for (const worker of this.idle.splice(0)) worker.disconnect?.();
    for (const worker of [...this.busy]) this.kill(worker);
  }
}
