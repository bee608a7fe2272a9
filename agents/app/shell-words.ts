/**
 * Splits a parameter value into words the way a POSIX shell would for plain
 * words, single quotes, double quotes and backslashes (no expansions), so an
 * App's `args` and `environment` can hold spaces without running a shell.
 */
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { OcfError } from '../../src/ocf/errors.js';

/**
 * Returns the words of `text`.
 * @throws OcfError OCF_ERR_CONFIGURED for an unterminated quote, naming `parameter`.
 */
export function shellWords(text: string, parameter: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && index + 1 < text.length && '"\\$`'.includes(text[index + 1] as string)) word += text[++index];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < text.length) {
      word += text[++index];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new OcfError(OcfExit.ERR_CONFIGURED, `parameter '${parameter}' has an unterminated ${quote} quote`, { parameter });
  if (inWord) words.push(word);
  return words;
}

/**
 * Parses `NAME=value` words into an environment.
 * @throws OcfError OCF_ERR_CONFIGURED for a word without `=` or with an invalid name.
 */
export function parseEnvironment(text: string, parameter: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const word of shellWords(text, parameter)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word);
    if (match === null) throw new OcfError(OcfExit.ERR_CONFIGURED, `parameter '${parameter}': '${word}' is not NAME=value`, { parameter });
    environment[match[1] as string] = match[2] as string;
  }
  return environment;
}
