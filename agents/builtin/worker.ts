/**
 * The executor's long-lived agent worker: a child process that runs actions
 * of tandem's own agents in process, one at a time, on requests over its IPC
 * channel. One at a time, so that the process environment can be the
 * action's own (agents that pass process.env on to what they start see
 * exactly what a launcher would). The executor kills this process (its
 * whole group) when an action outlives its timeout.
 */
import { runAction } from '../../src/ocf/dispatcher.js';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { builtinAgents } from './index.js';

export interface WorkerRequest { id: number; type: string; action: string; vars: Record<string, string> }
export interface WorkerReply { id: number; rc: number; exitReason: string | undefined; output: string; log: string }

const logLimitBytes = 64 * 1024;

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  const agent = builtinAgents.get(request.type);
  if (agent === undefined) return { id: request.id, rc: OcfExit.ERR_INSTALLED, exitReason: `${request.type} is not a built-in tandem agent`, output: '', log: '' };
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, request.vars);
  let log = '';
  const result = await runAction(agent, request.action, request.vars, {
    writeLog: (line) => { log = (log + line).slice(-logLimitBytes); },
  });
  return { id: request.id, rc: result.rc, exitReason: result.exitReason, output: result.output, log };
}

process.on('message', (message: WorkerRequest) => {
  void handle(message).then((reply) => process.send?.(reply));
});
// Without the executor there is nothing to do: end with the channel.
process.on('disconnect', () => process.exit(0));
