/**
 * The fence-agents calling convention, agent side: options arrive as
 * `name=value` lines on stdin (what Pacemaker's fencer sends) or as
 * command-line options (`-o reboot -n node2`, `--action=reboot`).
 * Pure: the caller reads stdin and argv.
 */
import { UsageError } from '../errors.js';

const shortOptions: Readonly<Record<string, string>> = { o: 'action', n: 'plug' };

/**
 * Parses stdin lines and argv into one option map (argv wins).
 * Lines starting with `#` and blank lines are ignored; `port` is an alias of
 * `plug`, `option` of `action`, as in fence-agents.
 * @throws UsageError naming a malformed line or option.
 */
export function parseFenceArgs(stdinText: string, argv: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  const set = (name: string, value: string): void => {
    const canonical = name === 'port' ? 'plug' : name === 'option' ? 'action' : name;
    options[canonical.replaceAll('-', '_')] = value;
  };
  stdinText.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new UsageError(`stdin line ${index + 1}: expected name=value, got '${line}'`, { line: index + 1 });
    set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
  });
  for (let position = 0; position < argv.length; position += 1) {
    const argument = argv[position] ?? '';
    const long = /^--([a-z_-]+)(?:=(.*))?$/.exec(argument);
    const short = /^-([a-z])$/.exec(argument);
    const name = long?.[1] ?? (short ? shortOptions[short[1] ?? ''] : undefined);
    if (name === undefined) throw new UsageError(`unknown option '${argument}'`, { option: argument });
    let value = long?.[2];
    if (value === undefined) {
      const next = argv[position + 1];
      if (next === undefined || next.startsWith('-')) throw new UsageError(`option '${argument}' needs a value`, { option: argument });
      value = next;
      position += 1;
    }
    set(name, value);
  }
  return options;
}
