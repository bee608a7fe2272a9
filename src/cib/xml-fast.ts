/**
 * The fast path of parseXml: a scanner for the well-formed, plain XML that
 * CIBs are (elements, attributes, text, comments, the XML declaration,
 * CDATA, the five predefined entities and character references). It jumps
 * with indexOf and regular expressions instead of walking character by
 * character as sax does, which is most of the parse time of a large CIB.
 * Anything it does not fully understand or finds malformed (a DOCTYPE, an
 * unknown entity, a mismatched tag, text outside the root ...) makes it
 * return undefined, and the caller parses with sax, which accepts or
 * reports the error with line and column exactly as before.
 */
import type { XmlElement } from './xml.js';

const namePattern = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
// One attribute: whitespace, name, optional whitespace, =, quoted value.
const attributePattern = /\s+([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const tagEndPattern = /\s*(\/?)>/y;
const entityPattern = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9A-Fa-f]+));/g;
const predefined: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const nonSpace = /\S/;
const strayAmpersand = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)/;

/** Resolves entity and character references; undefined for anything else after an `&`. */
function decode(text: string): string | undefined {
  if (!text.includes('&')) return text;
  if (strayAmpersand.test(text)) return undefined;
  let bad = false;
  const decoded = text.replace(entityPattern, (_match, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return predefined[name] ?? '';
    const code = dec !== undefined ? Number(dec) : Number.parseInt(hex ?? '', 16);
    if (!(code > 0 && code <= 0x10ffff)) bad = true;
    return bad ? '' : String.fromCodePoint(code);
  });
  return bad ? undefined : decoded;
}

/** `]]>` may not appear in text. */
function plainText(text: string): boolean {
  return !text.includes(']]>');
}

/**
 * Parses `xmlText` when it is plain, well-formed XML; undefined otherwise
 * (the caller then uses sax).
 */
export function parseXmlFast(xmlText: string): XmlElement | undefined {
  const stack: { element: XmlElement; text: string }[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  const length = xmlText.length;
  while (pos < length) {
    const open = xmlText.indexOf('<', pos);
    const textEnd = open < 0 ? length : open;
    if (textEnd > pos) {
      const raw = xmlText.slice(pos, textEnd);
      const current = stack[stack.length - 1];
      if (current === undefined) {
        // Outside the root only whitespace may appear.
        if (raw.trim() !== '') return undefined;
      } else if (current.text !== '' || nonSpace.test(raw)) {
        // Indentation between elements is dropped at once (it would be trimmed away anyway).
        if (!plainText(raw)) return undefined;
        const text = decode(raw);
        if (text === undefined) return undefined;
        current.text += text;
      }
    }
    if (open < 0) break;
    const next = xmlText.charCodeAt(open + 1);
    if (next === 0x21 /* ! */) {
      if (xmlText.startsWith('<!--', open)) {
        const end = xmlText.indexOf('-->', open + 4);
        if (end < 0 || xmlText.slice(open + 4, end).includes('--')) return undefined;
        pos = end + 3;
        continue;
      }
      if (xmlText.startsWith('<![CDATA[', open) && stack.length > 0) {
        const end = xmlText.indexOf(']]>', open + 9);
        if (end < 0) return undefined;
        (stack[stack.length - 1] as { text: string }).text += xmlText.slice(open + 9, end);
        pos = end + 3;
        continue;
      }
      return undefined; // DOCTYPE and the like
    }
    if (next === 0x3f /* ? */) {
      const end = xmlText.indexOf('?>', open + 2);
      if (end < 0 || stack.length > 0 || root !== undefined) return undefined;
      pos = end + 2;
      continue;
    }
    if (next === 0x2f /* / */) {
      namePattern.lastIndex = open + 2;
      const name = namePattern.exec(xmlText)?.[0];
      const closed = stack.pop();
      if (name === undefined || closed === undefined || closed.element.name !== name) return undefined;
      tagEndPattern.lastIndex = open + 2 + name.length;
      const end = tagEndPattern.exec(xmlText);
      if (end === null || end[1] === '/') return undefined;
      const text = closed.text.trim();
      if (text) closed.element.text = text;
      pos = tagEndPattern.lastIndex;
      continue;
    }
    namePattern.lastIndex = open + 1;
    const name = namePattern.exec(xmlText)?.[0];
    if (name === undefined) return undefined;
    if (stack.length === 0 && root !== undefined) return undefined; // a second root
    const attrs: Record<string, string> = {};
    let cursor = open + 1 + name.length;
    for (;;) {
      attributePattern.lastIndex = cursor;
      const match = attributePattern.exec(xmlText);
      if (match === null) break;
      const attrName = match[1] as string;
      if (Object.prototype.hasOwnProperty.call(attrs, attrName)) return undefined; // duplicate attribute
      const value = decode(match[2] ?? match[3] ?? '');
      if (value === undefined) return undefined;
      attrs[attrName] = value;
      cursor = attributePattern.lastIndex;
    }
    tagEndPattern.lastIndex = cursor;
    const end = tagEndPattern.exec(xmlText);
    if (end === null) return undefined;
    const element: XmlElement = { name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else root = element;
    if (end[1] !== '/') stack.push({ element, text: '' });
    pos = tagEndPattern.lastIndex;
  }
  if (stack.length > 0 || root === undefined) return undefined;
  return root;
}
