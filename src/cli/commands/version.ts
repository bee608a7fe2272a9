import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { render, type OutputFormat } from '../output.js';

/** The version from package.json: the one place it is kept. */
export function tandemVersion(): string {
  for (const candidate of ['../../../package.json', '../../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'tandem' && parsed.version) return parsed.version;
    } catch {
      // not at this depth: the layout differs between src (tsx), dist and the RPM
    }
  }
  return 'unknown';
}

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the version of tandem')
    .action(() => {
      const format = program.opts<{ output: OutputFormat }>().output;
      process.stdout.write(render(format, { version: tandemVersion() }, { text: (data) => `tandem ${data.version}` }));
    });
}
