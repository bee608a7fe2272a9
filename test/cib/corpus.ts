/**
 * Helpers for tests that run Pacemaker's own tools on CIB files: where the
 * shared regression corpus lives and a small process pool.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canonicalize } from '../../src/cib/canonical.js';
import { child, serializeXml, type XmlElement } from '../../src/cib/xml.js';

/**
 * $TANDEM_SCHEDULER_CORPUS/xml (as the scheduler tests), else
 * ../shared/pacemaker-scheduler/xml beside the repository (dist/test/cib -> repo root is three up).
 */
export function corpusDir(): string {
  const fromEnv = process.env.TANDEM_SCHEDULER_CORPUS;
  const dir = fromEnv !== undefined ? `${fromEnv.replace(/\/$/, '')}/xml/` : fileURLToPath(new URL('../../../../shared/pacemaker-scheduler/xml/', import.meta.url));
  if (!existsSync(dir)) throw new Error(`the Pacemaker corpus is missing: ${dir} (expected <repo>/../shared)`);
  return dir;
}

export interface ToolResult { code: number; stdout: string; stderr: string }

/** Runs a program and resolves with its exit code and output (never rejects on a non-zero exit). */
export function runTool(file: string, args: string[], env?: NodeJS.ProcessEnv, stdin?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    // a tool that exits without reading its input closes the pipe: that EPIPE is expected
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    if (stdin === undefined) child.stdin?.end();
    else child.stdin?.end(stdin);
  });
}

/** The tandem CLI as built: `node dist/src/cli/main.js ARGS`, logs silenced. */
export function runTandem(args: string[], env: Record<string, string> = {}): Promise<ToolResult> {
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  return runTool(process.execPath, [main, ...args], { ...process.env, TANDEM_LOG_LEVEL: 'silent', ...env });
}

/** A file of the source tree (dist/test/cib -> repo root is three up). */
export function sourcePath(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

const resourceNames = new Set(['primitive', 'template', 'group', 'clone', 'master', 'bundle']);

/**
 * The configuration in a form that ignores what carries no meaning to
 * Pacemaker and what crmsh's `show` itself does not keep: attribute order,
 * empty sections, the order of sections and of objects inside a section,
 * and where a container's meta/params sit relative to its members.
 */
export function semanticConfiguration(cib: XmlElement): string {
  const configuration = canonicalize(child(cib, 'configuration') ?? { name: 'configuration', attrs: {}, children: [] });
  const key = (element: XmlElement): string => `${element.name}#${element.attrs['id'] ?? ''}`;
  configuration.children = configuration.children.filter((section) => section.children.length > 0).sort((a, b) => a.name.localeCompare(b.name));
  for (const section of configuration.children) section.children.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const visit = (element: XmlElement): void => {
    if (['group', 'clone', 'master'].includes(element.name)) {
      element.children = [...element.children.filter((nested) => !resourceNames.has(nested.name)), ...element.children.filter((nested) => resourceNames.has(nested.name))];
    }
    element.children.forEach(visit);
  };
  visit(configuration);
  return serializeXml(configuration);
}

/** Maps items through an async function with at most `width` running at once, keeping order. */
export async function pooled<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}
