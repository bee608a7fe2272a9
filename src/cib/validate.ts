/**
 * Semantic validation of a CIB: what Pacemaker's schema and unpacking would
 * refuse or silently ignore, reported with the id of the element at fault.
 */
import { ExitCode, TandemError } from '../errors.js';
import { allResources, configSection, constraints } from './model.js';
import { parseIntervalMs } from './values.js';
import { parseScore } from './score.js';
import { clusterOptionSpecs, typedClusterOption } from './cluster-options.js';
import { child, childrenNamed, walk, type XmlElement } from './xml.js';

export interface ValidationIssue {
  /** id of the element at fault (or of its nearest ancestor with one). */
  id: string;
  /** Element name at fault. */
  element: string;
  message: string;
}

/** Looks up a resource agent; returns false when it surely does not exist, undefined when unknown. */
export type AgentLookup = (agentClass: string, provider: string | undefined, type: string) => boolean | undefined;

export interface ValidateOptions { agentExists?: AgentLookup }

/** The CIB failed validation; `context.issues` lists every problem found. */
export class CibValidationError extends TandemError {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: ValidationIssue[], source = 'CIB') {
    const lines = issues.map((issue) => `  ${issue.element} '${issue.id}': ${issue.message}`);
    super('E_CIB_INVALID', `${source} is not valid:\n${lines.join('\n')}`, { exitCode: ExitCode.config, context: { source, issues } });
    this.issues = issues;
  }
}

/** Elements whose `id` attribute refers to another object instead of naming this one. */
const referenceElements = new Set(['resource_ref', 'obj_ref', 'crmsh-ref']);
const requiredSections = ['crm_config', 'nodes', 'resources', 'constraints'];

function isReference(element: XmlElement, parent: XmlElement | undefined): boolean {
  if (referenceElements.has(element.name)) return true;
  // acl_target/acl_group/acl_user list their roles as <role id="..."/>
  return element.name === 'role' && parent !== undefined && ['acl_target', 'acl_group', 'acl_user'].includes(parent.name);
}

function walkWithParent(element: XmlElement, visit: (element: XmlElement, parent: XmlElement | undefined, owner: string) => void, parent?: XmlElement, owner = ''): void {
  const ownId = isReference(element, parent) ? owner : element.attrs['id'] ?? owner;
  visit(element, parent, ownId);
  for (const nested of element.children) walkWithParent(nested, visit, element, ownId);
}

/**
 * Validates a CIB and returns every issue found (empty when valid). Checks:
 * structure, unique ids in the configuration, id-ref targets, constraint and
 * tag references, group/clone shape, templates, scores, op intervals and
 * timeouts, and (with `agentExists`) resource agents.
 */
export function validateCib(cib: XmlElement, options: ValidateOptions = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const report = (id: string, element: string, message: string): void => { issues.push({ id, element, message }); };
  if (cib.name !== 'cib') {
    report('', cib.name, `root element is <${cib.name}>, expected <cib>`);
    return issues;
  }
  const configuration = child(cib, 'configuration');
  if (!configuration) {
    report('', 'cib', 'no <configuration> section');
    return issues;
  }
  for (const section of requiredSections) {
    if (!child(configuration, section)) report('', 'configuration', `missing <${section}> section`);
  }
  for (const counter of ['admin_epoch', 'epoch', 'num_updates']) {
    const value = cib.attrs[counter];
    if (value !== undefined && !/^\d+$/.test(value)) report('', 'cib', `${counter}="${value}" is not a non-negative integer`);
  }

  const ids = new Map<string, string>();
  walkWithParent(configuration, (element, parent, owner) => {
    if (isReference(element, parent)) return;
    const id = element.attrs['id'];
    if (id === undefined) return;
    if (id === '') report(owner, element.name, 'empty id');
    // xsd:ID (an NCName); node ids are free text in Pacemaker's schema
    else if (element.name !== 'node' && !/^[\p{L}_][\p{L}\p{N}_.-]*$/u.test(id)) report(id, element.name, 'not a valid XML ID (letters, digits, _ . -; not starting with a digit, . or -)');
    else if (ids.has(id)) report(id, element.name, `duplicate id (also used by a <${ids.get(id)}>)`);
    else ids.set(id, element.name);
  });
  walkWithParent(configuration, (element, _parent, owner) => {
    const ref = element.attrs['id-ref'];
    if (ref !== undefined && !ids.has(ref)) report(owner || ref, element.name, `id-ref '${ref}' names no object`);
  });

  const allRsc = allResources(cib);
  const resourceIds = new Set(allRsc.map((resource) => resource.id));
  const templateIds = new Set(allRsc.filter((resource) => resource.kind === 'template').map((resource) => resource.id));
  const tagsSection = configSection(cib, 'tags');
  const tagIds = new Set(tagsSection ? childrenNamed(tagsSection, 'tag').map((tag) => tag.attrs['id'] ?? '') : []);

  for (const resource of allRsc) {
    if (!resource.id) report('', resource.kind, 'resource without an id');
    if (resource.kind === 'group') {
      for (const member of resource.children) if (member.kind !== 'primitive') report(resource.id, 'group', `member '${member.id}' is a ${member.kind}; a group holds primitives only`);
      if (resource.children.length === 0) report(resource.id, 'group', 'group has no members');
    }
    if ((resource.kind === 'clone' || resource.kind === 'master') && resource.children.length !== 1) {
      report(resource.id, resource.kind, `a ${resource.kind} wraps exactly one resource, found ${resource.children.length}`);
    }
    if (resource.kind === 'primitive' || resource.kind === 'template') checkPrimitive(resource, templateIds, options, report);
  }

  for (const constraint of constraints(cib)) {
    for (const ref of constraint.references) {
      if (!resourceIds.has(ref) && !tagIds.has(ref)) report(constraint.id, constraint.kind, `references resource '${ref}', which does not exist`);
    }
    if (constraint.kind === 'rsc_location' && constraint.references.length === 0 && constraint.element.attrs['rsc-pattern'] === undefined) {
      report(constraint.id, constraint.kind, 'names no resource (rsc, rsc-pattern or a resource_set)');
    }
    if ((constraint.kind === 'rsc_colocation' || constraint.kind === 'rsc_order') && constraint.references.length === 0) {
      report(constraint.id, constraint.kind, 'names no resources');
    }
    if (constraint.kind === 'rsc_location' && constraint.element.attrs['node'] !== undefined && constraint.score === undefined && constraint.element.attrs['score-attribute'] === undefined) {
      report(constraint.id, constraint.kind, 'has a node but no score');
    }
  }
  for (const element of walk(configuration)) {
    const score = element.attrs['score'];
    if (score !== undefined && ['rsc_location', 'rsc_colocation', 'rsc_order', 'rule', 'resource_set'].includes(element.name) && parseScore(score) === undefined) {
      report(element.attrs['id'] ?? '', element.name, `bad score '${score}' (expected an integer, INFINITY or -INFINITY)`);
    }
  }
  const crmConfig = configSection(cib, 'crm_config');
  for (const set of crmConfig ? childrenNamed(crmConfig, 'cluster_property_set') : []) {
    for (const nvpair of childrenNamed(set, 'nvpair')) {
      const name = nvpair.attrs['name'] ?? '';
      const spec = clusterOptionSpecs[name];
      const value = nvpair.attrs['value'];
      if (spec && value !== undefined && typedClusterOption(name, value) === undefined) {
        report(nvpair.attrs['id'] ?? set.attrs['id'] ?? '', 'nvpair', `cluster option ${name}="${value}" is not a valid ${spec.type}${spec.values ? ` (one of ${spec.values.join(', ')})` : ''}`);
      }
    }
  }
  if (tagsSection) {
    for (const tag of childrenNamed(tagsSection, 'tag')) {
      for (const ref of childrenNamed(tag, 'obj_ref')) {
        if (!ids.has(ref.attrs['id'] ?? '')) report(tag.attrs['id'] ?? '', 'tag', `references '${ref.attrs['id'] ?? ''}', which does not exist`);
      }
    }
  }
  return issues;
}

function checkPrimitive(resource: ReturnType<typeof allResources>[number], templateIds: Set<string>, options: ValidateOptions,
  report: (id: string, element: string, message: string) => void): void {
  if (resource.template !== undefined) {
    if (!templateIds.has(resource.template)) report(resource.id, 'primitive', `template '${resource.template}' does not exist`);
  } else if (resource.type === undefined || resource.agentClass === undefined) {
    report(resource.id, resource.kind, 'needs class and type (or a template)');
  } else if (resource.agentClass === 'ocf' && resource.provider === undefined) {
    report(resource.id, resource.kind, `ocf agent '${resource.type}' needs a provider`);
  } else if (options.agentExists?.(resource.agentClass, resource.provider, resource.type) === false) {
    const name = [resource.agentClass, resource.provider, resource.type].filter((part) => part !== undefined).join(':');
    report(resource.id, resource.kind, `resource agent '${name}' is not installed`);
  }
  for (const op of resource.operations) {
    const opId = op.id ?? resource.id;
    if (!op.name) report(opId, 'op', 'operation without a name');
    if (op.intervalMs === undefined) report(opId, 'op', `bad interval '${op.interval}'`);
    const timeout = op.element.attrs['timeout'];
    if (timeout !== undefined && op.timeoutMs === undefined) report(opId, 'op', `bad timeout '${timeout}'`);
    const startDelay = op.element.attrs['start-delay'];
    if (startDelay !== undefined && parseIntervalMs(startDelay) === undefined) report(opId, 'op', `bad start-delay '${startDelay}'`);
  }
}

/** Validates and throws when anything is wrong. @throws CibValidationError listing every issue. */
export function assertValidCib(cib: XmlElement, options: ValidateOptions & { source?: string } = {}): void {
  const issues = validateCib(cib, options);
  if (issues.length > 0) throw new CibValidationError(issues, options.source);
}
