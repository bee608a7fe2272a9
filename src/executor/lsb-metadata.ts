/**
 * Meta-data for an LSB init script, synthesized from its "### BEGIN INIT
 * INFO" header as Pacemaker does (services__get_lsb_metadata): init scripts
 * have no meta-data action of their own.
 */
import { serializeXml, type XmlElement } from '../cib/xml.js';

const headerFields = ['Provides', 'Required-Start', 'Required-Stop', 'Should-Start', 'Should-Stop', 'Default-Start', 'Default-Stop'] as const;

/** The LSB header fields of an init script's text (first occurrence of each). */
export function parseLsbHeader(scriptText: string): Map<string, string> {
  const fields = new Map<string, string>();
  const lines = scriptText.split('\n');
  const begin = lines.findIndex((line) => line.startsWith('### BEGIN INIT INFO'));
  if (begin < 0) return fields;
  for (let index = begin + 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.startsWith('### END INIT INFO') || !line.startsWith('#')) break;
    const match = /^#\s*([A-Za-z-]+):\s?(.*)$/.exec(line);
    if (!match) continue;
    const name = match[1] ?? '';
    let value = (match[2] ?? '').trim();
    if (name === 'Description') {
      // Continuation lines start with '#' and a tab or two spaces.
      while (/^#(\t| {2})/.test(lines[index + 1] ?? '')) value += ` ${(lines[++index] ?? '').slice(1).trim()}`;
    }
    if (!fields.has(name)) fields.set(name, value);
  }
  return fields;
}

const element = (name: string, attrs: Record<string, string> = {}, children: XmlElement[] = [], text?: string): XmlElement =>
  ({ name, attrs, children, ...(text === undefined || text === '' ? {} : { text }) });

/** The `<resource-agent>` XML Pacemaker would report for init script `name`. */
export function lsbMetaData(name: string, scriptText: string): string {
  const fields = parseLsbHeader(scriptText);
  const action = (actionName: string, extra: Record<string, string> = {}): XmlElement => element('action', { name: actionName, timeout: '15s', ...extra });
  return serializeXml(element('resource-agent', { name, version: '1.0' }, [
    element('version', {}, [], '1.0'),
    element('longdesc', { lang: 'en' }, [], fields.get('Description') ?? name),
    element('shortdesc', { lang: 'en' }, [], fields.get('Short-Description') ?? name),
    element('parameters'),
    element('actions', {}, [
      action('meta-data', { timeout: '5s' }), action('start'), action('stop'), action('status'), action('restart'), action('force-reload'),
      action('monitor', { interval: '15s' }),
    ]),
    element('special', { tag: 'LSB' }, headerFields.map((field) => element(field, {}, [], fields.get(field) ?? ''))),
  ]), { declaration: true });
}
