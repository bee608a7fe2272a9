/**
 * One edit of a CIB as crmsh makes it with CIB_file: commands applied to a
 * copy, the result validated (only problems the edit introduced refuse
 * it), the version bumped by Pacemaker's rules, and the diff computed.
 * Pure: the caller reads and writes the file.
 */
import { cloneElement } from '../cib/canonical.js';
import { diffCib, type CibChange } from '../cib/diff.js';
import { CibValidationError, validateCib, type AgentLookup, type ValidationIssue } from '../cib/validate.js';
import { bumpVersion } from '../cib/version.js';
import { child, parseXml, type XmlElement } from '../cib/xml.js';
import { applyCommands, CrmApplyError } from './apply.js';
import { parseScript, type CrmCommand, type ParseOptions } from './parser.js';
import { cliObjects } from './show.js';

export interface EditResult {
  before: XmlElement;
  after: XmlElement;
  changes: CibChange[];
  /** crmsh-style notes (deprecations, constraints redirected or deleted). */
  messages: string[];
  /** Problems that do not refuse the edit (agents that cannot be found here). */
  warnings: string[];
}

export interface EditOptions { agentExists?: AgentLookup; source?: string }

function issueKey(issue: ValidationIssue): string {
  return `${issue.element}|${issue.id}|${issue.message}`;
}

/**
 * Parses a CIB file's text and checks it is a CIB at all.
 * @throws XmlParseError (names file, line, column) or CibValidationError.
 */
export function readCibText(text: string, source: string): XmlElement {
  const cib = parseXml(text, source);
  if (cib.name !== 'cib' || !child(cib, 'configuration')) {
    throw new CibValidationError([{ id: '', element: cib.name, message: 'not a CIB (expected <cib> with a <configuration>)' }], source);
  }
  return cib;
}

/**
 * Applies commands to `before` (unchanged) and returns the new CIB.
 * @throws CrmApplyError, NoSuchObjectError, or CibValidationError listing the problems the edit introduces.
 */
export function editCib(before: XmlElement, commands: readonly CrmCommand[], options: EditOptions = {}): EditResult {
  const { cib: after, messages } = applyCommands(before, commands);
  const known = new Set(validateCib(before, options).map(issueKey));
  const fresh = validateCib(after, options).filter((issue) => !known.has(issueKey(issue)));
  const agentProblem = (issue: ValidationIssue): boolean => /resource agent .* is not installed/.test(issue.message);
  const refused = fresh.filter((issue) => !agentProblem(issue));
  if (refused.length > 0) throw new CibValidationError(refused, options.source ?? 'the edited CIB');
  bumpVersion(before, after);
  return {
    before, after, changes: diffCib(before, after), messages,
    warnings: fresh.filter(agentProblem).map((issue) => `${issue.element} '${issue.id}': ${issue.message}`),
  };
}

/** The configuration emptied (sections kept), for `load replace`. */
function emptiedConfiguration(cib: XmlElement): XmlElement {
  const copy = cloneElement(cib);
  const configuration = child(copy, 'configuration');
  if (configuration) {
    configuration.children = ['crm_config', 'nodes', 'resources', 'constraints'].map((name) => ({ name, attrs: {}, children: [] }));
  }
  return copy;
}

const resourceTags = new Set(['primitive', 'template', 'group', 'clone', 'master', 'bundle']);

/**
 * Takes the objects `commands` will create out of `cib` first, so creating
 * them again replaces them (crmsh's `load update`). Members of a container
 * being replaced go back to the top of resources.
 */
function withoutReplacedObjects(cib: XmlElement, commands: readonly CrmCommand[]): XmlElement {
  const copy = cloneElement(cib);
  const configuration = child(copy, 'configuration');
  if (!configuration) return copy;
  const ids = new Set(commands.flatMap((command) => command.kind === 'object' && !['property', 'rsc_defaults', 'op_defaults', 'node'].includes(command.type) && command.element.attrs['id'] !== undefined ? [command.element.attrs['id']] : []));
  const resources = child(configuration, 'resources');
  const remove = (parent: XmlElement): void => {
    const kept: XmlElement[] = [];
    for (const element of parent.children) {
      if (element.attrs['id'] !== undefined && ids.has(element.attrs['id']) && element.name !== 'resource_ref' && element.name !== 'obj_ref') {
        if (resources && resourceTags.has(element.name)) resources.children.push(...element.children.filter((nested) => resourceTags.has(nested.name)));
        continue;
      }
      remove(element);
      kept.push(element);
    }
    parent.children = kept;
  };
  remove(configuration);
  return copy;
}

/**
 * `load replace|update`: the file's text is crm commands, or a CIB in XML
 * (whose configuration objects are then loaded). Returns the edit.
 * @throws CrmSyntaxError, XmlParseError, CrmApplyError, CibValidationError.
 */
export function loadIntoCib(before: XmlElement, mode: 'replace' | 'update', text: string, options: EditOptions & ParseOptions = {}): EditResult {
  let commands: CrmCommand[];
  if (text.trimStart().startsWith('<')) {
    const loaded = readCibText(text, options.source ?? 'load');
    const statement = { tokens: [], line: 1, source: '' };
    commands = cliObjects(loaded).filter((object) => !(resourceTags.has(object.element.name) && isNested(loaded, object.element)))
      .map((object) => ({ kind: 'object', type: 'xml', element: object.type === 'rsc_defaults' || object.type === 'op_defaults' ? { name: object.type, attrs: {}, children: [object.element] } : object.element, members: [], statement, warnings: [] }));
  } else commands = parseScript(text, options);
  const base = mode === 'replace' ? emptiedConfiguration(before) : withoutReplacedObjects(before, commands);
  try {
    const result = editCib(base, commands, options);
    bumpVersion(before, result.after);
    return { ...result, before, changes: diffCib(before, result.after) };
  } catch (error) {
    if (error instanceof CrmApplyError) throw new CrmApplyError(`load ${mode}: ${error.message}`, { ...error.context });
    throw error;
  }
}

function isNested(cib: XmlElement, element: XmlElement): boolean {
  const resources = child(child(cib, 'configuration') ?? cib, 'resources');
  return !resources?.children.includes(element);
}
