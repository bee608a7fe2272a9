/**
 * crmsh's id generation (idmgmt.new and fix_node_ids), so tandem writes the
 * ids crmsh would: `vip-instance_attributes`, `vip-monitor-10s`,
 * `loc-1-rule-expression-0`, `co4-0` ...
 */
import { walk, type XmlElement } from '../cib/xml.js';

const subPrefixes: Record<string, string> = {
  instance_attributes: 'instance_attributes', meta_attributes: 'meta_attributes', utilization: 'utilization',
  operations: 'ops', rule: 'rule', expression: 'expression', date_expression: 'expression', duration: 'duration', date_spec: 'date_spec',
  read: 'read', write: 'write', deny: 'deny',
};
const idless = new Set(['operations', 'fencing-topology', 'network', 'docker', 'rkt', 'storage', 'select', 'select_attributes', 'select_fencing', 'select_nodes', 'select_resources', 'rsc_defaults', 'op_defaults']);
const references = new Set(['resource_ref', 'obj_ref', 'crmsh-ref']);

/** Makes a generated id a valid XML ID (crmsh would write the invalid one and fail schema validation). */
function sanitize(id: string): string {
  const cleaned = id.replace(/[^\w.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

export class IdAllocator {
  private readonly used: Set<string>;

  /** Starts from every id in the given tree(s) (the configuration, as crmsh's id store holds). */
  constructor(...trees: Array<XmlElement | undefined>) {
    this.used = new Set();
    for (const tree of trees) {
      if (!tree) continue;
      for (const element of walk(tree)) {
        if (!references.has(element.name) && element.attrs['id'] !== undefined) this.used.add(element.attrs['id']);
      }
    }
  }

  isUsed(id: string): boolean {
    return this.used.has(id);
  }

  reserve(id: string): void {
    this.used.add(id);
  }

  /** crmsh's idmgmt.new: a fresh id for `element` under prefix `prefix`. */
  newId(element: XmlElement, prefix: string): string {
    const base = /^\d+$/.test(prefix) && element.name !== 'node' ? `num-${prefix}` : prefix;
    const name = element.attrs['name'];
    let id: string;
    if (element.name === 'nvpair') id = `${base}-${name ?? ''}`;
    else if (element.name === 'op') id = element.attrs['interval'] ? `${base}-${name ?? ''}-${element.attrs['interval']}` : `${base}-${name ?? ''}`;
    else id = subPrefixes[element.name] ? `${base}-${subPrefixes[element.name] ?? ''}` : base;
    id = sanitize(id);
    if (this.used.has(id)) {
      for (let counter = 0; counter < 99; counter++) {
        if (!this.used.has(`${id}-${counter}`)) {
          id = `${id}-${counter}`;
          break;
        }
      }
    }
    this.used.add(id);
    return id;
  }

  /**
   * crmsh's fix_node_ids: gives every element that needs an id and has
   * none a generated one, depth first, each prefixed by its nearest
   * ancestor's id (a node's uname for nodes).
   */
  fillIds(root: XmlElement, prefix: string): void {
    const visit = (element: XmlElement, inherited: string): void => {
      const needsId = !references.has(element.name) && element.attrs['id-ref'] === undefined && !idless.has(element.name);
      if (needsId) {
        const existing = element.attrs['id'] ?? element.attrs['uname'];
        if (existing !== undefined) {
          element.attrs['id'] = existing;
          this.used.add(existing);
        } else element.attrs['id'] = this.newId(element, inherited);
      }
      const next = element.name === 'node' && element.attrs['uname'] !== undefined ? element.attrs['uname'] : element.attrs['id'] ?? inherited;
      for (const nested of element.children) visit(nested, next);
    };
    visit(root, prefix);
  }
}
