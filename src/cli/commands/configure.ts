/**
 * `tandem -f FILE configure ...`: crmsh's configure level on a CIB file
 * (what crmsh does with CIB_file). Every change is validated before the
 * file is touched, written atomically, and `--dry-run` prints the diff
 * instead of writing. Without -f, the same commands edit the live CIB
 * through tandemd: the DC refuses the change when the CIB changed since it
 * was read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, NoSuchObjectError, ExitCode } from '../../errors.js';
import { render, type OutputFormat } from '../output.js';
import { atomicWrite, nodeDurableFs } from '../../cib/durable-fs.js';
import { emptyCib } from '../../cib/empty.js';
import { formatDiff } from '../../cib/diff.js';
import { serializeXml, type XmlElement } from '../../cib/xml.js';
import { validateCib, type AgentLookup } from '../../cib/validate.js';
import { editCib, loadIntoCib, readCibText, type EditResult } from '../../crm/edit.js';
import { parseArgs } from '../../crm/parser.js';
import { cliObjects, findObjects, showConfiguration } from '../../crm/show.js';
import { cibHeader } from '../../cib/model.js';
import { callApi, localApiSocketPath } from '../../daemon/api/client.js';

const OCF_ROOT = process.env['OCF_ROOT'] ?? '/usr/lib/ocf';

/** OCF providers that ship an agent of this type, from the installed tree. */
function ocfProviders(type: string): string[] {
  try {
    return readdirSync(`${OCF_ROOT}/resource.d`).filter((provider) => existsSync(`${OCF_ROOT}/resource.d/${provider}/${type}`));
  } catch {
    // no OCF tree installed: crmsh then assumes heartbeat
    return [];
  }
}

/** Whether an agent is installed here; undefined where this host cannot tell (systemd, service). */
const agentExists: AgentLookup = (agentClass, provider, type) => {
  switch (agentClass) {
    case 'ocf': return existsSync(`${OCF_ROOT}/resource.d/${provider ?? 'heartbeat'}/${type}`);
    case 'stonith': return existsSync(`/usr/sbin/${type}`) || existsSync(`/usr/lib/stonith/plugins/${type}`) ? true : undefined;
    case 'lsb': return existsSync(type.startsWith('/') ? type : `/etc/init.d/${type}`);
    default: return undefined;
  }
};

interface Globals { output: OutputFormat; file?: string }

/** Where configure reads and writes: a CIB file (-f FILE) or the live cluster through tandemd. */
interface CibTarget {
  name: string;
  read(): Promise<XmlElement>;
  /** Writes `after`; live, the DC refuses it when the CIB changed since `before` was read. */
  write(before: XmlElement, after: XmlElement): Promise<void>;
}

function cibTarget(program: Command): CibTarget {
  const file = program.opts<Globals>().file;
  if (file !== undefined) {
    return { name: file, read: async () => readCib(file), write: async (_before, after) => atomicWrite(nodeDurableFs, file, serializeXml(after)) };
  }
  const socketPath = localApiSocketPath();
  return {
    name: 'the live CIB',
    read: async () => readCibText(((await callApi('cib.query', { dc: true }, { socketPath })) as { xml: string }).xml, 'the live CIB'),
    write: async (before, after) => { await callApi('cib.replace', { xml: serializeXml(after), base: cibHeader(before) }, { socketPath }); },
  };
}

function cibFile(program: Command): string {
  const file = program.opts<Globals>().file;
  if (file === undefined) throw new UsageError('configure new works on a CIB file: give it with -f FILE');
  return file;
}

function readCib(file: string): XmlElement {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NoSuchObjectError(`cannot read CIB file ${file}: ${error instanceof Error ? error.message : String(error)}`, { file });
  }
  return readCibText(text, file);
}

async function finish(target: CibTarget, result: EditResult, dryRun: boolean): Promise<void> {
  for (const message of [...result.messages, ...result.warnings]) process.stderr.write(`${/deprecated|not installed/.test(message) ? 'WARNING' : 'INFO'}: ${message}\n`);
  if (dryRun) {
    process.stdout.write(result.changes.length === 0 ? 'no changes\n' : formatDiff(result.changes));
    return;
  }
  if (result.changes.length === 0) return;
  await target.write(result.before, result.after);
}

/** Statement commands: the keyword plus its words, exactly as crmsh takes them. */
const statementKeywords = ['primitive', 'rsc_template', 'group', 'clone', 'ms', 'location', 'colocation', 'order', 'rsc_ticket',
  'property', 'rsc_defaults', 'op_defaults', 'node', 'tag', 'fencing_topology', 'delete', 'xml'];

export function registerConfigure(program: Command): void {
  const configure = program.command('configure').description('edit the CIB in crmsh\'s configure language (-f FILE: a CIB file)');

  configure.command('new').description('create a new, empty CIB file (like cibadmin --empty)')
    .option('--force', 'overwrite an existing file')
    .action(async (options: { force?: boolean }) => {
      const file = cibFile(program);
      if (existsSync(file) && !options.force) throw new UsageError(`${file} exists; use --force to overwrite it`, { file });
      await atomicWrite(nodeDurableFs, file, serializeXml(emptyCib()));
    });

  configure.command('show').description('show the configuration (or objects) in crm syntax; "show xml [ID...]" for XML')
    .argument('[ids...]', 'object ids (first word "xml" for XML output)')
    .action(async (ids: string[]) => {
      const cib = await cibTarget(program).read();
      const asXml = ids[0] === 'xml';
      const wanted = asXml ? ids.slice(1) : ids;
      const { found, missing } = findObjects(cib, wanted);
      if (missing.length > 0) throw new NoSuchObjectError(`object ${missing.join(', ')} does not exist`, { ids: missing });
      const format = program.opts<Globals>().output;
      if (asXml) {
        const elements = wanted.length === 0 ? [{ ...cib, children: cib.children.filter((section) => section.name !== 'status') }] : found.map((object) => object.element);
        process.stdout.write(elements.map((element) => serializeXml(element)).join(''));
        return;
      }
      const text = showConfiguration(cib, wanted.length === 0 ? undefined : wanted);
      const listed = wanted.length === 0 ? cliObjects(cib) : found;
      process.stdout.write(render(format, { objects: listed.map((object) => ({ type: object.type, id: object.id })), text }, { text: (data) => data.text }));
    });

  configure.command('verify').description('check the CIB: ids, references, scores, intervals, agents')
    .action(async () => {
      const target = cibTarget(program);
      const file = target.name;
      const issues = validateCib(await target.read(), { agentExists });
      const format = program.opts<Globals>().output;
      process.stdout.write(render(format, { file, valid: issues.length === 0, issues }, {
        text: (data) => data.valid ? `${data.file}: OK` : data.issues.map((issue) => `${issue.element} '${issue.id}': ${issue.message}`).join('\n'),
      }));
      if (issues.length > 0) process.exitCode = ExitCode.config;
    });

  configure.command('load').description('load crm commands (or a CIB in XML) from FILE: replace the configuration or update objects')
    .argument('<mode>', 'replace | update').argument('<file>', 'file with crm commands or CIB XML')
    .option('--dry-run', 'print the diff instead of writing')
    .action(async (mode: string, source: string, options: { dryRun?: boolean }) => {
      if (mode !== 'replace' && mode !== 'update') throw new UsageError(`load: unknown mode '${mode}' (expected replace or update)`);
      const target = cibTarget(program);
      const before = await target.read();
      let text: string;
      try {
        text = readFileSync(source, 'utf8');
      } catch (error) {
        throw new NoSuchObjectError(`cannot read ${source}: ${error instanceof Error ? error.message : String(error)}`, { file: source });
      }
      await finish(target, loadIntoCib(before, mode, text, { agentExists, providers: ocfProviders, source }), options.dryRun === true);
    });

  for (const keyword of statementKeywords) {
    configure.command(keyword).description(`crm configure ${keyword} ... (crmsh syntax)`)
      .argument('[words...]').option('--dry-run', 'print the diff instead of writing')
      .allowUnknownOption().allowExcessArguments().helpOption(false)
      .action(async (words: string[], options: { dryRun?: boolean }) => {
        const target = cibTarget(program);
        const before = await target.read();
        const command = parseArgs([keyword, ...words], { providers: ocfProviders });
        await finish(target, editCib(before, [command], { agentExists, source: target.name }), options.dryRun === true);
      });
  }
}

