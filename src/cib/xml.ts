/**
 * A neutral, ordered XML element tree: what the CIB, the crm language and the
 * scheduler read and write. Parsing goes through xml2js (child order kept,
 * unknown elements and attributes kept), serializing is our own so the
 * output is stable and Pacemaker-like (two-space indent, attributes in
 * insertion order).
 */
import { Parser } from 'xml2js';
import { TandemError, ExitCode } from '../errors.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text content, trimmed; only kept when non-empty. */
  text?: string;
}

/** Malformed XML; `context` names the line and column where the parser stopped. */
export class XmlParseError extends TandemError {
  constructor(message: string, context: Record<string, unknown>, cause?: unknown) {
    super('E_XML_PARSE', message, { exitCode: ExitCode.dataErr, context, cause });
  }
}

interface RawNode {
  '#name': string;
  $?: Record<string, string>;
  $$?: RawNode[];
  _?: string;
}

function fromRaw(raw: RawNode): XmlElement {
  const element: XmlElement = {
    name: raw['#name'],
    attrs: { ...(raw.$ ?? {}) },
    children: (raw.$$ ?? []).filter((child) => child['#name'] !== '__text__').map(fromRaw),
  };
  const text = raw._?.trim();
  if (text) element.text = text;
  return element;
}

/**
 * Parses an XML document into its root element. Synchronous (xml2js calls
 * back synchronously when `async` is off).
 * @throws XmlParseError naming `source` (a file name or label), line and column.
 */
export function parseXml(xmlText: string, source = '<input>'): XmlElement {
  const parser = new Parser({
    explicitChildren: true,
    preserveChildrenOrder: true,
    explicitRoot: true,
    explicitArray: true,
    charsAsChildren: false,
    includeWhiteChars: false,
    async: false,
    strict: true,
  });
  let result: Record<string, RawNode> | undefined;
  let failure: unknown;
  parser.parseString(xmlText, (error: unknown, parsed: Record<string, RawNode>) => {
    if (error) failure = error;
    else result = parsed;
  });
  if (failure !== undefined || result === undefined) {
    const message = failure instanceof Error ? failure.message : 'empty document';
    const where = /Line: (\d+)\s+Column: (\d+)/.exec(message);
    throw new XmlParseError(`${source}: malformed XML: ${message.split('\n')[0] ?? message}`, {
      source,
      // sax counts lines and columns from 0; people count from 1.
      line: where ? Number(where[1]) + 1 : undefined,
      column: where ? Number(where[2]) + 1 : undefined,
    }, failure);
  }
  const rootName = Object.keys(result)[0];
  const rootNode = rootName === undefined ? undefined : result[rootName];
  if (rootNode === undefined) throw new XmlParseError(`${source}: no root element`, { source });
  return fromRaw({ ...rootNode, '#name': rootName as string });
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Serializes an element tree; `declaration` adds `<?xml version="1.0"?>`. */
export function serializeXml(root: XmlElement, options: { declaration?: boolean; indent?: string } = {}): string {
  const indentUnit = options.indent ?? '  ';
  const lines: string[] = options.declaration ? ['<?xml version="1.0"?>'] : [];
  const write = (element: XmlElement, depth: number): void => {
    const pad = indentUnit.repeat(depth);
    const attrs = Object.entries(element.attrs).map(([key, value]) => ` ${key}="${escapeXml(value)}"`).join('');
    if (element.children.length === 0 && element.text === undefined) {
      lines.push(`${pad}<${element.name}${attrs}/>`);
      return;
    }
    if (element.children.length === 0) {
      lines.push(`${pad}<${element.name}${attrs}>${escapeXml(element.text ?? '')}</${element.name}>`);
      return;
    }
    lines.push(`${pad}<${element.name}${attrs}>${element.text === undefined ? '' : escapeXml(element.text)}`);
    for (const child of element.children) write(child, depth + 1);
    lines.push(`${pad}</${element.name}>`);
  };
  write(root, 0);
  return lines.join('\n') + '\n';
}

/** First direct child with the given element name. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((candidate) => candidate.name === name);
}

/** All direct children with the given element name. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((candidate) => candidate.name === name);
}

/** Depth-first walk over an element and all its descendants. */
export function* walk(element: XmlElement): Generator<XmlElement> {
  yield element;
  for (const nested of element.children) yield* walk(nested);
}
