/**
 * Canonical form of an element tree for equality tests: attributes sorted by
 * name, text trimmed, child order kept (it matters to Pacemaker for groups,
 * rules and sets).
 */
import type { XmlElement } from './xml.js';

/** A deep copy with attributes in name order. */
export function canonicalize(element: XmlElement): XmlElement {
  const attrs: Record<string, string> = {};
  for (const key of Object.keys(element.attrs).sort()) attrs[key] = element.attrs[key] ?? '';
  const copy: XmlElement = { name: element.name, attrs, children: element.children.map(canonicalize) };
  if (element.text !== undefined && element.text.trim() !== '') copy.text = element.text.trim();
  return copy;
}

/** Equal up to attribute order. */
export function canonicalEqual(a: XmlElement, b: XmlElement): boolean {
  return JSON.stringify(canonicalize(a)) === JSON.stringify(canonicalize(b));
}

/** Deep copy of an element tree. */
export function cloneElement(element: XmlElement): XmlElement {
  const copy: XmlElement = { name: element.name, attrs: { ...element.attrs }, children: element.children.map(cloneElement) };
  if (element.text !== undefined) copy.text = element.text;
  return copy;
}
