/**
 * A neutral, ordered XML element tree: what the CIB, the crm language and the
 * scheduler read and write. Plain well-formed XML is read by a fast scanner
 * (xml-fast.ts); anything else goes through sax, the streaming parser xml2js
 * itself runs on, which also reports malformed XML with line and column;
 * unknown elements and attributes are kept, comments dropped. Serializing is
 * our own so the output is stable and Pacemaker-like (two-space indent,
 * attributes in insertion order).
 */
import { createRequire } from 'node:module';
import type { SAXParser } from 'sax';
import { TandemError, ExitCode } from '../errors.js';
import { parseXmlFast } from './xml-fast.js';

/** sax, loaded only when the fast path declines a document (most runs never need it). */
function saxParser(): SAXParser {
  const require = createRequire(import.meta.url);
  const sax = require('sax') as typeof import('sax');
  return sax.parser(true, { trim: false, normalize: false, position: true });
}

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

/**
 * Parses an XML document into its root element. Synchronous.
 * @throws XmlParseError naming `source` (a file name or label), line and column.
 */
export function parseXml(xmlText: string, source = '<input>'): XmlElement {
  return parseXmlFast(xmlText) ?? parseXmlWithSax(xmlText, source);
}

/**
 * parseXml through sax alone: what the fast path declines goes here, and
 * the fast path's tests take its tree as the reference.
 * @throws XmlParseError naming `source`, line and column.
 */
export function parseXmlWithSax(xmlText: string, source = '<input>'): XmlElement {
  const parser = saxParser();
  const stack: Array<{ element: XmlElement; text: string }> = [];
  let root: XmlElement | undefined;
  parser.onopentag = (tag) => {
    const element: XmlElement = { name: tag.name, attrs: { ...(tag.attributes as Record<string, string>) }, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else root = element;
    stack.push({ element, text: '' });
  };
  parser.ontext = (text) => {
    const current = stack[stack.length - 1];
    if (current) current.text += text;
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = () => {
    const closed = stack.pop();
    const text = closed?.text.trim();
    if (closed && text) closed.element.text = text;
  };
  try {
    parser.write(xmlText).close();
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    const where = /Line: (\d+)\s+Column: (\d+)/.exec(message);
    throw new XmlParseError(`${source}: malformed XML: ${message.split('\n')[0] ?? message}`, {
      source,
      // sax counts lines and columns from 0; people count from 1.
      line: where ? Number(where[1]) + 1 : undefined,
      column: where ? Number(where[2]) + 1 : undefined,
    }, failure);
  }
  if (root === undefined) throw new XmlParseError(`${source}: no root element`, { source });
  return root;
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
