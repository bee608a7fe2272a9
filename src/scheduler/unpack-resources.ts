/**
 * Unpacks `<resources>`: primitives (with templates), groups, clones and
 * promotable clones (`master` or `promotable=true`), creating one instance
 * per clone-max. Children inherit their parents' meta attributes, then
 * `rsc_defaults`, as Pacemaker's unpack_resources does.
 */
import type { XmlElement } from '../cib/xml.js';
import type { Clone, Group, OpDefinition, Primitive, Resource } from './model.js';
import { parseRole } from './model.js';
import { applyNvSets, resolveRef, type IdIndex } from './nvsets.js';
import { parseIntervalMs, type RuleContext } from './rules.js';
import { parseScoreOr } from '../cib/score.js';
import { isTrue } from '../cib/values.js';

export interface ResourceUnpackContext {
  index: IdIndex;
  now: Date;
  rscDefaults: XmlElement | undefined;
  opDefaults: XmlElement | undefined;
  nodeCount: number;
  nextOrder: { value: number };
}

export function metaTrue(meta: Map<string, string>, name: string, fallback: boolean): boolean {
  return isTrue(meta.get(name), fallback);
}

function ruleCtx(ctx: ResourceUnpackContext, element: XmlElement): RuleContext {
  return { now: ctx.now, rsc: { cls: element.attrs.class ?? '', provider: element.attrs.provider, type: element.attrs.type ?? '' } };
}

function unpackOps(owner: XmlElement | undefined, ctx: ResourceUnpackContext, rule: RuleContext): OpDefinition[] {
  const opsElement = owner?.children.find((c) => c.name === 'operations');
  if (!opsElement) return [];
  const resolved = resolveRef(opsElement, ctx.index);
  return resolved.children.filter((c) => c.name === 'op').map((raw) => {
    const op = resolveRef(raw, ctx.index);
    const meta = new Map<string, string>();
    for (const [key, value] of Object.entries(op.attrs)) meta.set(key, value);
    applyNvSets(op, 'meta_attributes', meta, rule, ctx.index);
    const opName = op.attrs.name ?? '';
    const intervalMs = parseIntervalMs(meta.get('interval'));
    const opRule: RuleContext = { ...rule, op: { name: opName, intervalMs } };
    const defaults = new Map<string, string>();
    applyNvSets(ctx.opDefaults, 'meta_attributes', defaults, opRule, ctx.index);
    const onFail = meta.get('on-fail') ?? defaults.get('on-fail');
    const timeout = meta.get('timeout') ?? defaults.get('timeout');
    const definition: OpDefinition = {
      name: opName,
      intervalMs,
      enabled: isTrue(meta.get('enabled'), true),
    };
    const role = parseRole(meta.get('role'));
    if (role) definition.role = role;
    if (onFail) definition.onFail = onFail.toLowerCase();
    if (timeout) definition.timeoutMs = parseIntervalMs(timeout);
    const params = new Map<string, string>();
    applyNvSets(op, 'instance_attributes', params, opRule, ctx.index);
    if (params.size > 0) definition.params = params;
    return definition;
  });
}

/** Pacemaker's template_op_key: a primitive's own op replaces the template's of the same name and role (none meaning Started). */
function opOverrideKey(op: OpDefinition): string {
  return `${op.name}-${op.role ?? 'Started'}`;
}

function numberMap(values: Map<string, string>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [key, value] of values) result.set(key, parseScoreOr(value, 0));
  return result;
}

/**
 * `parents`: the enclosing group and clone elements, innermost first; their
 * instance attributes are inherited (as Pacemaker's get_rsc_attributes), the
 * primitive's own win.
 */
function unpackPrimitive(element: XmlElement, parentMeta: Map<string, string>, ctx: ResourceUnpackContext, idSuffix: string, parents: XmlElement[] = []): Primitive {
  const template = element.attrs.template ? ctx.index.get(element.attrs.template) : undefined;
  const source = template ? { ...template.attrs, ...element.attrs } : element.attrs;
  const rule = ruleCtx(ctx, { ...element, attrs: source });
  const meta = new Map<string, string>();
  applyNvSets(element, 'meta_attributes', meta, rule, ctx.index);
  applyNvSets(template, 'meta_attributes', meta, rule, ctx.index);
  for (const [key, value] of parentMeta) if (!meta.has(key)) meta.set(key, value);
  applyNvSets(ctx.rscDefaults, 'meta_attributes', meta, rule, ctx.index);
  const params = new Map<string, string>();
  applyNvSets(element, 'instance_attributes', params, rule, ctx.index);
  applyNvSets(template, 'instance_attributes', params, rule, ctx.index);
  for (const parent of parents) applyNvSets(parent, 'instance_attributes', params, rule, ctx.index);
  const utilization = new Map<string, string>();
  applyNvSets(element, 'utilization', utilization, rule, ctx.index);
  applyNvSets(template, 'utilization', utilization, rule, ctx.index);
  const ownOps = unpackOps(element, ctx, rule);
  const templateOps = unpackOps(template, ctx, rule)
    .filter((op) => !ownOps.some((own) => own.name === op.name && own.intervalMs === op.intervalMs));
  const baseId = element.attrs.id ?? '';
  const primitive: Primitive = {
    kind: 'primitive',
    id: baseId + idSuffix,
    baseId,
    meta,
    priority: parseScoreOr(meta.get('priority'), 0),
    order: ctx.nextOrder.value++,
    cls: source.class ?? '',
    type: source.type ?? '',
    params,
    paramsAt: (nodeAttrs) => {
      const atNode = new Map<string, string>();
      applyNvSets(element, 'instance_attributes', atNode, { ...rule, nodeAttrs }, ctx.index);
      applyNvSets(template, 'instance_attributes', atNode, { ...rule, nodeAttrs }, ctx.index);
      for (const parent of parents) applyNvSets(parent, 'instance_attributes', atNode, { ...rule, nodeAttrs }, ctx.index);
      return atNode;
    },
    ops: [...ownOps, ...templateOps.filter((op) => !ownOps.some((own) => opOverrideKey(own) === opOverrideKey(op)))],
    utilization: numberMap(utilization),
    history: new Map(),
    allowed: new Map(),
    provisional: true,
    assigning: false,
    assignedTo: null,
    role: 'Stopped',
    nextRole: 'Stopped',
    runningOn: [],
    failed: false,
    managed: true,
    blocked: false,
    orphan: false,
    restart: false,
    startBlocked: false,
    promotionScore: 0,
  };
  if (source.provider !== undefined) primitive.provider = source.provider;
  return primitive;
}

function ownMeta(element: XmlElement, parentMeta: Map<string, string>, ctx: ResourceUnpackContext): Map<string, string> {
  const meta = new Map<string, string>();
  applyNvSets(element, 'meta_attributes', meta, { now: ctx.now }, ctx.index);
  for (const [key, value] of parentMeta) if (!meta.has(key)) meta.set(key, value);
  return meta;
}

function unpackGroup(element: XmlElement, parentMeta: Map<string, string>, ctx: ResourceUnpackContext, idSuffix: string, parents: XmlElement[] = []): Group {
  const meta = ownMeta(element, parentMeta, ctx);
  const baseId = element.attrs.id ?? '';
  const group: Group = {
    kind: 'group', id: baseId + idSuffix, baseId, meta, children: [],
    priority: parseScoreOr(meta.get('priority'), 0), order: ctx.nextOrder.value++,
  };
  for (const member of element.children) {
    if (member.name !== 'primitive') continue;
    const primitive = unpackPrimitive(member, meta, ctx, idSuffix, [element, ...parents]);
    primitive.parent = group;
    group.children.push(primitive);
  }
  return group;
}

function unpackClone(element: XmlElement, ctx: ResourceUnpackContext): Clone | undefined {
  const meta = ownMeta(element, new Map(), ctx);
  const defaults = new Map<string, string>();
  applyNvSets(ctx.rscDefaults, 'meta_attributes', defaults, { now: ctx.now }, ctx.index);
  const template = element.children.find((c) => c.name === 'primitive' || c.name === 'group');
  if (!template) return undefined;
  const cloneMax = parseScoreOr(meta.get('clone-max'), ctx.nodeCount);
  const promotable = element.name === 'master' || metaTrue(meta, 'promotable', false);
  const baseId = element.attrs.id ?? '';
  const clone: Clone = {
    kind: 'clone',
    id: baseId,
    baseId,
    meta,
    priority: parseScoreOr(meta.get('priority') ?? defaults.get('priority'), 0),
    order: ctx.nextOrder.value++,
    promotable,
    uniqueInstances: metaTrue(meta, 'globally-unique', false),
    cloneMax,
    cloneNodeMax: parseScoreOr(meta.get('clone-node-max'), 1),
    promotedMax: parseScoreOr(meta.get('promoted-max') ?? meta.get('master-max'), 1),
    promotedNodeMax: parseScoreOr(meta.get('promoted-node-max') ?? meta.get('master-node-max'), 1),
    interleave: metaTrue(meta, 'interleave', false),
    instances: [],
    childTemplate: template,
    xml: element,
    allowed: new Map(),
  };
  for (let instance = 0; instance < cloneMax; instance++) clone.instances.push(makeInstance(clone, template, ctx, instance));
  return clone;
}

/** Creates clone instance `number` (also used for orphaned instances found in the status). */
export function makeInstance(clone: Clone, template: XmlElement, ctx: ResourceUnpackContext, number: number): Primitive | Group {
  const suffix = `:${number}`;
  const instance = template.name === 'group'
    ? unpackGroup(template, clone.meta, ctx, suffix, [clone.xml])
    : unpackPrimitive(template, clone.meta, ctx, suffix, [clone.xml]);
  instance.parent = clone;
  return instance;
}

/** Unpacks every top-level resource in configuration order. */
export function unpackResources(resourcesElement: XmlElement | undefined, ctx: ResourceUnpackContext): Resource[] {
  const result: Resource[] = [];
  for (const element of resourcesElement?.children ?? []) {
    if (element.name === 'primitive') result.push(unpackPrimitive(element, new Map(), ctx, ''));
    else if (element.name === 'group') result.push(unpackGroup(element, new Map(), ctx, ''));
    else if (element.name === 'clone' || element.name === 'master') {
      const clone = unpackClone(element, ctx);
      if (clone) result.push(clone);
    }
  }
  return result;
}

/** Every primitive under a resource, in order. */
export function primitivesOf(rsc: Resource): Primitive[] {
  if (rsc.kind === 'primitive') return [rsc];
  if (rsc.kind === 'group') return rsc.children;
  return rsc.instances.flatMap(primitivesOf);
}

/** The clone a resource belongs to, if any. */
export function cloneOf(rsc: Resource): Clone | undefined {
  for (let current: Resource | undefined = rsc; current; current = current.parent) {
    if (current.kind === 'clone') return current;
  }
  return undefined;
}

/** The top-level resource above `rsc`. */
export function topOf(rsc: Resource): Resource {
  let current = rsc;
  while (current.parent) current = current.parent;
  return current;
}
