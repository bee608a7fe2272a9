/**
 * Whether a node is out of the cluster, asked of whichever manager runs
 * here: tandem's local API (status: the agreed view), else Pacemaker's
 * `crm_node -l`. Only a node known to be out may have its claim on the legs
 * taken over; when neither can be asked, the answer is "unknown".
 */
import { existsSync } from 'node:fs';
import { callApi, localApiSocketPath } from '../../src/daemon/api/client.js';
import { runCommand } from '../lib/run-command.js';

interface TandemStatus { membership?: { view?: { members?: string[]; agreed?: boolean } } }

async function fromTandem(node: string): Promise<boolean | undefined> {
  const socketPath = localApiSocketPath();
  if (!existsSync(socketPath)) return undefined;
  try {
    const status = await callApi('status', {}, { socketPath, timeoutMs: 5000 }) as TandemStatus;
    const view = status.membership?.view;
    // A view still being agreed on says nothing certain about who is out.
    if (view?.members === undefined || view.agreed !== true) return undefined;
    return !view.members.includes(node);
  } catch {
    return undefined; // no daemon answering: ask the next manager
  }
}

async function fromPacemaker(node: string): Promise<boolean | undefined> {
  try {
    const result = await runCommand('crm_node', ['-l'], { timeoutMs: 10_000 });
    if (result.exitCode !== 0) return undefined;
    // "ID NAME STATE" per known node; STATE is member or lost.
    for (const line of result.stdout.split('\n')) {
      const [, name, state] = line.trim().split(/\s+/);
      if (name === node) return state !== 'member';
    }
    return true; // not a node of this cluster at all
  } catch {
    return undefined; // crm_node not installed
  }
}

/** true: the node is out of the cluster; false: it is a member; undefined: nobody can tell. */
export async function ownerIsOffline(node: string): Promise<boolean | undefined> {
  return (await fromTandem(node)) ?? (await fromPacemaker(node));
}
