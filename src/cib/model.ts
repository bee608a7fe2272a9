/**
 * Typed views over a CIB element tree. The XML tree stays the source of
 * truth (so unknown elements and attributes survive every round trip); these
 * functions read it into plain typed values for validation, `show` and
 * whoever wants types instead of attribute strings.
 */
import { child, childrenNamed, type XmlElement } from './xml.js';
import { clusterOptionSpecs, typedClusterOption, type ClusterOptionValue } from './cluster-options.js';
import { isTrue, parseIntervalMs } from './values.js';
import { parseScore } from './score.js';

export interface CibVersion { adminEpoch: number; epoch: number; numUpdates: number }

export interface CibHeader extends CibVersion {
  validateWith?: string;
  crmFeatureSet?: string;
  haveQuorum?: boolean;
  dcUuid?: string;
}

/** An nvpair set (instance_attributes, meta_attributes, utilization, cluster_property_set). */
export interface NvSet {
  kind: string;
  id?: string;
  idRef?: string;
  score?: number;
  rules: XmlElement[];
  values: Record<string, string>;
  element: XmlElement;
}

export interface Operation {
  id?: string;
  name: string;
  interval: string;
  intervalMs: number | undefined;
  timeoutMs?: number | undefined;
  role?: string;
  element: XmlElement;
}

export type ResourceKind = 'primitive' | 'template' | 'group' | 'clone' | 'master' | 'bundle';

export interface Resource {
  kind: ResourceKind;
  id: string;
  /** primitive/template: agent class, provider, type; primitive may name a template instead. */
  agentClass?: string;
  provider?: string;
  type?: string;
  template?: string;
  /** clone with promotable=true, or the legacy master element. */
  promotable: boolean;
  instanceAttributes: NvSet[];
  metaAttributes: NvSet[];
  utilization: NvSet[];
  operations: Operation[];
  children: Resource[];
  parent?: string;
  element: XmlElement;
}

export interface ResourceSet { id?: string; resources: string[]; sequential?: string; requireAll?: string; role?: string; action?: string; kind?: string; score?: string; element: XmlElement }

export interface Constraint {
  kind: 'rsc_location' | 'rsc_colocation' | 'rsc_order' | 'rsc_ticket';
  id: string;
  /** Resource ids this constraint names directly or through sets. */
  references: string[];
  score?: string;
  sets: ResourceSet[];
  rules: XmlElement[];
  element: XmlElement;
}

export interface CibNode { id: string; uname?: string; type?: string; attributes: NvSet[]; utilization: NvSet[]; element: XmlElement }

function intAttr(element: XmlElement, name: string, fallback = 0): number {
  const value = Number(element.attrs[name]);
  return Number.isFinite(value) ? value : fallback;
}

/** The header attributes of the `cib` element; missing counters read as 0. */
export function cibHeader(cib: XmlElement): CibHeader {
  const header: CibHeader = { adminEpoch: intAttr(cib, 'admin_epoch'), epoch: intAttr(cib, 'epoch'), numUpdates: intAttr(cib, 'num_updates') };
  if (cib.attrs['validate-with'] !== undefined) header.validateWith = cib.attrs['validate-with'];
  if (cib.attrs['crm_feature_set'] !== undefined) header.crmFeatureSet = cib.attrs['crm_feature_set'];
  if (cib.attrs['have-quorum'] !== undefined) header.haveQuorum = ['1', 'true'].includes(cib.attrs['have-quorum']);
  if (cib.attrs['dc-uuid'] !== undefined) header.dcUuid = cib.attrs['dc-uuid'];
  return header;
}

/** A section of `configuration` (crm_config, nodes, resources ...), if present. */
export function configSection(cib: XmlElement, name: string): XmlElement | undefined {
  const configuration = child(cib, 'configuration');
  return configuration ? child(configuration, name) : undefined;
}

/** Reads an nvpair set element. */
export function readNvSet(element: XmlElement): NvSet {
  const values: Record<string, string> = {};
  for (const nvpair of childrenNamed(element, 'nvpair')) {
    if (nvpair.attrs['name'] !== undefined) values[nvpair.attrs['name']] = nvpair.attrs['value'] ?? '';
  }
  const set: NvSet = { kind: element.name, rules: childrenNamed(element, 'rule'), values, element };
  if (element.attrs['id'] !== undefined) set.id = element.attrs['id'];
  if (element.attrs['id-ref'] !== undefined) set.idRef = element.attrs['id-ref'];
  const score = element.attrs['score'] === undefined ? undefined : parseScore(element.attrs['score']);
  if (score !== undefined) set.score = score;
  return set;
}

/**
 * The effective cluster options: every known option with Pacemaker's
 * default, overridden by the nvpairs of the cluster_property_sets (first
 * set wins, like Pacemaker without rules). Values are typed; an invalid
 * value falls back to the default.
 */
export function clusterOptions(cib: XmlElement): Record<string, ClusterOptionValue> {
  const options: Record<string, ClusterOptionValue> = {};
  for (const [name, spec] of Object.entries(clusterOptionSpecs)) {
    const typed = typedClusterOption(name, spec.default);
    if (typed !== undefined) options[name] = typed;
  }
  const seen = new Set<string>();
  for (const set of childrenNamed(configSection(cib, 'crm_config') ?? { name: '', attrs: {}, children: [] }, 'cluster_property_set')) {
    for (const [name, text] of Object.entries(readNvSet(set).values)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const typed = typedClusterOption(name, text);
      if (typed !== undefined) options[name] = typed;
    }
  }
  return options;
}

function readOperation(element: XmlElement): Operation {
  const operation: Operation = {
    name: element.attrs['name'] ?? '',
    interval: element.attrs['interval'] ?? '0',
    intervalMs: parseIntervalMs(element.attrs['interval'] ?? '0'),
    element,
  };
  if (element.attrs['id'] !== undefined) operation.id = element.attrs['id'];
  if (element.attrs['timeout'] !== undefined) operation.timeoutMs = parseIntervalMs(element.attrs['timeout']);
  if (element.attrs['role'] !== undefined) operation.role = element.attrs['role'];
  return operation;
}

const resourceKinds = new Set<string>(['primitive', 'template', 'group', 'clone', 'master', 'bundle']);

/** Reads one resource element (and its children) into a typed view. */
export function readResource(element: XmlElement, parent?: string): Resource {
  const id = element.attrs['id'] ?? '';
  const meta = childrenNamed(element, 'meta_attributes').map(readNvSet);
  const resource: Resource = {
    kind: element.name as ResourceKind,
    id,
    promotable: element.name === 'master' || meta.some((set) => isTrue(set.values['promotable'])),
    instanceAttributes: childrenNamed(element, 'instance_attributes').map(readNvSet),
    metaAttributes: meta,
    utilization: childrenNamed(element, 'utilization').map(readNvSet),
    operations: childrenNamed(child(element, 'operations') ?? { name: '', attrs: {}, children: [] }, 'op').map(readOperation),
    children: element.children.filter((nested) => resourceKinds.has(nested.name)).map((nested) => readResource(nested, id)),
    element,
  };
  if (parent !== undefined) resource.parent = parent;
  for (const [attr, key] of [['class', 'agentClass'], ['provider', 'provider'], ['type', 'type'], ['template', 'template']] as const) {
    if (element.attrs[attr] !== undefined) resource[key] = element.attrs[attr];
  }
  return resource;
}

/** Top-level resources (templates included), in document order. */
export function resources(cib: XmlElement): Resource[] {
  const section = configSection(cib, 'resources');
  return section ? section.children.filter((element) => resourceKinds.has(element.name)).map((element) => readResource(element)) : [];
}

/** Every resource at any depth (templates included), parents before children. */
export function allResources(cib: XmlElement): Resource[] {
  const out: Resource[] = [];
  const visit = (resource: Resource): void => { out.push(resource); resource.children.forEach(visit); };
  resources(cib).forEach(visit);
  return out;
}

function readSet(element: XmlElement): ResourceSet {
  const set: ResourceSet = { resources: childrenNamed(element, 'resource_ref').map((ref) => ref.attrs['id'] ?? ''), element };
  const fields = [['id', 'id'], ['sequential', 'sequential'], ['require-all', 'requireAll'], ['role', 'role'], ['action', 'action'], ['kind', 'kind'], ['score', 'score']] as const;
  for (const [attr, key] of fields) if (element.attrs[attr] !== undefined) set[key] = element.attrs[attr];
  return set;
}

const referenceAttrs: Record<string, readonly string[]> = {
  rsc_location: ['rsc'], rsc_colocation: ['rsc', 'with-rsc'], rsc_order: ['first', 'then'], rsc_ticket: ['rsc'],
};

/** The constraints, typed, in document order (unknown constraint elements skipped). */
export function constraints(cib: XmlElement): Constraint[] {
  const section = configSection(cib, 'constraints');
  if (!section) return [];
  return section.children.filter((element) => element.name in referenceAttrs).map((element) => {
    const sets = childrenNamed(element, 'resource_set').map(readSet);
    const direct = (referenceAttrs[element.name] ?? []).map((attr) => element.attrs[attr]).filter((value): value is string => value !== undefined);
    const constraint: Constraint = {
      kind: element.name as Constraint['kind'],
      id: element.attrs['id'] ?? '',
      references: [...direct, ...sets.flatMap((set) => set.resources)],
      sets,
      rules: childrenNamed(element, 'rule'),
      element,
    };
    if (element.attrs['score'] !== undefined) constraint.score = element.attrs['score'];
    return constraint;
  });
}

/** Cluster nodes from the nodes section. */
export function nodes(cib: XmlElement): CibNode[] {
  const section = configSection(cib, 'nodes');
  return section ? childrenNamed(section, 'node').map((element) => {
    const node: CibNode = {
      id: element.attrs['id'] ?? '',
      attributes: childrenNamed(element, 'instance_attributes').map(readNvSet),
      utilization: childrenNamed(element, 'utilization').map(readNvSet),
      element,
    };
    if (element.attrs['uname'] !== undefined) node.uname = element.attrs['uname'];
    if (element.attrs['type'] !== undefined) node.type = element.attrs['type'];
    return node;
  }) : [];
}

export { nodeStates, failCounts, type NodeState, type LrmResource, type LrmRscOp, type FailCount } from './status.js';
