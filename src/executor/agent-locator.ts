/**
 * Finds agents on disk by standard, as Pacemaker does:
 * `ocf:P:T` → `<dir>/P/T` for each dir of the OCF agent path (by default
 * `$OCF_ROOT/resource.d`, then the source tree's own `ocf/resource.d` when it
 * exists, so tandem's launchers are found in a dev tree);
 * `lsb:N` → `/etc/init.d/N`; `stonith:fence_x` → `/usr/sbin/fence_x`.
 * systemd units are found over D-Bus (see systemd-manager.ts), not here.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAgentSpec, type AgentSpec } from './agent-spec.js';

export interface AgentPaths {
  /** OCF_ROOT given to agents; default `$OCF_ROOT` or /usr/lib/ocf. */
  ocfRoot: string;
  /** Directories holding `PROVIDER/TYPE`, searched in order. */
  ocfAgentDirs: string[];
  /** Init script directory; default /etc/init.d. */
  lsbDir: string;
  /** Directory of fence agent executables (`fence_*`); default /usr/sbin. */
  fenceDir: string;
}

/** The source tree's `ocf/resource.d`, found from dist/src/executor or src/executor. */
function sourceTreeAgentDir(): string | undefined {
  for (const up of ['../../../ocf/resource.d', '../../ocf/resource.d']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/**
 * The default paths. `OCF_ROOT` and `OCF_RA_PATH` (colon-separated, as
 * Pacemaker's build option of that name) in the environment override them.
 */
export function defaultAgentPaths(env: NodeJS.ProcessEnv = process.env): AgentPaths {
  const ocfRoot = env['OCF_ROOT'] || '/usr/lib/ocf';
  const fromEnv = env['OCF_RA_PATH']?.split(':').filter((dir) => dir !== '');
  const treeDir = sourceTreeAgentDir();
  const ocfAgentDirs = fromEnv && fromEnv.length > 0 ? fromEnv : [join(ocfRoot, 'resource.d'), ...(treeDir ? [treeDir] : [])];
  return { ocfRoot, ocfAgentDirs, lsbDir: '/etc/init.d', fenceDir: '/usr/sbin' };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // absent: not an agent
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // absent or not executable: not an agent
  }
}

function listDir(dir: string, wantDirs: boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // a search directory that does not exist holds no agents
  }
  return names.filter((name) => {
    if (name.startsWith('.')) return false;
    const path = join(dir, name);
    try {
      return wantDirs ? statSync(path).isDirectory() : isExecutableFile(path);
    } catch {
      return false;
    }
  });
}

const uniqueSorted = (names: string[]): string[] => [...new Set(names)].sort();

export class AgentLocator {
  constructor(readonly paths: AgentPaths = defaultAgentPaths()) {}

  /** Where the executable of an ocf, lsb or stonith agent would be, in search order. */
  candidatePaths(spec: AgentSpec): string[] {
    switch (spec.standard) {
      case 'ocf': return this.paths.ocfAgentDirs.map((dir) => join(dir, spec.provider ?? '', spec.type));
      case 'lsb': return [join(this.paths.lsbDir, spec.type)];
      case 'stonith': return [join(this.paths.fenceDir, spec.type)];
      case 'systemd': return [];
    }
  }

  /**
   * The file of an ocf, lsb or stonith agent, or undefined when absent. Like
   * Pacemaker, a file that exists but cannot be executed is found here and
   * fails when run (insufficient privileges), rather than passing for absent.
   */
  resolve(spec: AgentSpec): string | undefined {
    return this.candidatePaths(spec).find(isFile);
  }

  /** A sentence saying where an absent agent was looked for. */
  describeMissing(spec: AgentSpec): string {
    const places = this.candidatePaths(spec);
    return `agent ${formatAgentSpec(spec)} is not installed (looked for ${places.length > 0 ? places.join(', ') : 'it over D-Bus'})`;
  }

  /** OCF providers: the subdirectories of every OCF agent directory. */
  ocfProviders(): string[] {
    return uniqueSorted(this.paths.ocfAgentDirs.flatMap((dir) => listDir(dir, true)));
  }

  /** OCF agents of one provider (or of all providers, as `provider:type`). */
  ocfAgents(provider?: string): string[] {
    if (provider !== undefined) return uniqueSorted(this.paths.ocfAgentDirs.flatMap((dir) => listDir(join(dir, provider), false)));
    return uniqueSorted(this.ocfProviders().flatMap((each) => this.ocfAgents(each).map((type) => `${each}:${type}`)));
  }

  /** Executable init scripts. */
  lsbAgents(): string[] {
    return uniqueSorted(listDir(this.paths.lsbDir, false));
  }

  /** Fence agents (`fence_*` executables). */
  fenceAgents(): string[] {
    return uniqueSorted(listDir(this.paths.fenceDir, false).filter((name) => name.startsWith('fence_')));
  }
}
