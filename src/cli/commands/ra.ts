/**
 * `tandem ra`: the resource agents of this node, like `crm ra` and
 * `crm_resource --force-*`: classes, providers, list, info, meta, and exec
 * to run one action by hand.
 */
import type { Command } from 'commander';
import { render, type OutputFormat } from '../output.js';
import { ocfExitName } from '../../ocf/exit-codes.js';
import { AgentCatalog, type AgentListEntry } from '../../executor/agent-catalog.js';
import { AgentLocator } from '../../executor/agent-locator.js';
import { parseAgentMetaData, type AgentMetaData } from '../../executor/agent-metadata.js';
import { formatAgentSpec, parseAgentSpec, parseAgentStandard } from '../../executor/agent-spec.js';
import { ActionScheduler } from '../../executor/action-scheduler.js';
import type { ActionResult } from '../../executor/action.js';
import { parseDurationMs } from '../../executor/duration.js';
import { ExecutorInputError } from '../../executor/errors.js';
import { ProcessActionRunner } from '../../executor/process-runner.js';
import { DbusSystemdManager } from '../../executor/systemd-dbus.js';

/** Meta-data can be long (IPaddr2's is tens of KiB): keep up to 1 MiB of it. */
const metaDataTailBytes = 1024 * 1024;

interface Tools { catalog: AgentCatalog; runner: ProcessActionRunner; close: () => void }

/**
 * Builds the locator, runner and catalog; D-Bus is connected only if a
 * systemd agent is used. `tailBytes`: output kept per stream (default 64 KiB).
 */
function tools(tailBytes?: number): Tools {
  let systemd: DbusSystemdManager | undefined;
  const getSystemd = (): DbusSystemdManager => (systemd ??= new DbusSystemdManager());
  const locator = new AgentLocator();
  const runner = new ProcessActionRunner({ locator, systemd: getSystemd, ...(tailBytes === undefined ? {} : { tailBytes }) });
  return { catalog: new AgentCatalog(locator, runner, getSystemd), runner, close: () => systemd?.close() };
}

const paramName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** `name=value` arguments into parameters. @throws ExecutorInputError naming the bad argument. */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  // A Map, so that names like `constructor` or `__proto__` are plain names.
  const params = new Map<string, string>();
  for (const arg of args) {
    const at = arg.indexOf('=');
    const name = at < 0 ? arg : arg.slice(0, at);
    if (at < 0) throw new ExecutorInputError(`parameter '${arg}': expected name=value`, { argument: arg });
    if (!paramName.test(name)) throw new ExecutorInputError(`parameter '${arg}': '${name}' is not a valid parameter name`, { argument: arg });
    if (params.has(name)) throw new ExecutorInputError(`parameter '${name}' given twice`, { argument: arg });
    params.set(name, arg.slice(at + 1));
  }
  return Object.fromEntries(params);
}

/** Actions `crm ra info` leaves out of the advisory defaults. */
const infoHiddenActions = new Set(['meta-data', 'validate-all']);

/** Laid out like `crm ra info`. */
function infoText(agent: string, meta: AgentMetaData): string {
  const lines = [meta.shortdesc ? `${meta.shortdesc} (${agent})` : agent, ''];
  if (meta.longdesc) lines.push(meta.longdesc, '');
  lines.push('Parameters (*: required, []: default):', '');
  for (const param of meta.parameters) {
    const type = param.values ? `select: ${param.values.join('|')}` : param.type;
    const defaultText = param.default === undefined || param.default === '' ? '' : `, [${param.default}]`;
    lines.push(`${param.name}${param.required ? '*' : ''} (${type}${defaultText}): ${param.shortdesc ?? ''}`.trimEnd());
    if (param.longdesc && param.longdesc !== param.shortdesc) lines.push(...param.longdesc.split('\n').map((line) => `    ${line}`.trimEnd()));
    lines.push('');
  }
  if (meta.parameters.length === 0) lines.push('    (none)', '');
  lines.push("Operations' defaults (advisory minimum):", '');
  for (const action of meta.actions.filter((each) => !infoHiddenActions.has(each.name))) {
    const attrs = Object.entries(action).filter(([key]) => key !== 'name').map(([key, value]) => `${key}=${value ?? ''}`);
    lines.push(`    ${action.name.padEnd(14)}${attrs.join(' ')}`.trimEnd());
  }
  return lines.join('\n');
}

function resultText(result: ActionResult): string {
  const lines = [`${result.agent} ${result.action} on ${result.resource}: rc=${result.rc} (${ocfExitName(result.rc)}), ${result.status}, ${Math.round(result.runTimeMs)} ms`];
  if (result.rawExitCode !== undefined && result.rawExitCode !== result.rc) lines.push(`agent exit code: ${result.rawExitCode}`);
  if (result.signal !== undefined) lines.push(`signal: ${result.signal}`);
  if (result.exitReason !== undefined) lines.push(`exit reason: ${result.exitReason}`);
  if (result.stdoutTail !== '') lines.push('--- stdout ---', result.stdoutTail.replace(/\n$/, ''));
  if (result.stderrTail !== '') lines.push('--- stderr ---', result.stderrTail.replace(/\n$/, ''));
  return lines.join('\n');
}

/** Adds `tandem ra` and its subcommands to the program. */
export function registerRa(program: Command): void {
  const format = (): OutputFormat => program.opts<{ output: OutputFormat }>().output;
  const print = <T>(data: T, text: (data: T) => string, rootName: string): void => {
    process.stdout.write(render(format(), data, { text }, rootName));
  };
  const ra = program.command('ra').description('resource agents: classes, providers, list, info, meta, exec');

  ra.command('classes').description('agent classes (standards) this executor runs').action(() => {
    const { catalog } = tools();
    print(catalog.classes(), (classes) => classes.join('\n'), 'classes');
  });

  ra.command('providers').argument('[class]', 'agent class', 'ocf').description('OCF providers (directories under resource.d)').action((standardText: string) => {
    const { catalog } = tools();
    print(catalog.providers(parseAgentStandard(standardText)), (providers) => providers.join('\n'), 'providers');
  });

  ra.command('list').argument('[class[:provider]]', 'e.g. ocf, ocf:heartbeat, lsb, stonith, systemd').description('agents of a class (all but systemd by default)')
    .action(async (filter: string | undefined) => {
      const { catalog, close } = tools();
      try {
        let entries: AgentListEntry[];
        if (filter === undefined) entries = await catalog.list();
        else {
          const [standardText = '', provider, extra] = filter.split(':');
          const standard = parseAgentStandard(standardText);
          if (extra !== undefined || (provider !== undefined && standard !== 'ocf')) throw new ExecutorInputError(`'${filter}': expected CLASS or ocf:PROVIDER`, { filter });
          entries = await catalog.list(standard, provider === '' ? undefined : provider);
        }
        print(entries, (list) => list.map((entry) => entry.agent).join('\n'), 'agents');
      } finally {
        close();
      }
    });

  ra.command('meta').argument('<agent>', 'e.g. ocf:heartbeat:Dummy').description("the agent's meta-data XML (--output json: parsed)")
    .action(async (agentText: string) => {
      const { catalog, close } = tools(metaDataTailBytes);
      try {
        const spec = parseAgentSpec(agentText);
        const xml = await catalog.metaDataXml(spec);
        if (format() === 'xml' || format() === 'text') process.stdout.write(xml.endsWith('\n') ? xml : `${xml}\n`);
        else print(parseAgentMetaData(xml, formatAgentSpec(spec)), () => '', 'meta-data');
      } finally {
        close();
      }
    });

  ra.command('info').argument('<agent>', 'e.g. ocf:heartbeat:Dummy').description('parameters and actions of an agent, from its meta-data')
    .action(async (agentText: string) => {
      const { catalog, close } = tools(metaDataTailBytes);
      try {
        const spec = parseAgentSpec(agentText);
        const agent = formatAgentSpec(spec);
        const meta = parseAgentMetaData(await catalog.metaDataXml(spec), agent);
        print({ agent, ...meta }, (data) => infoText(agent, data), 'agent');
      } finally {
        close();
      }
    });

  ra.command('exec').argument('<agent>', 'e.g. ocf:heartbeat:Dummy').argument('<action>', 'start, stop, monitor, ...').argument('[params...]', 'name=value instance parameters')
    .description("run one action by hand (like crm_resource --force-start); exits with the agent's rc")
    .option('--timeout <duration>', 'action timeout (20s, 500ms, 2min)', '20s')
    .option('--interval <duration>', 'run as a recurring monitor with this interval (sets CRM_meta_interval); 0 is a probe', '0')
    .option('--resource <id>', 'resource id given as OCF_RESOURCE_INSTANCE (default: the agent type)')
    .option('--check-level <n>', 'OCF_CHECK_LEVEL for monitor (0, 10, 20)')
    .action(async (agentText: string, action: string, paramArgs: string[], options: { timeout: string; interval: string; resource?: string; checkLevel?: string }) => {
      const spec = parseAgentSpec(agentText);
      const params = parseParamArgs(paramArgs);
      const timeoutMs = parseDurationMs(options.timeout, '--timeout');
      if (timeoutMs <= 0) throw new ExecutorInputError('--timeout must be more than 0', { value: options.timeout });
      const intervalMs = parseDurationMs(options.interval, '--interval');
      let checkLevel: number | undefined;
      if (options.checkLevel !== undefined) {
        checkLevel = Number(options.checkLevel);
        if (!Number.isInteger(checkLevel) || checkLevel < 0) throw new ExecutorInputError(`--check-level: '${options.checkLevel}' is not a whole number >= 0`, { value: options.checkLevel });
      }
      const { runner, close } = tools();
      try {
        const scheduler = new ActionScheduler({ runner, maxConcurrent: 1 });
        const result = await scheduler.submit({
          resource: options.resource ?? spec.type, agent: spec, action, params, timeoutMs, intervalMs,
          ...(checkLevel === undefined ? {} : { checkLevel }),
        });
        print(result, resultText, 'result');
        process.exitCode = result.rc;
      } finally {
        close();
      }
    });
}
