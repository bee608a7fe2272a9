/**
 * Compares tandem's transition graph with crm_simulate's (`-S -G`) for one
 * CIB: the sets of actions, each as `operation_key@node` with clone
 * instance numbers stripped (Pacemaker's numbering is its own); a cancel of
 * a recurring operation as `cancel:operation_key@node`. Actions tandem does
 * not model are left out on both sides: history clean-ups, shutdowns and
 * utilization's load_stopped points.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseXml, type XmlElement } from '../../src/cib/xml.js';
import { schedule } from '../../src/scheduler/index.js';

const ignoredOperations = new Set(['delete', 'clear_failcount', 'lrm_delete', 'do_shutdown']);

function strip(key: string): string {
  return key.replace(/:\d+(?=_)/g, '');
}

/** The ids of the cancels that a promote, demote or start of the same resource waits for (a role change's). */
function roleChangeCancels(graph: XmlElement): Set<string> {
  const ids = new Set<string>();
  for (const synapse of graph.children) {
    const action = synapse.children.find((c) => c.name === 'action_set')?.children[0];
    if (!action || !['promote', 'demote', 'start'].includes(action.attrs.operation ?? '')) continue;
    for (const trigger of synapse.children.find((c) => c.name === 'inputs')?.children ?? []) {
      const input = trigger.children[0];
      if (input?.attrs.operation === 'cancel' && input.attrs.id !== undefined) ids.add(input.attrs.id);
    }
  }
  return ids;
}

/**
 * crm_simulate's graph for `cibPath`, as a sorted list of `key@node`. Of its
 * cancels only those of a role change are kept (tandem cancels no orphaned
 * or rescheduled recurring operations: its executor drops them at the stop).
 */
export function pacemakerGraph(cibPath: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-graph-'));
  try {
    const graphPath = join(dir, 'graph.xml');
    execFileSync('crm_simulate', ['-x', cibPath, '-S', '-G', graphPath], { stdio: 'ignore' });
    const graph = parseXml(readFileSync(graphPath, 'utf8'), graphPath);
    const keptCancels = roleChangeCancels(graph);
    const out: string[] = [];
    for (const synapse of graph.children) {
      const action = synapse.children.find((c) => c.name === 'action_set')?.children[0];
      if (!action) continue;
      const operation = action.attrs.operation ?? '';
      const key = action.attrs.operation_key ?? '';
      if (ignoredOperations.has(operation) || key.startsWith('load_stopped_') || operation === 'one-or-more' || key.includes('one-or-more')) continue;
      if (operation === 'cancel' && !keptCancels.has(action.attrs.id ?? '')) continue;
      out.push(`${operation === 'cancel' ? 'cancel:' : ''}${strip(key)}@${action.name === 'pseudo_event' ? '' : action.attrs.on_node ?? ''}`);
    }
    return out.sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tandem's graph for `cibPath` in the same form. */
export function tandemGraph(cibPath: string): string[] {
  const cib = parseXml(readFileSync(cibPath, 'utf8'), cibPath);
  const executionDate = cib.attrs['execution-date'];
  const now = executionDate !== undefined ? new Date(Number(executionDate) * 1000) : new Date(Date.UTC(2023, 0, 1));
  return schedule(cib, now).graph.actions.map((a) => `${a.kind === 'cancel' ? 'cancel:' : ''}${strip(a.key)}@${a.pseudo ? '' : a.node}`).sort();
}

export interface GraphDiff { missing: string[]; extra: string[] }

/** Multiset difference: what crm_simulate has and tandem lacks, and the reverse. */
export function diffGraphs(expected: string[], actual: string[]): GraphDiff {
  const count = new Map<string, number>();
  for (const key of expected) count.set(key, (count.get(key) ?? 0) + 1);
  const extra: string[] = [];
  for (const key of actual) {
    const left = count.get(key) ?? 0;
    if (left > 0) count.set(key, left - 1);
    else extra.push(key);
  }
  const missing: string[] = [];
  for (const [key, left] of count) for (let i = 0; i < left; i++) missing.push(key);
  return { missing: missing.sort(), extra };
}
