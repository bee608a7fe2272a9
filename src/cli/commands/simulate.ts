/**
 * `tandem simulate -x CIB [--now DATE] [--show-scores]`: runs the scheduler
 * on a CIB file and prints what crm_simulate prints: the cluster status, the
 * Transition Summary and the actions in dependency order. `--output json`
 * gives the same as data.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { render, type OutputFormat } from '../output.js';
import { parseXml } from '../../cib/xml.js';
import { UsageError, NoSuchObjectError } from '../../errors.js';
import { schedule, transitionSummaryText, type ScheduleResult } from '../../scheduler/index.js';
import { formatScore } from '../../cib/score.js';
import type { Resource, WorkingSet } from '../../scheduler/index.js';

interface SimulateOptions { xmlFile: string; now?: string; showScores?: boolean }

/** Parses --now: epoch seconds or an ISO date ("2024-01-31 12:00:00Z"). */
function parseNow(text: string | undefined, cibDate: string | undefined): Date {
  const source = text ?? cibDate;
  if (source === undefined) return new Date();
  if (/^\d+$/.test(source)) return new Date(Number(source) * 1000);
  const parsed = new Date(source.replace(' ', 'T'));
  if (Number.isNaN(parsed.getTime())) throw new UsageError(`--now: cannot parse date '${source}'`, { option: 'now', value: source });
  return parsed;
}

function nodeListLines(ws: WorkingSet): string[] {
  const lines: string[] = [];
  const online: string[] = [];
  const offline: string[] = [];
  for (const name of ws.nodeOrder) {
    const node = ws.nodes.get(name);
    if (!node) continue;
    if (node.unclean) lines.push(`    * Node ${name}: UNCLEAN (${node.online ? 'online' : 'offline'})`);
    else if (node.online && node.maintenance) lines.push(`    * Node ${name}: maintenance`);
    else if (node.online && node.standby) lines.push(`    * Node ${name}: standby`);
    else if (node.online) online.push(name);
    else offline.push(name);
  }
  if (online.length > 0) lines.push(`    * Online: [ ${online.join(' ')} ]`);
  if (offline.length > 0) lines.push(`    * OFFLINE: [ ${offline.join(' ')} ]`);
  return lines;
}

function agentName(rsc: Resource): string {
  if (rsc.kind !== 'primitive') return '';
  return rsc.provider ? `${rsc.cls}:${rsc.provider}:${rsc.type}` : `${rsc.cls}:${rsc.type}`;
}

function primitiveState(rsc: Resource): string {
  if (rsc.kind !== 'primitive') return '';
  if (rsc.runningOn.length === 0) return 'Stopped';
  const role = rsc.role === 'Promoted' ? 'Promoted' : rsc.role === 'Unpromoted' ? 'Unpromoted' : 'Started';
  const where = rsc.runningOn.length > 1 ? `[ ${rsc.runningOn.join(' ')} ]` : rsc.runningOn[0];
  return `${rsc.failed ? 'FAILED' : role} ${where}${rsc.managed ? '' : ' (unmanaged)'}`;
}

function resourceLines(rsc: Resource, indent: string): string[] {
  if (rsc.kind === 'primitive') return [`${indent}* ${rsc.id}\t(${agentName(rsc)}):\t ${primitiveState(rsc)}`];
  if (rsc.kind === 'group') return [`${indent}* Resource Group: ${rsc.id}:`, ...rsc.children.flatMap((c) => resourceLines(c, indent + '  '))];
  const template = rsc.instances[0];
  const childName = template ? template.baseId : '';
  const lines = [`${indent}* Clone Set: ${rsc.id} [${childName}]${rsc.promotable ? ' (promotable)' : ''}:`];
  const byState = new Map<string, string[]>();
  for (const instance of rsc.instances) {
    const first = instance.kind === 'group' ? instance.children[0] : instance;
    if (!first) continue;
    const state = first.runningOn.length === 0 ? 'Stopped' : first.role === 'Promoted' ? 'Promoted' : first.role === 'Unpromoted' || rsc.promotable ? 'Unpromoted' : 'Started';
    if (state === 'Stopped') continue;
    byState.set(state, [...(byState.get(state) ?? []), ...first.runningOn]);
  }
  for (const [state, nodes] of byState) lines.push(`${indent}  * ${state}: [ ${nodes.join(' ')} ]`);
  return lines;
}

function scoreLines(ws: WorkingSet): string[] {
  const lines: string[] = [];
  for (const rsc of ws.primitives.values()) {
    for (const node of ws.nodeOrder) {
      const score = rsc.allowed.get(node);
      if (score !== undefined) lines.push(`pcmk__primitive_assign: ${rsc.id} allocation score on ${node}: ${formatScore(score)}`);
    }
  }
  return lines;
}

/** The graph's actions as crm_simulate lists them under "Executing Cluster Transition". */
function actionLines(result: ScheduleResult): string[] {
  return result.graph.actions.map((action) => {
    if (action.kind === 'fence') return `  * Fencing ${action.node} (${action.operation})`;
    if (action.pseudo) return `  * Pseudo action:   ${action.key}`;
    const task = action.kind === 'monitor' || action.kind === 'cancel' ? `${action.kind}=${action.intervalMs}` : action.operation;
    return `  * Resource action: ${(action.rsc ?? '').padEnd(15)} ${task} on ${action.node}`;
  });
}

function textReport(result: ScheduleResult, showScores: boolean): string {
  const ws = result.workingSet;
  const lines = ['Current cluster status:', '  * Node List:', ...nodeListLines(ws), '', '  * Full List of Resources:'];
  for (const rsc of ws.resources) lines.push(...resourceLines(rsc, '    '));
  // Graphs and score lists run to hundreds of thousands of lines: concat, not push(...spread), which overflows the stack.
  const sections = [lines];
  if (showScores) sections.push(['', 'Allocation scores:'], scoreLines(ws));
  sections.push(['', 'Transition Summary:'], transitionSummaryText(result.actions, result.fencing));
  sections.push(['', 'Executing Cluster Transition:'], actionLines(result));
  return sections.flat().join('\n');
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run the scheduler on a CIB file and print the transition it decides (like crm_simulate -S -x)')
    .requiredOption('-x, --xml-file <cib>', 'CIB XML file (configuration and status)')
    .option('--now <date>', "the time to schedule at (epoch seconds or ISO date; default: the CIB's execution-date, else now)")
    .option('--show-scores', 'print the node scores of every resource')
    .action((options: SimulateOptions) => {
      const format = program.opts<{ output: OutputFormat }>().output;
      let text: string;
      try {
        text = readFileSync(options.xmlFile, 'utf8');
      } catch (error) {
        throw new NoSuchObjectError(`cannot read CIB file ${options.xmlFile}: ${error instanceof Error ? error.message : String(error)}`, { file: options.xmlFile });
      }
      const cib = parseXml(text, options.xmlFile);
      const result = schedule(cib, parseNow(options.now, cib.attrs['execution-date']));
      const data = {
        placement: Object.fromEntries(result.placement),
        fencing: result.fencing,
        transitionSummary: result.lines,
        actions: result.graph.actions.map((a) => ({ action: a.kind, key: a.key, resource: a.rsc, node: a.node, pseudo: a.pseudo })),
      };
      process.stdout.write(render(format, data, { text: () => textReport(result, options.showScores === true) }));
    });
}
