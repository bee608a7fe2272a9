/**
 * Splits crm configure text into statements and tokens the way crmsh does
 * (a logical line per statement, ` \` + newline continues it, shlex-style
 * quoting), keeping each token's line and column for error messages.
 */
import { TandemError, ExitCode } from '../errors.js';

export interface Token {
  text: string;
  /** 1-based position of the token's first character in the input. */
  line: number;
  column: number;
}

export interface Statement {
  tokens: Token[];
  line: number;
  /** The statement's source text, continuation lines joined. */
  source: string;
}

/** Bad crm syntax; the message names line, column and the token at fault. Nothing was changed. */
export class CrmSyntaxError extends TandemError {
  constructor(message: string, context: { line?: number; column?: number; token?: string; statement?: string; source?: string }) {
    const where = context.line === undefined ? '' : `line ${context.line}, column ${context.column ?? 0}: `;
    const near = context.token === undefined ? '' : ` near '${context.token}'`;
    const origin = context.source ? `${context.source}: ` : '';
    const statement = context.statement ? `\n  in: ${context.statement}` : '';
    super('E_CRM_SYNTAX', `${origin}${where}${message}${near}${statement}`, { exitCode: ExitCode.dataErr, context });
  }
}

/**
 * Tokenizes a script. Lines whose first non-blank character is `#` are
 * comments (a `#` inside a statement, as in `#uname`, is an ordinary
 * character, like in crmsh).
 * @throws CrmSyntaxError on an unterminated quote.
 */
export function lexScript(text: string, source = ''): Statement[] {
  const statements: Statement[] = [];
  let tokens: Token[] = [];
  let current: Token | undefined;
  let statementLine = 1;
  let statementText = '';
  let line = 1;
  let column = 1;
  let quote: string | undefined;
  let quoteStart = { line: 1, column: 1 };
  let atStatementStart = true;
  let inComment = false;

  const finishToken = (): void => {
    if (current) tokens.push(current);
    current = undefined;
  };
  const finishStatement = (): void => {
    finishToken();
    if (tokens.length > 0) statements.push({ tokens, line: statementLine, source: statementText.trim() });
    tokens = [];
    statementText = '';
    atStatementStart = true;
  };
  const append = (char: string): void => {
    current ??= { text: '', line, column };
    current.text += char;
  };

  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    const next = text[index + 1];
    if (inComment) {
      if (char === '\n') {
        inComment = false;
        line++;
        column = 1;
      } else column++;
      continue;
    }
    if (atStatementStart && quote === undefined) {
      if (char === '#') {
        inComment = true;
        column++;
        continue;
      }
      if (!/\s/.test(char)) {
        atStatementStart = false;
        statementLine = line;
      }
    }
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && (next === '"' || next === '\\')) {
        append(next);
        index++;
        column++;
      } else append(char);
      statementText += char;
    } else if (char === '\\' && next === '\n') {
      finishToken();
      statementText += ' ';
      index++;
      line++;
      column = 0;
    } else if (char === '\\' && next === '\r' && text[index + 2] === '\n') {
      finishToken();
      index += 2;
      line++;
      column = 0;
    } else if (char === '\\' && next !== undefined) {
      append(next);
      statementText += char + next;
      index++;
      column++;
    } else if (char === '"' || char === "'") {
      current ??= { text: '', line, column };
      quote = char;
      quoteStart = { line, column };
      statementText += char;
    } else if (char === '\n') {
      finishStatement();
    } else if (/\s/.test(char)) {
      finishToken();
      statementText += char;
    } else {
      append(char);
      statementText += char;
    }
    if (char === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  if (quote !== undefined) {
    throw new CrmSyntaxError('unterminated quotation', { line: quoteStart.line, column: quoteStart.column, token: quote, source });
  }
  finishStatement();
  return statements;
}

/** Tokens given as separate arguments (a command line): quoting was done by the shell. */
export function statementFromArgs(args: readonly string[]): Statement {
  let column = 1;
  const tokens = args.map((text) => {
    const token = { text, line: 1, column };
    column += text.length + 1;
    return token;
  });
  return { tokens, line: 1, source: args.join(' ') };
}
