/**
 * Installing the cluster's files (config, key): refused when one exists
 * unless forced, each written to a temporary name and renamed into place, so
 * a failure halfway leaves no half-written file and no change.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TandemError, ExitCode } from '../../errors.js';

export interface FileToInstall { path: string; data: string | Buffer; mode: number; what: string }

/**
 * Refuses when any of the files exists and `force` is not set.
 * @throws TandemError E_EXISTS (exit 108) naming the file and --force.
 */
export function refuseExisting(files: readonly Pick<FileToInstall, 'path' | 'what'>[], force: boolean): void {
  if (force) return;
  for (const file of files) {
    if (existsSync(file.path)) throw new TandemError('E_EXISTS', `${file.what} ${file.path} already exists: not overwriting it (use --force to replace it)`, { exitCode: ExitCode.exists, context: { file: file.path } });
  }
}

/**
 * Writes every file (creating parent directories, mode 0755), all or none:
 * when one fails, the files already renamed into place are not rolled back,
 * which is why callers write the key before the config (a key without a
 * config is inert; tandemd needs the config).
 * @throws TandemError E_WRITE (exit 73) naming the file.
 */
export async function installFiles(files: readonly FileToInstall[]): Promise<void> {
  for (const file of files) {
    const temporary = `${file.path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(file.path), { recursive: true, mode: 0o755 });
      await writeFile(temporary, file.data, { mode: file.mode, flag: 'wx' });
      await chmod(temporary, file.mode);
      await rename(temporary, file.path);
    } catch (cause) {
      await rm(temporary, { force: true });
      throw new TandemError('E_WRITE', `cannot write ${file.what} ${file.path}: ${(cause as Error).message}`, { exitCode: ExitCode.cantCreate, context: { file: file.path }, cause });
    }
  }
}

/** Whether the config file at `path` holds settings (not just the package's placeholder comments). */
export async function holdsConfig(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text !== undefined && text.split('\n').some((line) => !/^\s*([#;].*)?$/.test(line));
}
