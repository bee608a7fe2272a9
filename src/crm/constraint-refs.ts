/**
 * What crmsh does to constraints when resources move into a container or
 * are deleted: references are renamed or dropped, duplicate set members
 * removed, two-member sets turned back into simple constraints, and
 * constraints left pointless ("silly") removed.
 */
import { childrenNamed, type XmlElement } from '../cib/xml.js';

const referenceAttrs = ['rsc', 'with-rsc', 'first', 'then'];

function refs(constraint: XmlElement): XmlElement[] {
  return childrenNamed(constraint, 'resource_set').flatMap((set) => childrenNamed(set, 'resource_ref'));
}

/** Does the constraint name this resource? */
export function constraintReferences(constraint: XmlElement, id: string): boolean {
  return referenceAttrs.some((attr) => constraint.attrs[attr] === id) || refs(constraint).some((ref) => ref.attrs['id'] === id);
}

/** crmsh's rset_convert: a constraint whose sets hold exactly two references becomes a simple one. */
function convertSets(constraint: XmlElement): void {
  const sets = childrenNamed(constraint, 'resource_set');
  const members = sets.flatMap((set) => childrenNamed(set, 'resource_ref').map((ref) => ({ id: ref.attrs['id'] ?? '', set })));
  if (members.length !== 2) return;
  const [a, b] = members as [{ id: string; set: XmlElement }, { id: string; set: XmlElement }];
  constraint.children = constraint.children.filter((element) => element.name !== 'resource_set');
  const qualifier = (set: XmlElement): string | undefined => constraint.name === 'rsc_order' ? set.attrs['action'] : set.attrs['role'];
  if (constraint.name === 'rsc_order') {
    constraint.attrs['first'] = a.id;
    if (qualifier(a.set)) constraint.attrs['first-action'] = qualifier(a.set) ?? '';
    constraint.attrs['then'] = b.id;
    if (qualifier(b.set)) constraint.attrs['then-action'] = qualifier(b.set) ?? '';
  } else if (constraint.name === 'rsc_colocation') {
    // in one set each member follows the previous one; across sets the first set follows the second
    const [dependent, main] = sets.length === 1 ? [b, a] : [a, b];
    constraint.attrs['rsc'] = dependent.id;
    if (qualifier(dependent.set)) constraint.attrs['rsc-role'] = qualifier(dependent.set) ?? '';
    constraint.attrs['with-rsc'] = main.id;
    if (qualifier(main.set)) constraint.attrs['with-rsc-role'] = qualifier(main.set) ?? '';
  }
}

/** Renames references from `oldId` to `newId` (crmsh's rename_rscref). Returns true when changed. */
export function renameReference(constraint: XmlElement, oldId: string, newId: string): boolean {
  let changed = false;
  for (const attr of referenceAttrs) {
    if (constraint.attrs[attr] === oldId) {
      constraint.attrs[attr] = newId;
      changed = true;
    }
  }
  const all = refs(constraint);
  if (all.length === 0) return changed;
  for (const ref of all) {
    if (ref.attrs['id'] === oldId) {
      ref.attrs['id'] = newId;
      changed = true;
    }
  }
  // drop duplicates (the earlier ones, like crmsh), then convert if two remain
  const remaining = new Map<string, number>();
  for (const ref of all) remaining.set(ref.attrs['id'] ?? '', (remaining.get(ref.attrs['id'] ?? '') ?? 0) + 1);
  for (const set of childrenNamed(constraint, 'resource_set')) {
    set.children = set.children.filter((element) => {
      if (element.name !== 'resource_ref') return true;
      const id = element.attrs['id'] ?? '';
      const count = remaining.get(id) ?? 0;
      if (count > 1) {
        remaining.set(id, count - 1);
        return false;
      }
      return true;
    });
  }
  constraint.children = constraint.children.filter((element) => element.name !== 'resource_set' || childrenNamed(element, 'resource_ref').length > 0);
  if ([...remaining.values()].reduce((sum, count) => sum + Math.min(count, 1), 0) === 2) convertSets(constraint);
  return changed;
}

/** Drops references to a deleted resource (crmsh's delete_rscref). */
export function dropReference(constraint: XmlElement, id: string): void {
  for (const attr of referenceAttrs) if (constraint.attrs[attr] === id) delete constraint.attrs[attr];
  if (constraint.name === 'rsc_location' || constraint.name === 'rsc_ticket') {
    if (constraint.attrs['rsc'] === id) delete constraint.attrs['rsc'];
  }
  const sets = childrenNamed(constraint, 'resource_set');
  if (sets.length === 0) return;
  for (const set of sets) set.children = set.children.filter((element) => element.name !== 'resource_ref' || element.attrs['id'] !== id);
  constraint.children = constraint.children.filter((element) => element.name !== 'resource_set' || childrenNamed(element, 'resource_ref').length > 0);
  const remainingSets = childrenNamed(constraint, 'resource_set');
  const nonSequential = remainingSets.some((set) => set.attrs['sequential'] === 'false' && childrenNamed(set, 'resource_ref').length > 1);
  if (!nonSequential && refs(constraint).length === 2) {
    for (const set of remainingSets) delete set.attrs['sequential'];
    convertSets(constraint);
  }
}

/** crmsh's silly_constraint: no longer meaningful (too few resources, or a resource with itself). */
export function isSillyConstraint(constraint: XmlElement, id: string): boolean {
  const setRefs = refs(constraint);
  const single = constraint.name === 'rsc_location' || constraint.name === 'rsc_ticket';
  if (setRefs.length > 0) return single ? setRefs.length < 1 : setRefs.length <= 1;
  const named = referenceAttrs.filter((attr) => constraint.attrs[attr] !== undefined);
  if (single) return named.length < 1 && constraint.attrs['rsc-pattern'] === undefined;
  return named.length < 2 || named.filter((attr) => constraint.attrs[attr] === id).length === 2;
}
