/**
 * A cursor over one statement's tokens with crmsh's matching primitives
 * (try_match, match, match_any ...). Errors name line, column and token.
 */
import type { XmlElement } from '../cib/xml.js';
import { CrmSyntaxError, type Statement, type Token } from './lexer.js';

export class Cursor {
  private position = 0;
  private end: number;
  /** Groups of the last successful regex match. */
  groups: string[] = [];

  constructor(readonly statement: Statement, readonly source = '') {
    this.end = statement.tokens.length;
  }

  get current(): Token | undefined {
    return this.position < this.end ? this.statement.tokens[this.position] : undefined;
  }

  hasTokens(): boolean {
    return this.position < this.end;
  }

  remaining(): number {
    return this.end - this.position;
  }

  /** Fails the parse. @throws CrmSyntaxError naming the current (or given) token. */
  fail(message: string, token: Token | undefined = this.current): never {
    const last = this.statement.tokens[this.statement.tokens.length - 1];
    const at = token ?? (last ? { ...last, text: '<end of line>', column: last.column + last.text.length } : undefined);
    throw new CrmSyntaxError(message, {
      line: at?.line ?? this.statement.line, column: at?.column ?? 1, token: at?.text, statement: this.statement.source, source: this.source,
    });
  }

  /** Matches the whole current token against `pattern` (string patterns are case-insensitive, like crmsh). */
  tryMatch(pattern: RegExp | string): boolean {
    const token = this.current;
    if (!token) return false;
    const regex = typeof pattern === 'string' ? new RegExp(`^(?:${pattern})$`, 'i') : pattern;
    const match = regex.exec(token.text);
    if (!match || match[0] !== token.text) return false;
    this.groups = match.map((group) => group ?? '');
    this.rawGroups = [...match];
    this.position++;
    return true;
  }

  /** Groups of the last match, undefined where a group did not participate. */
  rawGroups: Array<string | undefined> = [];

  match(pattern: RegExp | string, expected: string): string {
    if (!this.tryMatch(pattern)) this.fail(expected);
    return this.groups[0] ?? '';
  }

  matchAny(): Token {
    const token = this.current;
    if (!token) this.fail('unexpected end of line');
    this.position++;
    return token;
  }

  /** Consumes and returns every remaining token. */
  rest(): Token[] {
    const tokens = this.statement.tokens.slice(this.position, this.end);
    this.position = this.end;
    return tokens;
  }

  /** crmsh's try_match_tail: takes `pattern` off the end of the statement if the last token matches. */
  tryMatchTail(pattern: RegExp): RegExpExecArray | undefined {
    const last = this.end > this.position ? this.statement.tokens[this.end - 1] : undefined;
    const match = last ? pattern.exec(last.text) : null;
    if (!match || match[0] !== last?.text) return undefined;
    this.end--;
    return match;
  }

  /** Fails when tokens are left over (crmsh: "Unknown arguments"). */
  expectEnd(): void {
    if (this.hasTokens()) this.fail(`unknown arguments: ${this.statement.tokens.slice(this.position, this.end).map((t) => t.text).join(' ')}`);
  }
}

/** Builds an element; attributes with undefined values are left out. */
export function element(name: string, attrs: Record<string, string | undefined> = {}, children: XmlElement[] = []): XmlElement {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) clean[key] = value;
  return { name, attrs: clean, children };
}

/** crmsh's xmlutil.child: the first child of that name, created (appended) if missing. */
export function childOrNew(parent: XmlElement, name: string): XmlElement {
  const existing = parent.children.find((candidate) => candidate.name === name);
  if (existing) return existing;
  const created = element(name);
  parent.children.push(created);
  return created;
}
