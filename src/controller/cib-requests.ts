/**
 * Changes the DC applies on behalf of the CLI: a whole new configuration
 * (`tandem configure`, refused when the CIB changed since the client read
 * it), a resource's target-role, a node's standby attribute. Each edits the
 * given CIB copy and throws before touching it when the request is bad. Pure.
 */
import { ExitCode, NoSuchObjectError, TandemError } from '../errors.js';
import { cibHeader, type CibVersion } from '../cib/model.js';
import { compareVersions, formatVersion } from '../cib/version.js';
import { validateCib } from '../cib/validate.js';
import type { XmlElement } from '../cib/xml.js';
import { ensureChild, removeChildren } from './cib-edit.js';

/** The configuration changed since the client read it (no lost update). */
export class CibChangedError extends TandemError {
  constructor(message: string, context: Record<string, unknown>) {
    super('E_CIB_CHANGED', message, { exitCode: ExitCode.dataErr, context });
  }
}

/** A request the DC refuses as invalid (bad XML, bad configuration). */
export class CibRequestError extends TandemError {
  constructor(message: string, context: Record<string, unknown>) {
    super('E_CIB_REQUEST', message, { exitCode: ExitCode.dataErr, context });
  }
}

/**
 * Replaces the configuration section of `cib` with the one of `proposed`,
 * provided the client's base version (admin_epoch, epoch) is the current
 * one. The status section stays the DC's.
 * @throws CibChangedError when the configuration changed meanwhile;
 * CibRequestError when `proposed` has no configuration or does not validate.
 */
export function replaceConfiguration(cib: XmlElement, proposed: XmlElement, base: CibVersion): void {
  const current = cibHeader(cib);
  if (current.adminEpoch !== base.adminEpoch || current.epoch !== base.epoch) {
    const newer = compareVersions(current, base) > 0 ? 'changed' : 'differs';
    throw new CibChangedError(`the CIB ${newer} meanwhile (now ${formatVersion(current)}, the change was made against ${formatVersion(base)}): read it again and redo the change`, { current, base });
  }
  const configuration = proposed.children.find((c) => c.name === 'configuration');
  if (!configuration) throw new CibRequestError('the proposed CIB has no <configuration> section', { field: 'configuration' });
  const errors = validateCib(proposed);
  if (errors.length > 0) throw new CibRequestError(`the proposed configuration is invalid: ${errors.map((issue) => issue.message).join('; ')}`, { issues: errors.map((issue) => issue.message) });
  removeChildren(cib, (c) => c.name === 'configuration');
  cib.children.unshift(structuredClone(configuration));
}

function resourceElement(cib: XmlElement, id: string): XmlElement {
  const resources = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'resources');
  const stack = [...(resources?.children ?? [])];
  while (stack.length > 0) {
    const element = stack.shift() as XmlElement;
    if (['primitive', 'group', 'clone', 'master', 'bundle'].includes(element.name) && element.attrs.id === id) return element;
    stack.push(...element.children);
  }
  throw new NoSuchObjectError(`no resource '${id}'`, { resource: id });
}

/** Sets (or, with undefined, removes) a meta attribute of a resource. @throws NoSuchObjectError. */
export function setResourceMeta(cib: XmlElement, id: string, name: string, value: string | undefined): void {
  const element = resourceElement(cib, id);
  const meta = ensureChild(element, 'meta_attributes', { id: `${id}-meta_attributes` });
  removeChildren(meta, (c) => c.name === 'nvpair' && c.attrs.name === name);
  if (value !== undefined) meta.children.push({ name: 'nvpair', attrs: { id: `${id}-meta_attributes-${name}`, name, value }, children: [] });
}

/** Sets or removes a node's permanent attribute (standby). @throws NoSuchObjectError. */
export function setNodeAttribute(cib: XmlElement, uname: string, name: string, value: string | undefined): void {
  const nodes = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'nodes');
  const node = nodes?.children.find((c) => c.name === 'node' && (c.attrs.uname === uname || c.attrs.id === uname));
  if (!node) throw new NoSuchObjectError(`no node '${uname}'`, { node: uname });
  const id = node.attrs.id ?? uname;
  const set = ensureChild(node, 'instance_attributes', { id: `nodes-${id}` });
  removeChildren(set, (c) => c.name === 'nvpair' && c.attrs.name === name);
  if (value !== undefined) set.children.push({ name: 'nvpair', attrs: { id: `nodes-${id}-${name}`, name, value }, children: [] });
}

/**
 * `resource move`: a `cli-prefer-RSC` location constraint (score INFINITY)
 * for `node`, replacing an earlier one. Returns the constraint id.
 * @throws NoSuchObjectError for an unknown resource or node.
 */
export function preferNode(cib: XmlElement, rscId: string, node: string): string {
  resourceElement(cib, rscId);
  const configuration = cib.children.find((c) => c.name === 'configuration');
  const nodes = configuration?.children.find((c) => c.name === 'nodes');
  if (!nodes?.children.some((c) => c.name === 'node' && c.attrs.uname === node)) throw new NoSuchObjectError(`no node '${node}'`, { node });
  const constraints = ensureChild(configuration as XmlElement, 'constraints');
  const id = `cli-prefer-${rscId}`;
  removeChildren(constraints, (c) => c.name === 'rsc_location' && c.attrs.id === id);
  constraints.children.push({ name: 'rsc_location', attrs: { id, rsc: rscId, role: 'Started', node, score: 'INFINITY' }, children: [] });
  return id;
}

/** `resource clear`: removes the cli-prefer-/cli-ban- constraints of a resource; returns their ids. */
export function clearMoveConstraints(cib: XmlElement, rscId: string): string[] {
  resourceElement(cib, rscId);
  const constraints = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'constraints');
  if (!constraints) return [];
  const ids = constraints.children.filter((c) => c.name === 'rsc_location' && c.attrs.rsc === rscId && /^cli-(prefer|ban)-/.test(c.attrs.id ?? '')).map((c) => c.attrs.id ?? '');
  removeChildren(constraints, (c) => ids.includes(c.attrs.id ?? '') && c.name === 'rsc_location');
  return ids;
}
