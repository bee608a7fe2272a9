/**
 * Unpacks `<constraints>`: rsc_location (node/score and rules, rsc-pattern,
 * roles, sets), rsc_colocation and rsc_order (pairs and resource sets).
 * Constraints may name templates or tags; they expand to every member.
 */
import type { XmlElement } from '../cib/xml.js';
import type { ClusterNode, ColocationConstraint, LocationConstraint, OrderConstraint, OrderKind, Resource, WorkingSet } from './model.js';
import { parseRole } from './model.js';
import { resolveRef, type IdIndex } from './nvsets.js';
import { evaluateRule, ruleScore } from './rules.js';
import { INFINITY, parseScoreOr } from '../cib/score.js';
import { isTrue } from '../cib/values.js';

export interface ConstraintContext {
  ws: WorkingSet;
  index: IdIndex;
  /** Template id → primitives built from it. Tag id → referenced ids. */
  expansions: Map<string, Resource[]>;
}

function resolve(ctx: ConstraintContext, id: string | undefined): Resource[] {
  if (id === undefined) return [];
  const direct = ctx.ws.byId.get(id);
  if (direct) return [direct];
  return ctx.expansions.get(id) ?? [];
}

function nodeList(ws: WorkingSet): ClusterNode[] {
  return ws.nodeOrder.map((name) => ws.nodes.get(name) as ClusterNode);
}

function unpackLocation(element: XmlElement, ctx: ConstraintContext): void {
  const { ws } = ctx;
  const targets: Resource[] = [];
  if (element.attrs.rsc !== undefined) targets.push(...resolve(ctx, element.attrs.rsc));
  else if (element.attrs['rsc-pattern'] !== undefined) {
    // A leading "!" inverts the pattern.
    const text = element.attrs['rsc-pattern'];
    const invert = text.startsWith('!');
    const pattern = new RegExp(invert ? text.slice(1) : text);
    for (const rsc of ws.resources) if (pattern.test(rsc.id) !== invert) targets.push(rsc);
  }
  for (const set of element.children.filter((c) => c.name === 'resource_set')) {
    for (const ref of set.children.filter((c) => c.name === 'resource_ref')) targets.push(...resolve(ctx, ref.attrs.id));
  }
  const role = parseRole(element.attrs.role);
  const rules = element.children.filter((c) => c.name === 'rule').map((r) => resolveRef(r, ctx.index));
  for (const rsc of targets) {
    const base: LocationConstraint = { id: element.attrs.id ?? '', rsc };
    if (role) base.role = role;
    if (element.attrs.node !== undefined) {
      if (!ws.nodes.has(element.attrs.node)) continue;
      ws.locations.push({ ...base, node: element.attrs.node, score: parseScoreOr(element.attrs.score, 0) });
      continue;
    }
    for (const rule of rules) {
      const ruleRole = parseRole(rule.attrs.role) ?? role;
      const scoreByNode = new Map<string, number>();
      const usesParams = rule.children.some((expr) => expr.attrs['value-source'] === 'param');
      for (const node of nodeList(ws)) {
        const rscContext = rsc.kind !== 'primitive' ? {}
          : { rscParams: usesParams ? rsc.paramsAt(node.attrs) : rsc.params, rscMeta: rsc.meta };
        if (evaluateRule(rule, { now: ws.now, nodeAttrs: node.attrs, ...rscContext })) scoreByNode.set(node.uname, ruleScore(rule, node.attrs));
      }
      const constraint: LocationConstraint = { ...base, scoreByNode };
      if (ruleRole) constraint.role = ruleRole;
      ws.locations.push(constraint);
    }
  }
}

function setMembers(set: XmlElement, ctx: ConstraintContext): Resource[] {
  return set.children.filter((c) => c.name === 'resource_ref').flatMap((ref) => resolve(ctx, ref.attrs.id));
}

function isSequential(set: XmlElement): boolean {
  return !['false', 'no', '0', 'off'].includes((set.attrs.sequential ?? 'true').toLowerCase());
}

function addColocation(ctx: ConstraintContext, id: string, dependent: Resource, primary: Resource, score: number,
  dependentRole: string | undefined, primaryRole: string | undefined, attribute: string | undefined, influence: boolean): void {
  if (dependent === primary) return;
  const constraint: ColocationConstraint = {
    id, dependent, primary, score, nodeAttribute: attribute ?? '#uname', influence,
  };
  const dr = parseRole(dependentRole);
  const pr = parseRole(primaryRole);
  if (dr && dr !== 'Started') constraint.dependentRole = dr;
  if (pr && pr !== 'Started') constraint.primaryRole = pr;
  ctx.ws.colocations.push(constraint);
}

function unpackColocation(element: XmlElement, ctx: ConstraintContext): void {
  const id = element.attrs.id ?? '';
  const score = parseScoreOr(element.attrs.score, 0);
  const influence = !['false', 'no', '0', 'off'].includes((element.attrs.influence ?? 'true').toLowerCase());
  const attribute = element.attrs['node-attribute'];
  const sets = element.children.filter((c) => c.name === 'resource_set').map((s) => resolveRef(s, ctx.index));
  if (sets.length === 0) {
    for (const dependent of resolve(ctx, element.attrs.rsc)) {
      for (const primary of resolve(ctx, element.attrs['with-rsc'])) {
        addColocation(ctx, id, dependent, primary, score, element.attrs['rsc-role'], element.attrs['with-rsc-role'], attribute, influence);
      }
    }
    return;
  }
  for (const set of sets) {
    const members = setMembers(set, ctx);
    const setScore = set.attrs.score !== undefined ? parseScoreOr(set.attrs.score, 0) : score;
    if (!isSequential(set)) continue;
    if (setScore < 0) {
      // A negative set keeps every member away from every other one.
      for (let j = 1; j < members.length; j++) {
        for (let i = 0; i < j; i++) addColocation(ctx, id, members[j] as Resource, members[i] as Resource, setScore, set.attrs.role, set.attrs.role, attribute, influence);
      }
      continue;
    }
    for (let i = 1; i < members.length; i++) {
      addColocation(ctx, id, members[i] as Resource, members[i - 1] as Resource, setScore, set.attrs.role, set.attrs.role, attribute, influence);
    }
  }
  for (let i = 0; i + 1 < sets.length; i++) {
    const set1 = sets[i] as XmlElement;
    const set2 = sets[i + 1] as XmlElement;
    const members1 = setMembers(set1, ctx);
    const members2 = setMembers(set2, ctx);
    const dependents = isSequential(set1) ? members1.slice(0, 1) : members1;
    const primaries = isSequential(set2) ? members2.slice(-1) : members2;
    for (const dependent of dependents) {
      for (const primary of primaries) {
        addColocation(ctx, id, dependent, primary, score, set1.attrs.role, set2.attrs.role, attribute, influence);
      }
    }
  }
}

function orderKind(element: XmlElement): OrderKind {
  const kind = element.attrs.kind;
  if (kind === 'Optional' || kind === 'Serialize' || kind === 'Mandatory') return kind;
  if (element.attrs.score !== undefined) return parseScoreOr(element.attrs.score, 0) === 0 ? 'Optional' : 'Mandatory';
  return 'Mandatory';
}

function addOrder(ctx: ConstraintContext, id: string, first: Resource, firstAction: string, then: Resource, thenAction: string, kind: OrderKind, symmetrical: boolean,
  requireAll = true, anyOf?: Resource[]): void {
  if (first === then) return;
  const order: OrderConstraint = { id, first, firstAction, then, thenAction, kind, symmetrical, requireAll };
  if (anyOf) order.anyOf = anyOf;
  ctx.ws.orders.push(order);
}

function isFalse(value: string | undefined): boolean {
  return ['false', 'no', '0', 'off'].includes((value ?? '').toLowerCase());
}

function unpackOrder(element: XmlElement, ctx: ConstraintContext): void {
  const id = element.attrs.id ?? '';
  const kind = orderKind(element);
  const symmetrical = isTrue(element.attrs.symmetrical, kind !== 'Serialize');
  const sets = element.children.filter((c) => c.name === 'resource_set').map((s) => resolveRef(s, ctx.index));
  if (sets.length === 0) {
    const firstAction = element.attrs['first-action'] ?? 'start';
    const thenAction = element.attrs['then-action'] ?? firstAction;
    for (const first of resolve(ctx, element.attrs.first)) {
      for (const then of resolve(ctx, element.attrs.then)) addOrder(ctx, id, first, firstAction, then, thenAction, kind, symmetrical, !isFalse(element.attrs['require-all']));
    }
    return;
  }
  for (const set of sets) {
    if (!isSequential(set)) continue;
    const members = setMembers(set, ctx);
    const action = set.attrs.action ?? 'start';
    for (let i = 1; i < members.length; i++) addOrder(ctx, id, members[i - 1] as Resource, action, members[i] as Resource, action, kind, symmetrical);
  }
  for (let i = 0; i + 1 < sets.length; i++) {
    const set1 = sets[i] as XmlElement;
    const set2 = sets[i + 1] as XmlElement;
    const members1 = setMembers(set1, ctx);
    const members2 = setMembers(set2, ctx);
    const firsts = isSequential(set1) ? members1.slice(-1) : members1;
    const thens = isSequential(set2) ? members2.slice(0, 1) : members2;
    const anyOf = isFalse(set1.attrs['require-all']) && !isSequential(set1) ? firsts : undefined;
    for (const first of firsts) {
      for (const then of thens) addOrder(ctx, id, first, set1.attrs.action ?? 'start', then, set2.attrs.action ?? 'start', kind, symmetrical, anyOf === undefined, anyOf);
    }
  }
}

/** Unpacks all constraints into the working set. */
export function unpackConstraints(constraints: XmlElement | undefined, ctx: ConstraintContext): void {
  for (const raw of constraints?.children ?? []) {
    const element = resolveRef(raw, ctx.index);
    if (element.name === 'rsc_location') unpackLocation(element, ctx);
    else if (element.name === 'rsc_colocation') unpackColocation(element, ctx);
    else if (element.name === 'rsc_order') unpackOrder(element, ctx);
  }
}

export { INFINITY };
