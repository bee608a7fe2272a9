/**
 * Printing decisions: the normalized one-line form the corpus uses, and
 * crm_simulate's "Transition Summary" text.
 */
import type { SummaryAction } from './actions.js';

export interface FenceAction { node: string; action: string; reason: string }

/** `verb RSC WHERE [ROLES] [blocked]`, and `fence NODE` lines, sorted. */
export function normalizedLines(actions: readonly SummaryAction[], fences: readonly FenceAction[]): string[] {
  const lines: string[] = [];
  for (const fence of fences) {
    if (fence.action === 'reboot') lines.push(`fence ${fence.node}`);
    else if (fence.action === 'on') lines.push(`unfence ${fence.node}`);
    else lines.push(`fence ${fence.node} ${fence.action}`);
  }
  for (const action of actions) {
    const where = action.target !== undefined ? `${action.node}->${action.target}` : action.node;
    let line = `${action.verb} ${action.rsc} ${where}`;
    if (action.roles) line += ` [${action.roles}]`;
    if (action.blocked) line += ' blocked';
    lines.push(line);
  }
  return lines.sort();
}

const verbTitle: Record<string, string> = {
  start: 'Start', stop: 'Stop', restart: 'Restart', recover: 'Recover', reload: 'Reload', migrate: 'Migrate',
  move: 'Move', promote: 'Promote', demote: 'Demote', 're-promote': 'Re-promote',
};

/** crm_simulate's Transition Summary lines (`  * Start      vip     ( node1 )`). */
export function transitionSummaryText(actions: readonly SummaryAction[], fences: readonly FenceAction[]): string[] {
  const lines = fences.map((f) => `  * Fence (${f.action}) ${f.node} '${f.reason}'`);
  const width = Math.max(0, ...actions.map((a) => a.rsc.length));
  for (const action of actions) {
    const [fromRole, toRole] = (action.roles ?? '').split('->');
    let details: string;
    if (action.target !== undefined) {
      details = toRole !== undefined ? `${fromRole} ${action.node} -> ${toRole} ${action.target}` : `${action.node} -> ${action.target}`;
    } else if (toRole !== undefined) {
      details = `${fromRole} -> ${toRole} ${action.node}`;
    } else if (fromRole) {
      details = `${fromRole} ${action.node}`;
    } else {
      details = action.node;
    }
    const title = (verbTitle[action.verb] ?? action.verb).padEnd(10);
    lines.push(`  * ${title} ${action.rsc.padEnd(width)}     ( ${details} )${action.blocked ? ' blocked' : ''}`);
  }
  return lines;
}
