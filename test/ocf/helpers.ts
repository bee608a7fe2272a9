/**
 * Shared by the tests of the OCF agents: where the launchers and schemas
 * are, and a way to run one action of a launcher as a manager would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '../support/paths.js';

export { repoRoot };
export const dtdPath = '/usr/share/resource-agents/ra-api-1.dtd';
export const rngPath = join(repoRoot, '..', 'shared', 'ocf', 'ra-api-1.1.rng');

export function launcherPath(agent: string): string {
  return join(repoRoot, 'ocf', 'resource.d', 'tandem', agent);
}

/** A fresh temporary directory with a name unique to this test process. */
export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `tdm-ocf-${process.pid}-${label}-`));
}

/** Fails (does not skip) when a tool the test drives is missing. */
export function requireFile(path: string, why: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing (${why}); run make test as root to install it`);
}

export interface AgentRun { rc: number; stdout: string; stderr: string }

/** Runs `<launcher> action` with an OCF environment built from `params` (OCF_RESKEY_*) and `env`. */
export function runAgent(agent: string, action: string, params: Record<string, string>, env: Record<string, string> = {}): AgentRun {
  const vars: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', OCF_ROOT: '/usr/lib/ocf', OCF_RESOURCE_INSTANCE: 'tdm-test', OCF_RESKEY_CRM_meta_interval: '10000', ...env };
  for (const [name, value] of Object.entries(params)) vars[`OCF_RESKEY_${name}`] = value;
  const result = spawnSync(launcherPath(agent), [action], { env: vars, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { rc: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs Debian's ocf-tester on a launcher; returns its exit code and output. */
export function ocfTester(agent: string, params: Record<string, string>): AgentRun {
  requireFile('/usr/sbin/ocf-tester', 'Debian package resource-agents');
  const args = ['-n', `tdm-ocf-${process.pid}`];
  for (const [name, value] of Object.entries(params)) args.push('-o', `${name}=${value}`);
  args.push(launcherPath(agent));
  const result = spawnSync('/usr/sbin/ocf-tester', args, { encoding: 'utf8', timeout: 300_000, env: { ...process.env, OCF_ROOT: '/usr/lib/ocf' } });
  if (result.error) throw result.error;
  return { rc: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
