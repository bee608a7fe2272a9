/**
 * Parses crm configure statements (crmsh 4.4 syntax) into CIB element
 * fragments. Ids crmsh would generate are left out here and filled in when
 * the statement is applied, because they depend on the ids already in use.
 */
import { parseXml, XmlParseError, type XmlElement } from '../cib/xml.js';
import { Cursor, element } from './cursor.js';
import { lexScript, statementFromArgs, type Statement } from './lexer.js';
import { matchNvpairs, matchRules } from './parse-attributes.js';
import { parseClone, parseGroup, parseNode, parsePrimitive, resourceRe, type ProviderLookup } from './parse-resources.js';
import { parseColocation, parseLocation, parseOrder, parseTicket } from './parse-constraints.js';
import { parseFencingTopology } from './parse-fencing.js';

export type ObjectType = 'xml' | 'node' | 'primitive' | 'rsc_template' | 'group' | 'clone' | 'ms' | 'location' | 'colocation' | 'order'
  | 'rsc_ticket' | 'tag' | 'property' | 'rsc_defaults' | 'op_defaults' | 'fencing_topology';

export type CrmCommand =
  | { kind: 'object'; type: ObjectType; element: XmlElement; members: string[]; statement: Statement; warnings: string[] }
  | { kind: 'delete'; ids: string[]; statement: Statement };

export interface ParseOptions {
  /** OCF providers of an agent type, to resolve `primitive x Dummy`; default: none known (heartbeat). */
  providers?: ProviderLookup;
  /** Source name for error messages. */
  source?: string;
}

/** Default set ids crmsh uses for property, rsc_defaults and op_defaults. */
export const defaultSetIds = { property: 'cib-bootstrap-options', rsc_defaults: 'rsc-options', op_defaults: 'op-options' } as const;

function parseProperty(cursor: Cursor, keyword: 'property' | 'rsc_defaults' | 'op_defaults'): XmlElement {
  const set = element(keyword === 'property' ? 'cluster_property_set' : 'meta_attributes');
  if (cursor.tryMatch(/^\$id=(.*)$/i) || cursor.tryMatch(/^([\w-]+):$/i)) set.attrs['id'] = cursor.groups[1] ?? '';
  else if (cursor.tryMatch(/^\$id-ref=(.*)$/i)) set.attrs['id-ref'] = cursor.groups[1] ?? '';
  set.children.push(...matchRules(cursor), ...matchNvpairs(cursor, { minPairs: 0 }));
  if (set.attrs['id'] === undefined && set.attrs['id-ref'] === undefined) set.attrs['id'] = defaultSetIds[keyword];
  return keyword === 'property' ? set : element(keyword, {}, [set]);
}

function parseTag(cursor: Cursor): XmlElement {
  cursor.match(/^([a-zA-Z_][^\s:]*):?$/, 'expected a tag name');
  const tag = element('tag', { id: cursor.groups[1] });
  while (cursor.hasTokens()) tag.children.push(element('obj_ref', { id: cursor.match(resourceRe, 'expected a resource id') }));
  if (tag.children.length === 0) cursor.fail('expected at least one resource');
  return tag;
}

/** Parses one tokenized statement. @throws CrmSyntaxError (line, column, token). */
export function parseStatement(statement: Statement, options: ParseOptions = {}): CrmCommand {
  const cursor = new Cursor(statement, options.source);
  const providers = options.providers ?? ((): string[] => []);
  const keywordToken = cursor.matchAny();
  const keyword = keywordToken.text.toLowerCase();
  const warnings: string[] = [];
  const object = (type: ObjectType, built: XmlElement, members: string[] = []): CrmCommand => {
    cursor.expectEnd();
    return { kind: 'object', type, element: built, members, statement, warnings };
  };
  switch (keyword) {
    case 'primitive':
    case 'rsc_template':
      return object(keyword, parsePrimitive(cursor, keyword, providers));
    case 'group': {
      const { element: group, members } = parseGroup(cursor);
      return object('group', group, members);
    }
    case 'clone':
    case 'ms':
    case 'master': {
      const { element: clone, members } = parseClone(cursor, keyword);
      if (keyword !== 'clone') warnings.push(`"${keyword}" is deprecated. Please use "clone ${clone.attrs['id'] ?? ''} ${members[0] ?? ''} meta promotable=true"`);
      return object(keyword === 'clone' ? 'clone' : 'ms', clone, members);
    }
    case 'node':
      return object('node', parseNode(cursor));
    case 'location':
      return object('location', parseLocation(cursor));
    case 'colocation':
    case 'collocation':
      return object('colocation', parseColocation(cursor));
    case 'order':
      return object('order', parseOrder(cursor));
    case 'rsc_ticket':
      return object('rsc_ticket', parseTicket(cursor));
    case 'tag':
      return object('tag', parseTag(cursor));
    case 'fencing_topology':
      return object('fencing_topology', parseFencingTopology(cursor));
    case 'property':
    case 'rsc_defaults':
    case 'op_defaults':
      return object(keyword, parseProperty(cursor, keyword));
    case 'xml': {
      const text = statement.source.replace(/^xml\s*/i, '');
      try {
        return { kind: 'object', type: 'xml', element: parseXml(text, 'xml statement'), members: [], statement, warnings };
      } catch (error) {
        if (error instanceof XmlParseError) cursor.fail(`bad XML: ${error.message}`, keywordToken);
        throw error;
      }
    }
    case 'delete':
    case 'rm': {
      const ids = cursor.rest().map((token) => token.text);
      if (ids.length === 0) cursor.fail('expected the id of the object to delete');
      return { kind: 'delete', ids, statement };
    }
    default:
      return cursor.fail('unknown command', keywordToken);
  }
}

/**
 * Parses a whole script (`crm configure` input or a `load` file). Either
 * every statement parses or nothing is returned.
 * @throws CrmSyntaxError for the first bad statement.
 */
export function parseScript(text: string, options: ParseOptions = {}): CrmCommand[] {
  return lexScript(text, options.source).map((statement) => parseStatement(statement, options));
}

/** Parses one statement given as separate command-line arguments. */
export function parseArgs(args: readonly string[], options: ParseOptions = {}): CrmCommand {
  return parseStatement(statementFromArgs(args), options);
}
