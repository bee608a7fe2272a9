/**
 * The meta-data XML of an agent, built from its declaration with plain
 * strings (no XML library on an agent's start-up path). Valid against
 * Debian's ra-api-1.dtd and the OCF 1.1 RELAX NG schema: that is why it
 * never emits `content type="select"` nor the `reload-agent` action.
 */
import type { AnyAgent, ExtraActionEntry, ParameterSpec } from './agent.js';
import type { OcfEnvironment } from './environment.js';
import { defaultValue } from './params.js';

/** Escapes text for an XML attribute or element. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as Record<string, string>)[char]};`);
}

function formatDefault(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return ` default="${escapeXml(typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value))}"`;
}

function parameterXml(name: string, spec: ParameterSpec, env: OcfEnvironment): string {
  const flags = ` unique="${spec.unique ? 1 : 0}" required="${spec.required ? 1 : 0}"`;
  return [
    `<parameter name="${escapeXml(name)}"${flags}>`,
    `<longdesc lang="en">\n${escapeXml(spec.longdesc)}\n</longdesc>`,
    `<shortdesc lang="en">${escapeXml(spec.shortdesc)}</shortdesc>`,
    `<content type="${spec.type}"${formatDefault(defaultValue(spec, env))} />`,
    '</parameter>',
  ].join('\n');
}

function actionXml(entry: ExtraActionEntry): string {
  let attrs = `name="${entry.name}" timeout="${entry.timeoutS}s"`;
  if (entry.intervalS !== undefined) attrs += ` interval="${entry.intervalS}s"`;
  if (entry.depth !== undefined) attrs += ` depth="${entry.depth}"`;
  if (entry.role !== undefined) attrs += ` role="${escapeXml(entry.role)}"`;
  return `<action ${attrs} />`;
}

/** The `<action>` entries: every declared action, then meta-data, then the extra entries. */
export function actionEntries(agent: AnyAgent): ExtraActionEntry[] {
  const entries: ExtraActionEntry[] = [];
  for (const [name, spec] of Object.entries(agent.actions)) {
    if (spec === undefined) continue;
    entries.push({ name: name as ExtraActionEntry['name'], timeoutS: spec.timeoutS, intervalS: spec.intervalS, depth: spec.depth ?? (name === 'monitor' ? 0 : undefined) });
  }
  if (agent.actions['validate-all'] === undefined) entries.push({ name: 'validate-all', timeoutS: 20 });
  return entries;
}

/**
 * The agent's meta-data document. `env` supplies the instance name and
 * HA_RSCTMP for defaults that depend on them (as shell agents print theirs).
 */
export function metaDataXml(agent: AnyAgent, env: OcfEnvironment): string {
  const entries = [...actionEntries(agent), ...(agent.extraActionEntries ?? [])];
  const metaData = `<action name="meta-data" timeout="5s" />`;
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
    `<resource-agent name="${escapeXml(agent.name)}" version="${escapeXml(agent.version)}">`,
    `<version>1.1</version>`,
    `<longdesc lang="en">\n${escapeXml(agent.longdesc)}\n</longdesc>`,
    `<shortdesc lang="en">${escapeXml(agent.shortdesc)}</shortdesc>`,
    '<parameters>',
    ...Object.entries(agent.parameters as Record<string, ParameterSpec>).map(([name, spec]) => parameterXml(name, spec, env)),
    '</parameters>',
    '<actions>',
    ...entries.map(actionXml),
    metaData,
    '</actions>',
    '</resource-agent>',
    '',
  ].join('\n');
}
