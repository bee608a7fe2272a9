// Bundles each agent under agents/ into one self-contained file under
// dist/ocf-bundle/, so that an OCF launcher loads a single file and starts
// fast (no module resolution across node_modules on the monitor path).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const agents = readdirSync(`${root}agents`).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
await Promise.all(agents.map((file) => build({
  entryPoints: [`${root}agents/${file}`],
  outfile: `${root}dist/ocf-bundle/${file.replace(/\.ts$/, '.mjs')}`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  logLevel: 'warning',
})));
