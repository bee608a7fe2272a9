/**
 * Publishes whether a mirror is degraded as a transient node attribute
 * (`mirror-degraded-<instance>` = 1 or 0), so `tandem status`, rules and
 * monitoring see it: through tandem's local API (node.transient) when
 * tandemd runs here, else Pacemaker's attrd_updater. Only a change is
 * published (the last value is kept in a state file beside the pid file):
 * a monitor every few seconds must not rewrite the CIB each time, and a
 * volume that resynced must have its attribute go back to 0.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { callApi, localApiSocketPath } from '../../src/daemon/api/client.js';
import type { AgentLog } from '../../src/ocf/agent-log.js';
import { runCommand } from '../lib/run-command.js';

async function toTandem(node: string, name: string, value: string): Promise<boolean> {
  const socketPath = localApiSocketPath();
  if (!existsSync(socketPath)) return false;
  await callApi('node.transient', { node, name, value }, { socketPath, timeoutMs: 5000 });
  return true;
}

async function toPacemaker(name: string, value: string): Promise<void> {
  const result = await runCommand('attrd_updater', ['-n', name, '-U', value], { timeoutMs: 5000 });
  if (result.exitCode !== 0) throw new Error(`attrd_updater -n ${name}: ${result.stderr.trim()}`);
}

/**
 * Sets `mirror-degraded-<instance>` of `node` when it differs from what was
 * last published (recorded in `stateFile`). Never rejects: a manager that
 * cannot be told is logged, and the next monitor tries again.
 */
export async function publishDegraded(options: { node: string; instance: string; degraded: boolean; stateFile: string; log: AgentLog }): Promise<void> {
  const value = options.degraded ? '1' : '0';
  const last = existsSync(options.stateFile) ? readFileSync(options.stateFile, 'utf8').trim() : '0';
  if (last === value) return;
  const name = `mirror-degraded-${options.instance}`;
  try {
    if (!(await toTandem(options.node, name, value))) await toPacemaker(name, value);
    writeFileSync(options.stateFile, `${value}\n`);
    options.log.info(`node attribute ${name}=${value} on ${options.node}`);
  } catch (error) {
    options.log.warn(`could not publish node attribute ${name}=${value}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
