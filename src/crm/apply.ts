/**
 * Applies parsed crm commands to a CIB the way crmsh edits one: new
 * objects appended to their section with crmsh's generated ids, members
 * moved into groups and clones (constraints redirected to the container),
 * properties and defaults merged into their set, deletes that clean up
 * constraints and tags. Works on a copy; the input tree is never changed.
 */
import { NoSuchObjectError, TandemError, ExitCode } from '../errors.js';
import { cloneElement } from '../cib/canonical.js';
import { child, childrenNamed, walk, type XmlElement } from '../cib/xml.js';
import { IdAllocator } from './ids.js';
import { constraintReferences, dropReference, isSillyConstraint, renameReference } from './constraint-refs.js';
import type { CrmCommand } from './parser.js';

/** A command that parses but cannot be applied (id in use, missing member ...). Nothing was changed. */
export class CrmApplyError extends TandemError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_CRM_APPLY', message, { exitCode: ExitCode.dataErr, context });
  }
}

export interface ApplyResult {
  cib: XmlElement;
  /** crmsh-style notes: deprecations, constraints modified or deleted. */
  messages: string[];
}

const resourceTags = new Set(['primitive', 'template', 'group', 'clone', 'master', 'bundle']);
const constraintTags = new Set(['rsc_location', 'rsc_colocation', 'rsc_order', 'rsc_ticket']);
const sectionFor: Record<string, string> = {
  primitive: 'resources', rsc_template: 'resources', group: 'resources', clone: 'resources', ms: 'resources',
  location: 'constraints', colocation: 'constraints', order: 'constraints', rsc_ticket: 'constraints', node: 'nodes', tag: 'tags',
};

function configuration(cib: XmlElement): XmlElement {
  const found = child(cib, 'configuration');
  if (!found) throw new CrmApplyError('the CIB has no <configuration> section');
  return found;
}

/** The configuration section, created (appended) when missing. */
function section(cib: XmlElement, name: string): XmlElement {
  const config = configuration(cib);
  let found = child(config, name);
  if (!found) {
    found = { name, attrs: {}, children: [] };
    config.children.push(found);
  }
  return found;
}

interface Located { element: XmlElement; parent: XmlElement }

function findById(root: XmlElement, id: string, accept: (element: XmlElement) => boolean): Located | undefined {
  const search = (parent: XmlElement): Located | undefined => {
    for (const element of parent.children) {
      if (element.attrs['id'] === id && accept(element)) return { element, parent };
      const nested = search(element);
      if (nested) return nested;
    }
    return undefined;
  };
  return search(root);
}

function describe(element: XmlElement): string {
  return element.name === 'rsc_location' ? 'location' : element.name.replace(/^rsc_/, '');
}

class Editor {
  readonly messages: string[] = [];
  constructor(readonly cib: XmlElement) {}

  ids(): IdAllocator {
    return new IdAllocator(configuration(this.cib));
  }

  constraints(): XmlElement[] {
    return section(this.cib, 'constraints').children.filter((element) => constraintTags.has(element.name));
  }

  addObject(command: Extract<CrmCommand, { kind: 'object' }>): void {
    const built = cloneElement(command.element);
    this.messages.push(...command.warnings);
    switch (command.type) {
      case 'property': return this.mergeSet(section(this.cib, 'crm_config'), built);
      case 'rsc_defaults':
      case 'op_defaults': {
        const set = built.children[0];
        if (set) this.mergeSet(section(this.cib, command.type), set);
        return;
      }
      case 'node': return this.putNode(built);
      case 'xml':
      case 'fencing_topology': return this.addXml(built);
      default: break;
    }
    const id = built.attrs['id'] ?? '';
    const existing = findById(configuration(this.cib), id, (element) => !['resource_ref', 'obj_ref'].includes(element.name));
    if (existing) throw new CrmApplyError(`cannot create ${command.type} with id '${id}': found an existing ${describe(existing.element)} with the same id`, { id });
    const ids = this.ids();
    if (command.type === 'group' || command.type === 'clone' || command.type === 'ms') this.adoptMembers(built, command.members);
    ids.fillIds(built, id);
    section(this.cib, sectionFor[command.type] ?? 'resources').children.push(built);
    if (command.members.length > 0) this.redirectConstraints(built, command.members);
  }

  /** An object given as raw XML (`xml <...>`): placed by its element name. */
  private addXml(built: XmlElement): void {
    const config = configuration(this.cib);
    const placement: Record<string, string> = {
      primitive: 'resources', template: 'resources', group: 'resources', clone: 'resources', master: 'resources', bundle: 'resources',
      rsc_location: 'constraints', rsc_colocation: 'constraints', rsc_order: 'constraints', rsc_ticket: 'constraints',
      node: 'nodes', tag: 'tags', alert: 'alerts', cluster_property_set: 'crm_config', acl_role: 'acls', acl_target: 'acls', acl_group: 'acls', acl_user: 'acls',
    };
    const sectionName = placement[built.name];
    if (built.name === 'rsc_defaults' || built.name === 'op_defaults') {
      section(this.cib, built.name).children.push(...built.children);
      return;
    }
    if (sectionName === undefined) {
      // a whole configuration section (fencing-topology, an unknown one): replace it
      const index = config.children.findIndex((element) => element.name === built.name);
      if (index >= 0) config.children[index] = built;
      else config.children.push(built);
      return;
    }
    const id = built.attrs['id'];
    if (id !== undefined && findById(config, id, (element) => !['resource_ref', 'obj_ref'].includes(element.name))) {
      throw new CrmApplyError(`cannot create ${built.name} with id '${id}': the id is in use`, { id });
    }
    section(this.cib, sectionName).children.push(built);
  }

  /** Moves members from the top of resources into the new container. */
  private adoptMembers(container: XmlElement, members: string[]): void {
    const resources = section(this.cib, 'resources');
    for (const member of members) {
      const index = resources.children.findIndex((element) => resourceTags.has(element.name) && element.attrs['id'] === member);
      if (index < 0) {
        const nested = findById(resources, member, (element) => resourceTags.has(element.name));
        throw new CrmApplyError(nested
          ? `${container.attrs['id'] ?? ''}: resource '${member}' is already in ${nested.parent.name} '${nested.parent.attrs['id'] ?? ''}'`
          : `${container.attrs['id'] ?? ''} refers to missing object ${member}`, { id: container.attrs['id'], member });
      }
      const [moved] = resources.children.splice(index, 1) as [XmlElement];
      if (container.name === 'group' && moved.name !== 'primitive') throw new CrmApplyError(`group ${container.attrs['id'] ?? ''}: member '${member}' is a ${moved.name}; a group holds primitives only`);
      container.children.push(moved);
    }
  }

  private redirectConstraints(container: XmlElement, members: string[]): void {
    const containerId = container.attrs['id'] ?? '';
    for (const member of members) {
      for (const constraint of this.constraints()) {
        if (constraintReferences(constraint, member) && renameReference(constraint, member, containerId)) {
          this.messages.push(`modified ${describe(constraint)}:${constraint.attrs['id'] ?? ''} from ${member} to ${containerId}`);
        }
      }
    }
    for (const constraint of this.constraints()) {
      if (constraintReferences(constraint, containerId) && isSillyConstraint(constraint, containerId)) this.removeConstraint(constraint);
    }
  }

  private removeConstraint(constraint: XmlElement): void {
    const constraints = section(this.cib, 'constraints');
    constraints.children = constraints.children.filter((element) => element !== constraint);
  }

  /** Merges a property/defaults set into an existing one with its id, or appends it. */
  private mergeSet(parent: XmlElement, set: XmlElement): void {
    const ids = this.ids();
    const existing = set.attrs['id'] === undefined ? undefined : childrenNamed(parent, set.name).find((candidate) => candidate.attrs['id'] === set.attrs['id']);
    if (!existing) {
      if (set.attrs['id'] !== undefined && ids.isUsed(set.attrs['id'])) throw new CrmApplyError(`id '${set.attrs['id']}' is already in use`, { id: set.attrs['id'] });
      ids.fillIds(set, set.attrs['id'] ?? '');
      parent.children.push(set);
      return;
    }
    for (const nested of set.children) {
      const name = nested.attrs['name'];
      const current = nested.name === 'nvpair' && name !== undefined ? childrenNamed(existing, 'nvpair').find((pair) => pair.attrs['name'] === name) : undefined;
      if (current && nested.attrs['value'] !== undefined) current.attrs['value'] = nested.attrs['value'];
      else {
        ids.fillIds(nested, existing.attrs['id'] ?? '');
        existing.children.push(nested);
      }
    }
  }

  /** A node that exists already is merged into (crmsh's merge_nodes); a new one is appended. */
  private putNode(node: XmlElement): void {
    const nodes = section(this.cib, 'nodes');
    const ids = this.ids();
    const existing = nodes.children.find((element) => element.name === 'node' && (element.attrs['id'] === (node.attrs['id'] ?? node.attrs['uname']) || element.attrs['uname'] === node.attrs['uname']));
    if (!existing) {
      const clash = findById(configuration(this.cib), node.attrs['id'] ?? node.attrs['uname'] ?? '', () => true);
      if (clash) throw new CrmApplyError(`cannot create node with id '${node.attrs['id'] ?? ''}': found an existing ${describe(clash.element)} with the same id`);
      ids.fillIds(node, node.attrs['uname'] ?? '');
      nodes.children.push(node);
      return;
    }
    ids.fillIds(node, node.attrs['uname'] ?? '');
    for (const set of node.children) {
      const current = existing.children.find((candidate) => candidate.name === set.name);
      if (!current) {
        existing.children.push(set);
        continue;
      }
      for (const pair of childrenNamed(set, 'nvpair')) {
        const match = childrenNamed(current, 'nvpair').find((candidate) => candidate.attrs['name'] === pair.attrs['name']);
        if (!match) current.children.push(pair);
        else for (const [name, value] of Object.entries(pair.attrs)) if (name !== 'id') match.attrs[name] = value;
      }
    }
  }

  delete(id: string): void {
    const config = configuration(this.cib);
    // crmsh's single fencing_topology object is the whole section
    const topology = config.children.findIndex((element) => element.name === 'fencing-topology');
    if (id === 'fencing_topology' && topology >= 0) {
      config.children.splice(topology, 1);
      return;
    }
    const found = findById(config, id, (element) => !['resource_ref', 'obj_ref', 'nvpair', 'op', 'rule', 'expression'].includes(element.name))
      ?? findById(section(this.cib, 'nodes'), id, () => false)
      ?? (() => {
        const node = section(this.cib, 'nodes').children.find((element) => element.attrs['uname'] === id);
        return node ? { element: node, parent: section(this.cib, 'nodes') } : undefined;
      })();
    if (!found) throw new NoSuchObjectError(`object ${id} does not exist`, { id });
    const { element, parent } = found;
    const deletable = resourceTags.has(element.name) || constraintTags.has(element.name) || ['tag', 'node', 'cluster_property_set', 'alert'].includes(element.name)
      || (element.name === 'meta_attributes' && (parent.name === 'rsc_defaults' || parent.name === 'op_defaults'));
    if (!deletable) throw new NoSuchObjectError(`${id} is part of an object (a <${element.name}> in <${parent.name}>), not an object that can be deleted`, { id });
    parent.children = parent.children.filter((candidate) => candidate !== element);
    if (!resourceTags.has(element.name)) return;
    const resources = section(this.cib, 'resources');
    const children = element.children.filter((nested) => resourceTags.has(nested.name));
    if (['group', 'clone', 'master'].includes(element.name)) resources.children.push(...children);
    if (parent.name === 'group' && childrenNamed(parent, 'primitive').length === 0) {
      this.messages.push(`group ${parent.attrs['id'] ?? ''} is empty and was deleted`);
      this.delete(parent.attrs['id'] ?? '');
    }
    this.dropFromTags(id);
    for (const constraint of this.constraints()) {
      if (!constraintReferences(constraint, id)) continue;
      const first = children[0]?.attrs['id'];
      const simple = childrenNamed(constraint, 'resource_set').length === 0;
      if (simple && first !== undefined) renameReference(constraint, id, first);
      dropReference(constraint, id);
      if (isSillyConstraint(constraint, id)) {
        this.removeConstraint(constraint);
        this.messages.push(`hanging ${describe(constraint)}:${constraint.attrs['id'] ?? ''} deleted`);
      } else this.messages.push(`constraint ${describe(constraint)}:${constraint.attrs['id'] ?? ''} updated`);
    }
  }

  private dropFromTags(id: string): void {
    const tags = child(configuration(this.cib), 'tags');
    if (!tags) return;
    for (const tag of childrenNamed(tags, 'tag')) {
      tag.children = tag.children.filter((ref) => ref.name !== 'obj_ref' || ref.attrs['id'] !== id);
      if (childrenNamed(tag, 'obj_ref').length === 0) {
        tags.children = tags.children.filter((candidate) => candidate !== tag);
        this.messages.push(`hanging tag:${tag.attrs['id'] ?? ''} deleted`);
      }
    }
  }
}

/**
 * Applies commands in order to a copy of `cib`.
 * @throws CrmApplyError or NoSuchObjectError; the input is unchanged either way.
 */
export function applyCommands(cib: XmlElement, commands: readonly CrmCommand[]): ApplyResult {
  const editor = new Editor(cloneElement(cib));
  for (const command of commands) {
    if (command.kind === 'delete') command.ids.forEach((id) => editor.delete(id));
    else editor.addObject(command);
  }
  return { cib: editor.cib, messages: editor.messages };
}

/** Every id in the configuration, for completion and checks. */
export function configurationIds(cib: XmlElement): string[] {
  return [...walk(configuration(cib))].map((element) => element.attrs['id']).filter((id): id is string => id !== undefined);
}
