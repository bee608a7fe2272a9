/**
 * The CIB changes the local API offers, as the DC runs them: each checks its
 * parameters (BadRequestError naming the field) and edits the CIB copy it is
 * given; the controller bumps the version, persists and replicates.
 */
import { parseXml, type XmlElement } from '../cib/xml.js';
import { cleanupResource } from '../controller/op-history.js';
import { clearMoveConstraints, preferNode, replaceConfiguration, setNodeAttribute, setResourceMeta } from '../controller/cib-requests.js';
import { BadRequestError } from './api/protocol.js';
import { NoSuchObjectError } from '../errors.js';
import { setTransientAttribute } from '../controller/cib-edit.js';
import type { DcHandler } from './cluster-controller.js';

function stringParam(params: Record<string, unknown>, name: string, optional = false): string | undefined {
  const value = params[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '') throw new BadRequestError(`parameter '${name}' must be a non-empty string`, { field: name });
  return value;
}

function intParam(record: Record<string, unknown>, name: string): number {
  const value = record[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new BadRequestError(`parameter 'base.${name}' must be a non-negative integer`, { field: `base.${name}` });
  return value;
}

/** cib.replace {xml, base: {adminEpoch, epoch}}: a new configuration, refused when the CIB changed since `base`. */
const replace: DcHandler = (cib: XmlElement, params) => {
  const xml = stringParam(params, 'xml') as string;
  const base = params.base;
  if (base === null || typeof base !== 'object') throw new BadRequestError("parameter 'base' must be {adminEpoch, epoch, numUpdates}", { field: 'base' });
  const record = base as Record<string, unknown>;
  replaceConfiguration(cib, parseXml(xml, 'request xml'), { adminEpoch: intParam(record, 'adminEpoch'), epoch: intParam(record, 'epoch'), numUpdates: 0 });
};

/** resource.cleanup {resource, node?}: forgets history and fail counts, so it is probed again. */
const cleanup: DcHandler = (cib, params) => {
  cleanupResource(cib, stringParam(params, 'resource') as string, stringParam(params, 'node', true));
};

/** resource.meta {resource, name, value?}: sets or removes a meta attribute (target-role for start/stop). */
const meta: DcHandler = (cib, params) => {
  setResourceMeta(cib, stringParam(params, 'resource') as string, stringParam(params, 'name') as string, stringParam(params, 'value', true));
};

/** node.attribute {node, name, value?}: sets or removes a node attribute (standby). */
const nodeAttribute: DcHandler = (cib, params) => {
  setNodeAttribute(cib, stringParam(params, 'node') as string, stringParam(params, 'name') as string, stringParam(params, 'value', true));
};

/** node.transient {node, name, value?}: sets or removes a transient node attribute (shutdown). */
const nodeTransient: DcHandler = (cib, params) => {
  const uname = stringParam(params, 'node') as string;
  const nodes = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'nodes');
  const node = nodes?.children.find((c) => c.name === 'node' && c.attrs.uname === uname);
  if (!node) throw new NoSuchObjectError(`no node '${uname}'`, { node: uname });
  setTransientAttribute(cib, { id: node.attrs.id ?? uname, uname }, stringParam(params, 'name') as string, stringParam(params, 'value', true));
};

/** resource.move {resource, node}: prefers the node with a cli-prefer constraint. */
const move: DcHandler = (cib, params) => {
  preferNode(cib, stringParam(params, 'resource') as string, stringParam(params, 'node') as string);
};

/** resource.clear {resource}: removes the constraints move created. */
const clear: DcHandler = (cib, params) => {
  clearMoveConstraints(cib, stringParam(params, 'resource') as string);
};

export const dcHandlers: ReadonlyMap<string, DcHandler> = new Map([
  ['cib.replace', replace],
  ['resource.cleanup', cleanup],
  ['resource.meta', meta],
  ['node.attribute', nodeAttribute],
  ['node.transient', nodeTransient],
  ['resource.move', move],
  ['resource.clear', clear],
]);
