/**
 * One table of renderers per output format. A command builds a plain data
 * value and a text renderer; `json` and `xml` come for free, so scripts
 * never scrape text.
 */
import { UsageError } from '../errors.js';
import { serializeXml, type XmlElement } from '../cib/xml.js';

export const outputFormats = ['text', 'json', 'xml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** Validates a `--output` value. @throws UsageError naming the bad value. */
export function parseOutputFormat(value: string): OutputFormat {
  if ((outputFormats as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`--output: unknown format '${value}' (expected one of ${outputFormats.join(', ')})`, { option: 'output', value });
}

export interface Renderers<T> {
  text: (data: T) => string;
  /** Optional; default: a generic XML rendering of the data. */
  xml?: (data: T) => XmlElement;
}

function toXml(name: string, value: unknown): XmlElement {
  if (Array.isArray(value)) return { name, attrs: {}, children: value.map((item) => toXml('item', item)) };
  if (value !== null && typeof value === 'object') {
    const attrs: Record<string, string> = {};
    const children: XmlElement[] = [];
    for (const [key, nested] of Object.entries(value)) {
      if (nested === undefined) continue;
      if (nested !== null && typeof nested === 'object') children.push(toXml(key, nested));
      else attrs[key] = String(nested);
    }
    return { name, attrs, children };
  }
  return { name, attrs: { value: String(value) }, children: [] };
}

/** Renders data in the chosen format; always ends with a newline. */
export function render<T>(format: OutputFormat, data: T, renderers: Renderers<T>, rootName = 'tandem'): string {
  switch (format) {
    case 'json':
      return JSON.stringify(data, null, 2) + '\n';
    case 'xml':
      return serializeXml(renderers.xml ? renderers.xml(data) : toXml(rootName, data), { declaration: true });
    case 'text': {
      const text = renderers.text(data);
      return text.endsWith('\n') || text === '' ? text : text + '\n';
    }
  }
}
