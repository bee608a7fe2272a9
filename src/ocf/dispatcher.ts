/**
 * Runs one action of a declared agent, in process: takes the action name and
 * the environment, returns the exit code, the exit reason and the output.
 * It never exits the process, so a long-lived worker can run built-in agents
 * without a new Node.js per call; `process-main.ts` wraps it for a launcher.
 */
import type { ActionSpec, AnyActionContext, AnyAgent } from './agent.js';
import { createAgentLog } from './agent-log.js';
import { isProbe, readOcfEnvironment } from './environment.js';
import { OcfExit } from './exit-codes.js';
import { OcfError } from './errors.js';
import { metaDataXml } from './meta-data.js';
import { parseParams } from './params.js';

/** What one action produced. */
export interface ActionResult {
  /** The OCF exit code. */
  rc: number;
  /** The reason given for a failure (or a not-running monitor), if any. */
  exitReason: string | undefined;
  /** What the action printed to stdout (meta-data, usage). */
  output: string;
}

export interface RunActionOptions {
  /** Receives each log line (newline-terminated); default: lines are dropped. */
  writeLog?: (line: string) => void;
  /** Monotonic milliseconds, for the action's deadline; default performance.now. */
  monotonicMs?: () => number;
}

/** Config errors that a probe reports as "not running": the resource cannot be running with such a configuration. */
const configErrorCodes: ReadonlySet<number> = new Set([OcfExit.ERR_CONFIGURED, OcfExit.ERR_ARGS]);

/** Actions the dispatcher answers itself, whatever the agent declares. */
const builtinActions = ['meta-data', 'validate-all', 'usage', 'help'];

/** The usage text, listing the actions the agent implements. */
export function usageText(agent: AnyAgent): string {
  const actions = [...new Set([...Object.keys(agent.actions), 'validate-all', 'meta-data'])];
  return `usage: ${agent.name} {${actions.join('|')}}\n\nExpects a fully populated OCF RA-compliant environment.\n`;
}

function defaultTimeoutMs(agent: AnyAgent, action: string): number {
  const spec = (agent.actions as Record<string, { timeoutS: number } | undefined>)[action];
  return (spec?.timeoutS ?? 20) * 1000;
}

/**
 * Runs `action` of `agent` with the environment `vars` (e.g. process.env).
 * Rules: no action → usage, rc 2; an action the agent does not implement →
 * rc 3; meta-data → 0; parameters invalid → 6, except on a probe, which
 * answers 7 (a resource cannot be running with a configuration it cannot
 * have); a handler that throws an OcfError ends with its rc, anything else
 * thrown → 1. Never throws.
 */
export async function runAction(
  agent: AnyAgent,
  action: string | undefined,
  vars: Readonly<Record<string, string | undefined>>,
  options: RunActionOptions = {},
): Promise<ActionResult> {
  const env = readOcfEnvironment(vars, agent.name);
  const monotonicMs = options.monotonicMs ?? (() => performance.now());
  const startedMs = monotonicMs();
  let output = '';
  let exitReason: string | undefined;
  const log = createAgentLog(`${env.type}(${env.instance})[${process.pid}]`, env.trace, options.writeLog ?? (() => undefined));
  const finish = (rc: number): ActionResult => ({ rc, exitReason, output });

  if (action === undefined || action === '') {
    output = usageText(agent);
    return finish(OcfExit.ERR_ARGS);
  }
  if (action === 'usage' || action === 'help') {
    output = usageText(agent);
    return finish(OcfExit.SUCCESS);
  }
  if (action === 'meta-data') {
    output = metaDataXml(agent, env);
    return finish(OcfExit.SUCCESS);
  }
  const spec = (agent.actions as Record<string, ActionSpec<AnyActionContext['params']> | undefined>)[action];
  if (spec === undefined && !builtinActions.includes(action)) {
    exitReason = `action '${action}' is not implemented by ${agent.name}`;
    return finish(OcfExit.ERR_UNIMPLEMENTED);
  }

  const probe = isProbe(action, env);
  const timeoutMs = env.timeoutMs ?? defaultTimeoutMs(agent, action);
  try {
    const params = parseParams(agent.parameters, env);
    const context: AnyActionContext = {
      action,
      params,
      env,
      isProbe: probe,
      checkLevel: env.checkLevel,
      timeoutMs,
      remainingMs: () => Math.max(0, timeoutMs - (monotonicMs() - startedMs)),
      log,
      print: (text) => { output += text; },
      exitReason: (text) => { exitReason = text; },
    };
    log.debug(`${action} begins (timeout ${timeoutMs} ms${probe ? ', probe' : ''})`);
    let rc: number = OcfExit.SUCCESS;
    if ((action === 'validate-all' || action === 'start') && agent.validate !== undefined) {
      rc = await agent.validate(context);
    }
    if (rc === OcfExit.SUCCESS && spec !== undefined) rc = await spec.handler(context);
    log.debug(`${action} ends: rc ${rc}`);
    if (probe && configErrorCodes.has(rc)) return finish(OcfExit.NOT_RUNNING);
    return finish(rc);
  } catch (error) {
    const rc = error instanceof OcfError ? error.rc : OcfExit.ERR_GENERIC;
    const reason = error instanceof Error ? error.message : String(error);
    if (probe && configErrorCodes.has(rc)) {
      log.debug(`probe with an invalid configuration (${reason}): not running`);
      return finish(OcfExit.NOT_RUNNING);
    }
    if (!(error instanceof OcfError)) log.error(`${action} failed: ${error instanceof Error ? (error.stack ?? reason) : reason}`);
    exitReason = reason;
    return finish(rc);
  }
}
