/**
 * `crm configure show`: the configuration as configure-language text in
 * crmsh's layout (one object per logical line, ` \` + newline + tab between
 * parts, crmsh's object order). Ids that crmsh would not regenerate are
 * shown (`$id=...`), so the text parses back to the same CIB; objects the
 * language has no syntax for are shown as `xml <...>`.
 */
import { child, childrenNamed, serializeXml, walk, type XmlElement } from '../cib/xml.js';
import { cliNvpair, cliRule, cliScore, joinLines, nvpairFormat, quoteWrap, resourceSetWords } from './cli-format.js';
import { canonicalEqual } from '../cib/canonical.js';
import { lexScript } from './lexer.js';
import { parseStatement } from './parser.js';
import { IdAllocator } from './ids.js';
import { fencingTopologyText } from './parse-fencing.js';

export interface CliObject { type: string; id: string; element: XmlElement }

const rank: Record<string, number> = {
  node: 0, rsc_template: 1, primitive: 2, bundle: 3, group: 4, ms: 5, clone: 6, tag: 8,
  location: 9, colocation: 9, order: 9, rsc_ticket: 10, fencing_topology: 10, property: 11, rsc_defaults: 12, op_defaults: 13,
  role: 14, acl_target: 15, acl_group: 15, user: 15, alert: 16,
};
const resourceTypes: Record<string, string> = { primitive: 'primitive', template: 'rsc_template', group: 'group', clone: 'clone', master: 'ms', bundle: 'bundle' };
const constraintTypes: Record<string, string> = { rsc_location: 'location', rsc_colocation: 'colocation', rsc_order: 'order', rsc_ticket: 'rsc_ticket' };
const subPrefix: Record<string, string> = { instance_attributes: 'instance_attributes', meta_attributes: 'meta_attributes', utilization: 'utilization' };

/** Every configuration object crmsh would list, in crmsh's order (type rank, then id). */
export function cliObjects(cib: XmlElement): CliObject[] {
  const configuration = child(cib, 'configuration');
  const objects: CliObject[] = [];
  const add = (type: string, element: XmlElement): void => { objects.push({ type, id: element.attrs['id'] ?? '', element }); };
  const addResources = (parent: XmlElement): void => {
    for (const element of parent.children) {
      const type = resourceTypes[element.name];
      if (!type) continue;
      add(type, element);
      if (type !== 'bundle') addResources(element);
    }
  };
  for (const sectionElement of configuration?.children ?? []) {
    switch (sectionElement.name) {
      case 'nodes': childrenNamed(sectionElement, 'node').forEach((node) => add('node', node)); break;
      case 'resources': addResources(sectionElement); break;
      case 'constraints': sectionElement.children.forEach((element) => add(constraintTypes[element.name] ?? 'xml', element)); break;
      case 'tags': childrenNamed(sectionElement, 'tag').forEach((tag) => add('tag', tag)); break;
      case 'crm_config': childrenNamed(sectionElement, 'cluster_property_set').forEach((set) => add('property', set)); break;
      case 'rsc_defaults':
      case 'op_defaults': childrenNamed(sectionElement, 'meta_attributes').forEach((set) => add(sectionElement.name, set)); break;
      // one object, shown and deleted by this name as in crmsh
      case 'fencing-topology': objects.push({ type: 'fencing_topology', id: 'fencing_topology', element: sectionElement }); break;
      case 'alerts': childrenNamed(sectionElement, 'alert').forEach((alert) => add('alert', alert)); break;
      case 'acls': sectionElement.children.forEach((element) => add(({ acl_role: 'role', acl_user: 'user' } as Record<string, string>)[element.name] ?? element.name, element)); break;
      default: add('xml', sectionElement);
    }
  }
  return objects.sort((a, b) => (rank[a.type] ?? 1000) - (rank[b.type] ?? 1000) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function attrSet(keyword: string, set: XmlElement, ownerId: string, referenced: Set<string>): string {
  const words = [keyword];
  const id = set.attrs['id'];
  const ref = set.attrs['id-ref'];
  const expected = `${ownerId}-${subPrefix[set.name] ?? set.name}`;
  if (id !== undefined && (referenced.has(id) || id !== expected)) words.push(nvpairFormat('$id', id));
  else if (ref !== undefined) words.push(nvpairFormat('$id-ref', ref));
  if (set.attrs['score']) words.push(`${set.attrs['score']}:`);
  for (const rule of childrenNamed(set, 'rule')) words.push(`rule ${cliRule(rule, id)}`);
  for (const nvpair of childrenNamed(set, 'nvpair')) words.push(cliNvpair(nvpair, id));
  return words.join(' ');
}

function agentSpec(element: XmlElement): string {
  const agentClass = element.attrs['class'];
  const provider = element.attrs['provider'];
  const type = element.attrs['type'] ?? '';
  if (agentClass === 'ocf' && provider === 'heartbeat') return type;
  return [agentClass, provider, type].filter((part) => part !== undefined).join(':');
}

function operationLines(operations: XmlElement, ownerId: string, referenced: Set<string>): string[] {
  const lines: string[] = [];
  const words: string[] = [];
  if (operations.attrs['id'] !== undefined) words.push(nvpairFormat('$id', operations.attrs['id']));
  if (operations.attrs['id-ref'] !== undefined) words.push(nvpairFormat('$id-ref', operations.attrs['id-ref']));
  if (words.length > 0) lines.push(`operations ${words.join(' ')}`);
  for (const op of childrenNamed(operations, 'op')) {
    const parts = [`op ${op.attrs['name'] ?? ''}`];
    // crmsh prefixes op ids with the operations element's id when it has one
    const prefix = operations.attrs['id'] ?? ownerId;
    const expected = op.attrs['interval'] ? `${prefix}-${op.attrs['name'] ?? ''}-${op.attrs['interval']}` : `${prefix}-${op.attrs['name'] ?? ''}`;
    if (op.attrs['id'] !== undefined && op.attrs['id'] !== expected) parts.push(nvpairFormat('id', op.attrs['id']));
    for (const [name, value] of Object.entries(op.attrs)) if (name !== 'name' && name !== 'id') parts.push(nvpairFormat(name, value));
    const opLines = [parts.join(' ')];
    for (const set of op.children) {
      if (set.name === 'instance_attributes') opLines.push(attrSet('op_params', set, op.attrs['id'] ?? expected, referenced));
      if (set.name === 'meta_attributes') opLines.push(attrSet('op_meta', set, op.attrs['id'] ?? expected, referenced));
    }
    lines.push(joinLines(opLines));
  }
  return lines;
}

function renderXml(element: XmlElement): string {
  return `xml ${serializeXml(element).trimEnd().split('\n').join(' \\\n')}`;
}

function renderObject(object: CliObject, referenced: Set<string>): string {
  const { element, id } = object;
  const lines: string[] = [];
  const setNames: Record<string, string> = object.type === 'node' ? { instance_attributes: 'attributes', utilization: 'utilization' }
    : { instance_attributes: 'params', meta_attributes: 'meta', utilization: 'utilization' };
  switch (object.type) {
    case 'node': {
      const uname = element.attrs['uname'] ?? id;
      let head = 'node';
      // crmsh writes `id:` for any plain word but only parses [\w-]+ back
      if (id !== uname) head += /^[\w-]+$/.test(id) ? ` ${id}:` : ` $id=${id}`;
      head += ` ${uname}`;
      // crmsh drops the default type; keeping it makes the text parse back to the same node
      if (element.attrs['type']) head += `:${element.attrs['type']}`;
      lines.push(head);
      break;
    }
    case 'primitive':
    case 'rsc_template':
      lines.push(`${object.type} ${id} ${element.attrs['template'] !== undefined && object.type === 'primitive' ? `@${element.attrs['template']}` : agentSpec(element)}`);
      break;
    case 'group':
    case 'clone':
    case 'ms':
      lines.push([object.type, id, ...element.children.filter((nested) => resourceTypes[nested.name] !== undefined).map((nested) => nested.attrs['id'] ?? '')].join(' '));
      break;
    case 'location': {
      let head = `location ${id} `;
      if (element.attrs['rsc'] !== undefined) head += element.attrs['rsc'];
      else if (element.attrs['rsc-pattern'] !== undefined) head += `/${element.attrs['rsc-pattern']}/`;
      else head += `{ ${resourceSetWords(element, 'location').join(' ')} }`;
      for (const attr of ['role', 'resource-discovery']) if (element.attrs[attr] !== undefined) head += ` ${attr}=${element.attrs[attr]}`;
      if (element.attrs['node'] !== undefined) head += ` ${cliScore(element)}: ${element.attrs['node']}`;
      return joinLines([head, ...childrenNamed(element, 'rule').map((rule) => `rule ${cliRule(rule, id)}`)]);
    }
    case 'colocation':
    case 'order': {
      const score = cliScore(element) || element.attrs['kind'] || '';
      const words = childrenNamed(element, 'resource_set').length > 0 ? resourceSetWords(element, object.type)
        : object.type === 'colocation'
          ? ['rsc', 'with-rsc'].map((name) => qualified(element, name, 'role'))
          : ['first', 'then'].map((name) => qualified(element, name, 'action'));
      if (object.type === 'order' && element.attrs['symmetrical']) words.push(`symmetrical=${element.attrs['symmetrical']}`);
      if (object.type === 'colocation' && element.attrs['node-attribute']) words.push(`node-attribute=${element.attrs['node-attribute']}`);
      return `${object.type} ${id} ${score ? `${score}: ` : ''}${words.join(' ')}`;
    }
    case 'rsc_ticket': {
      const words = childrenNamed(element, 'resource_set').length > 0 ? resourceSetWords(element, 'rsc_ticket') : [qualified(element, 'rsc', 'role')];
      if (element.attrs['loss-policy']) words.push(`loss-policy=${element.attrs['loss-policy']}`);
      return `rsc_ticket ${id} ${element.attrs['ticket'] ?? ''}: ${words.join(' ')}`;
    }
    case 'tag':
      return ['tag', id, ...childrenNamed(element, 'obj_ref').map((ref) => ref.attrs['id'] ?? '')].join(' ');
    case 'fencing_topology':
      return fencingTopologyText(element) ?? renderXml(element);
    case 'property':
    case 'rsc_defaults':
    case 'op_defaults': {
      const head = `${object.type} ${element.attrs['id-ref'] !== undefined ? `$id-ref=${element.attrs['id-ref']}` : /^[\w-]+$/.test(id) ? `${id}:` : `$id=${quoteWrap(id)}`}`;
      const parts = [head];
      for (const nested of element.children) {
        if (nested.name === 'rule') parts.push(`rule ${cliRule(nested, id)}`);
        else if (nested.name === 'nvpair') parts.push(cliNvpair(nested, id));
      }
      return joinLines(parts);
    }
    default:
      return renderXml(element);
  }
  if (element.attrs['description'] !== undefined) lines.push(nvpairFormat('description', element.attrs['description']));
  for (const nested of element.children) {
    const keyword = setNames[nested.name];
    // crmsh prefixes a node's generated ids with its uname
    const owner = object.type === 'node' ? element.attrs['uname'] ?? id : id;
    if (keyword !== undefined) lines.push(attrSet(keyword, nested, owner, referenced));
    else if (nested.name === 'operations') lines.push(...operationLines(nested, id, referenced));
  }
  return joinLines(lines);
}

function qualified(element: XmlElement, name: string, qualifier: 'role' | 'action'): string {
  const resource = element.attrs[name] ?? '';
  const suffix = element.attrs[`${name}-${qualifier}`] ?? element.attrs[`${name}-instance`];
  return suffix ? `${resource}:${suffix}` : resource;
}

const containers = new Set(['group', 'clone', 'master']);

/**
 * Whether `text` parses back to exactly this object. The language cannot
 * say everything the XML can (ids of expressions, rules before nvpairs,
 * Pacemaker 2.1's rsc_expression ...); such objects are shown as XML.
 */
function parsesBack(object: CliObject, text: string): boolean {
  try {
    const statements = lexScript(text);
    const [statement] = statements;
    if (statements.length !== 1 || !statement) return false;
    const command = parseStatement(statement);
    if (command.kind !== 'object') return false;
    const built = command.type === 'rsc_defaults' || command.type === 'op_defaults' ? command.element.children[0] : command.element;
    if (!built) return false;
    new IdAllocator().fillIds(built, built.attrs['id'] ?? built.attrs['uname'] ?? '');
    const original = containers.has(object.element.name)
      ? { ...object.element, children: object.element.children.filter((nested) => resourceTypes[nested.name] === undefined) }
      : object.element;
    return canonicalEqual(built, original);
  } catch {
    // any parse failure means: show this one as XML
    return false;
  }
}

/** Ids some id-ref points at: their sets are shown with `$id=` like crmsh does. */
function referencedIds(cib: XmlElement): Set<string> {
  return new Set([...walk(cib)].map((element) => element.attrs['id-ref']).filter((id): id is string => id !== undefined));
}

/**
 * The configuration (or the objects with the given ids) as crm text.
 * Unknown ids are reported by the caller via `findObjects`.
 */
export function showConfiguration(cib: XmlElement, ids?: readonly string[]): string {
  const referenced = referencedIds(cib);
  const objects = cliObjects(cib).filter((object) => ids === undefined || ids.includes(object.id));
  return objects.map((object) => {
    const text = renderObject(object, referenced);
    if (parsesBack(object, text)) return text;
    // a defaults set alone would not say which section it belongs to
    const wrapped = object.type === 'rsc_defaults' || object.type === 'op_defaults' ? { name: object.type, attrs: {}, children: [object.element] } : object.element;
    return renderXml(wrapped);
  }).join('\n') + (objects.length > 0 ? '\n' : '');
}

/** The objects with these ids, or the ids that name nothing. */
export function findObjects(cib: XmlElement, ids: readonly string[]): { found: CliObject[]; missing: string[] } {
  const objects = cliObjects(cib);
  const found = objects.filter((object) => ids.includes(object.id));
  return { found, missing: ids.filter((id) => !found.some((object) => object.id === id)) };
}
