/**
 * The Mirror agent drives the engine through the `tandem mirror` CLI, so
 * there is one client of the engine's control protocol and of the legs'
 * metadata, not two.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { OcfError } from '../../src/ocf/errors.js';
import { runCommand } from '../lib/run-command.js';

export interface CliResult { rc: number; stdout: string; stderr: string }

/**
 * The tandem CLI beside the agent's bundle: dist/ocf-bundle → dist/src/cli in
 * a development tree; /usr/lib/tandem/ocf-bundle → /usr/lib/tandem/dist/src/cli
 * where the RPM installs it.
 * @throws OcfError OCF_ERR_INSTALLED when neither exists.
 */
export function mirrorCliPath(): string {
  // Bundled (dist/ocf-bundle, /usr/lib/tandem/ocf-bundle) or compiled (dist/agents/mirror, in the executor's worker).
  for (const relative of ['../src/cli/main.js', '../dist/src/cli/main.js', '../../src/cli/main.js']) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  throw new OcfError(OcfExit.ERR_INSTALLED, 'the tandem CLI (src/cli/main.js) is not installed beside the Mirror agent');
}

/** Runs `tandem --output json mirror ARGS`; never rejects for a non-zero exit. */
export async function runMirrorCli(args: readonly string[], timeoutMs: number): Promise<CliResult> {
  const result = await runCommand(process.execPath, [mirrorCliPath(), '--output', 'json', 'mirror', ...args], {
    timeoutMs,
    env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' },
  });
  return { rc: result.exitCode ?? 1, stdout: result.stdout, stderr: result.timedOut ? `timed out after ${timeoutMs} ms` : result.stderr };
}

/**
 * The JSON a command wrote, whatever its exit status; undefined when its
 * output is not complete JSON (it failed before answering, or timed out).
 * A command that met a leg blocked in a dead array ends by SIGKILL once its
 * answer is out (Node cannot exit past the blocked thread), so the answer,
 * not the status, says how it went.
 */
export function jsonAnswer<T>(result: CliResult): T | undefined {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    return undefined;
  }
}
