/**
 * The file operations the CIB store needs, as an injected interface, and
 * the real implementation on node:fs. Only this file touches the disk.
 */
import { open, readFile, readdir, rename, rm, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface DurableFs {
  /** The file's text, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Writes (truncating) and fsyncs the file's data. */
  writeSynced(path: string, text: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** fsync of a directory, making renames in it durable. */
  syncDir(dir: string): Promise<void>;
  remove(path: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  mkdirp(dir: string): Promise<void>;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export const nodeDurableFs: DurableFs = {
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  },
  async writeSynced(path, text) {
    const handle = await open(path, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => rename(from, to),
  async syncDir(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  remove: (path) => rm(path, { force: true }),
  async list(dir) {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  },
  mkdirp: async (dir) => { await mkdir(dir, { recursive: true }); },
};

/**
 * Replaces `path` atomically: the text goes to a temporary file beside it,
 * is fsynced, renamed over `path`, and the directory is fsynced. A reader
 * sees the old file or the new one, never a mix, also after a crash.
 */
export async function atomicWrite(fs: DurableFs, path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.tmp`);
  await fs.writeSynced(temporary, text);
  await fs.rename(temporary, path);
  await fs.syncDir(dirname(path));
}
