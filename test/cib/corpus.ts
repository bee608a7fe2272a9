/**
 * Helpers for tests that run Pacemaker's own tools on CIB files: where the
 * shared regression corpus lives and a small process pool.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared/pacemaker-scheduler/xml beside the repository (dist/test/cib -> repo root is three up). */
export function corpusDir(): string {
  const dir = fileURLToPath(new URL('../../../../shared/pacemaker-scheduler/xml/', import.meta.url));
  if (!existsSync(dir)) throw new Error(`the Pacemaker corpus is missing: ${dir} (expected <repo>/../shared)`);
  return dir;
}

export interface ToolResult { code: number; stdout: string; stderr: string }

/** Runs a program and resolves with its exit code and output (never rejects on a non-zero exit). */
export function runTool(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
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
