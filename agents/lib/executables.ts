/** Finding the programs an agent drives, for validate-all's "installed?" checks. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The default search path when PATH is unset: where Debian keeps admin tools too. */
const fallbackPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** True when `file` is a regular file this process may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false; // missing or not executable: both mean "not usable"
  }
}

/**
 * The full path of `name`: itself when it contains a slash, else the first
 * executable match in PATH (plus the sbin directories, which a manager's PATH
 * may lack). Undefined when not found.
 */
export function findExecutable(name: string, searchPath = process.env['PATH'] ?? fallbackPath): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  const directories = [...searchPath.split(':'), ...fallbackPath.split(':')].filter(Boolean);
  for (const directory of directories) {
    const candidate = path.join(directory, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
