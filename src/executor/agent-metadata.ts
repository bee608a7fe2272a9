/**
 * An agent's meta-data XML read into a typed summary: what `tandem ra info`
 * shows and what a later `configure` check validates parameters against.
 */
import { child, childrenNamed, parseXml, type XmlElement } from '../cib/xml.js';
import { TandemError, ExitCode } from '../errors.js';

export interface AgentParameter {
  name: string;
  required: boolean;
  unique: boolean;
  type: string;
  default?: string;
  /** For `select` parameters: the allowed values. */
  values?: string[];
  shortdesc?: string;
  longdesc?: string;
}

/** An advised operation; its attributes in the order the agent wrote them. */
export interface AgentAction {
  name: string;
  timeout?: string;
  interval?: string;
  depth?: string;
  role?: string;
  [attribute: string]: string | undefined;
}

export interface AgentMetaData {
  name: string;
  version?: string;
  shortdesc?: string;
  longdesc?: string;
  parameters: AgentParameter[];
  actions: AgentAction[];
}

/** The agent's meta-data is not the XML the OCF spec describes. */
export class AgentMetaDataError extends TandemError {
  constructor(message: string, context: Record<string, unknown>, cause?: unknown) {
    super('E_AGENT_METADATA', message, { exitCode: ExitCode.dataErr, context, cause });
  }
}

/** A shortdesc on one line. */
function shortDescription(element: XmlElement, name: string): string | undefined {
  const text = child(element, name)?.text;
  return text === undefined ? undefined : text.replace(/\s+/g, ' ').trim();
}

/** A longdesc with its line breaks kept (agents lay them out by hand), each line trimmed. */
function longDescription(element: XmlElement, name: string): string | undefined {
  const text = child(element, name)?.text;
  return text === undefined ? undefined : text.split('\n').map((line) => line.trim()).join('\n').replace(/^\n+|\n+$/g, '');
}

const isTrue = (value: string | undefined): boolean => value === '1' || value === 'true' || value === 'yes';

/**
 * Parses `<resource-agent>` meta-data.
 * @throws AgentMetaDataError (naming `source`) when the XML is malformed or
 * its root is not `resource-agent`.
 */
export function parseAgentMetaData(xmlText: string, source: string): AgentMetaData {
  let root: XmlElement;
  try {
    root = parseXml(xmlText, source);
  } catch (error) {
    throw new AgentMetaDataError(`${source}: meta-data is not well-formed XML: ${error instanceof Error ? error.message : String(error)}`, { source }, error);
  }
  if (root.name !== 'resource-agent') throw new AgentMetaDataError(`${source}: meta-data root is <${root.name}>, expected <resource-agent>`, { source });

  const parametersElement = child(root, 'parameters');
  const parameters = (parametersElement ? childrenNamed(parametersElement, 'parameter') : []).map((element): AgentParameter => {
    const content = child(element, 'content');
    const values = content ? childrenNamed(content, 'option').map((option) => option.attrs['value'] ?? '') : [];
    const shortdesc = shortDescription(element, 'shortdesc');
    const longdesc = longDescription(element, 'longdesc');
    return {
      name: element.attrs['name'] ?? '',
      required: isTrue(element.attrs['required']),
      unique: isTrue(element.attrs['unique']),
      type: content?.attrs['type'] ?? 'string',
      ...(content?.attrs['default'] === undefined ? {} : { default: content.attrs['default'] }),
      ...(values.length > 0 ? { values } : {}),
      ...(shortdesc === undefined ? {} : { shortdesc }),
      ...(longdesc === undefined ? {} : { longdesc }),
    };
  });
  const actionsElement = child(root, 'actions');
  const actions = (actionsElement ? childrenNamed(actionsElement, 'action') : []).map((element): AgentAction => {
    const action: AgentAction = { name: element.attrs['name'] ?? '' };
    for (const [key, value] of Object.entries(element.attrs)) if (key !== 'name') action[key] = value;
    return action;
  });
  const version = child(root, 'version')?.text ?? root.attrs['version'];
  const shortdesc = shortDescription(root, 'shortdesc') ?? root.attrs['shortdesc'];
  const longdesc = longDescription(root, 'longdesc');
  return {
    name: root.attrs['name'] ?? '',
    ...(version === undefined ? {} : { version }),
    ...(shortdesc === undefined ? {} : { shortdesc }),
    ...(longdesc === undefined ? {} : { longdesc }),
    parameters,
    actions,
  };
}
