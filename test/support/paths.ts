/** Paths tests share: the repository root and the shared folder beside it. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** The repository root (the directory holding package.json). */
export const repoRoot = findRepoRoot();
/** `../shared` beside the repository: the corpus, the OCF schema. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
/** The compiled CLI entry point. */
export const cliPath = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
