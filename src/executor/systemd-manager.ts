/**
 * systemd units as agents. The executor talks to systemd through the small
 * SystemdManager interface; systemd-dbus.ts implements it over D-Bus
 * (org.freedesktop.systemd1), tests use a fake because systemd is not PID 1
 * here. What an action means follows Pacemaker's lib/services/systemd.c:
 * start/stop queue a job and wait for it; monitor/status read ActiveState.
 */
import { OcfExit } from '../ocf/exit-codes.js';
import type { ActionRequest, RunOutcome } from './action.js';

/** systemd's ActiveState values. */
export type UnitActiveState = 'active' | 'reloading' | 'inactive' | 'failed' | 'activating' | 'deactivating' | (string & {});

export interface SystemdManager {
  /** True when systemd knows a unit file of that name (LoadState not `not-found`). */
  unitExists(unit: string): Promise<boolean>;
  activeState(unit: string): Promise<UnitActiveState>;
  /**
   * Queues a start/stop/restart/reload job (mode `replace`) and resolves with
   * the job's result (`done`, `failed`, `timeout`, `canceled`, ...) when it
   * is removed from the queue.
   */
  runJob(unit: string, verb: 'start' | 'stop' | 'restart' | 'reload'): Promise<string>;
  /** Unit names of loaded units of type service. */
  listServiceUnits(): Promise<string[]>;
  close(): void;
}

const unitSuffixes = ['.service', '.socket', '.mount', '.timer', '.target', '.path', '.slice', '.scope', '.device', '.swap', '.automount'];

/** `httpd` → `httpd.service`, as Pacemaker names a unit without a suffix. */
export function systemdUnitName(type: string): string {
  return unitSuffixes.some((suffix) => type.endsWith(suffix)) ? type : `${type}.service`;
}

/** The meta-data Pacemaker synthesizes for a systemd unit (no parameters). */
export function systemdMetaData(unit: string): string {
  return [
    '<?xml version="1.0"?>',
    `<resource-agent name="${unit}" version="1.0">`,
    '  <version>1.1</version>',
    `  <longdesc lang="en">systemd unit file for ${unit}</longdesc>`,
    `  <shortdesc lang="en">systemd unit file for ${unit}</shortdesc>`,
    '  <parameters/>',
    '  <actions>',
    '    <action name="start" timeout="100s"/>',
    '    <action name="stop" timeout="100s"/>',
    '    <action name="status" timeout="100s"/>',
    '    <action name="monitor" timeout="100s" interval="60s"/>',
    '    <action name="meta-data" timeout="5s"/>',
    '  </actions>',
    '  <special tag="systemd"/>',
    '</resource-agent>',
    '',
  ].join('\n');
}

function outcome(rc: number, status: RunOutcome['status'], exitReason?: string, stdoutTail = ''): RunOutcome {
  return { rc, status, stdoutTail, stderrTail: '', outputTruncated: false, ...(exitReason === undefined ? {} : { exitReason }) };
}

function stateResult(unit: string, state: UnitActiveState): RunOutcome {
  if (state === 'active' || state === 'reloading') return outcome(OcfExit.SUCCESS, 'done');
  if (state === 'inactive' || state === 'failed') return outcome(OcfExit.NOT_RUNNING, 'done');
  return outcome(OcfExit.ERR_GENERIC, 'done', `${unit} is ${state}`);
}

async function perform(manager: SystemdManager, unit: string, action: string): Promise<RunOutcome> {
  if (action === 'meta-data') return outcome(OcfExit.SUCCESS, 'done', undefined, systemdMetaData(unit));
  if (!(await manager.unitExists(unit))) return outcome(OcfExit.ERR_INSTALLED, 'not-installed', `systemd unit ${unit} not found`);
  switch (action) {
    case 'monitor':
    case 'status':
      return stateResult(unit, await manager.activeState(unit));
    case 'start': {
      const jobResult = await manager.runJob(unit, 'start');
      const state = await manager.activeState(unit);
      if (jobResult === 'done' && (state === 'active' || state === 'reloading')) return outcome(OcfExit.SUCCESS, 'done');
      return outcome(OcfExit.ERR_GENERIC, 'done', `start of ${unit}: job ${jobResult}, unit ${state}`);
    }
    case 'stop': {
      const jobResult = await manager.runJob(unit, 'stop');
      const state = await manager.activeState(unit);
      if (state === 'inactive' || state === 'failed') return outcome(OcfExit.SUCCESS, 'done');
      return outcome(OcfExit.ERR_GENERIC, 'done', `stop of ${unit}: job ${jobResult}, unit ${state}`);
    }
    case 'restart':
    case 'reload': {
      const jobResult = await manager.runJob(unit, action);
      return jobResult === 'done' ? outcome(OcfExit.SUCCESS, 'done') : outcome(OcfExit.ERR_GENERIC, 'done', `${action} of ${unit}: job ${jobResult}`);
    }
    default:
      return outcome(OcfExit.ERR_UNIMPLEMENTED, 'done', `systemd units have no action '${action}'`);
  }
}

/**
 * Runs one action on a systemd unit, ending it as a timeout when systemd
 * does not answer in `timeoutMs`. Never rejects: D-Bus failures are results.
 */
export async function runSystemdAction(manager: SystemdManager, request: ActionRequest): Promise<RunOutcome> {
  const unit = systemdUnitName(request.agent.type);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<RunOutcome>((resolve) => {
    timer = setTimeout(() => resolve(outcome(OcfExit.ERR_GENERIC, 'timeout', `${request.action} of ${unit} timed out after ${request.timeoutMs} ms`)), request.timeoutMs);
  });
  try {
    return await Promise.race([perform(manager, unit, request.action), timedOut]);
  } catch (error) {
    return outcome(OcfExit.ERR_GENERIC, 'error', `systemd: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
