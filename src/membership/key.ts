/**
 * The cluster authentication key: a file of random bytes, readable by its
 * owner only. A member refuses to start with a key others may read.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { ConfigError, TandemError, ExitCode } from '../errors.js';

/** The key is refused when shorter than this. */
export const minimumKeyBytes = 16;

/**
 * Reads the key file, after checking it is a regular file of mode 0600
 * (or stricter) holding at least 16 bytes.
 * @throws ConfigError naming the file and what is wrong (mode, size, missing).
 */
export async function readClusterKey(path: string): Promise<Buffer> {
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new ConfigError(`key file ${path}: cannot read it (${(cause as Error).message})`, { file: path, field: 'key' }, cause);
  }
  if (!info.isFile()) throw new ConfigError(`key file ${path}: not a regular file`, { file: path, field: 'key' });
  const mode = info.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`key file ${path}: mode is ${mode.toString(8).padStart(4, '0')}, must be 0600 (chmod 600 ${path}); refusing to start`, { file: path, field: 'key', mode: mode.toString(8) });
  }
  const key = await readFile(path);
  if (key.length < minimumKeyBytes) throw new ConfigError(`key file ${path}: ${key.length} bytes, need at least ${minimumKeyBytes}`, { file: path, field: 'key' });
  return key;
}

/** A new random cluster key: 64 bytes. */
export function newClusterKeyBytes(): Buffer {
  return randomBytes(64);
}

/**
 * Writes a new random 64-byte key with mode 0600.
 * @throws TandemError (exit 73) when the file exists or cannot be written.
 */
export async function generateClusterKey(path: string): Promise<void> {
  try {
    await writeFile(path, newClusterKeyBytes(), { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
  } catch (cause) {
    throw new TandemError('E_KEY_WRITE', `cannot create key file ${path}: ${(cause as Error).message}`, { exitCode: ExitCode.cantCreate, context: { file: path }, cause });
  }
}
