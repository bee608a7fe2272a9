/**
 * Whether this node has a local leg's storage, asked without risking the
 * agent: a stat on an array whose paths all died blocks in the kernel, and
 * the agent's own stat would then hang its start until the cluster's
 * timeout. So stat(1) runs in a child process with a deadline, and a leg
 * that does not answer by then is "unreachable", not a reason to hang.
 */
import { describeFailure, runCommand } from '../lib/run-command.js';

export type LegPresence =
  | { kind: 'usable' }
  /** missing: no such path here; unusable: neither a file nor a block device; unreachable: no answer, or an I/O error. */
  | { kind: 'missing' | 'unusable' | 'unreachable'; detail: string };

/** Stats `path` (following links) in a child process, waiting `timeoutMs` at most; never throws for the leg's sake. */
export async function probeLegPath(path: string, timeoutMs: number): Promise<LegPresence> {
  const result = await runCommand('stat', ['-L', '--format=%F', '--', path], { timeoutMs });
  if (result.timedOut) return { kind: 'unreachable', detail: `no answer within ${timeoutMs} ms (its array may hang)` };
  if (result.exitCode === 0) {
    const type = result.stdout.trim();
    return type === 'regular file' || type === 'regular empty file' || type === 'block special file'
      ? { kind: 'usable' }
      : { kind: 'unusable', detail: `${type}: neither a file nor a block device` };
  }
  if (/No such file or directory/.test(result.stderr)) return { kind: 'missing', detail: 'no such file or block device on this node' };
  return { kind: 'unreachable', detail: describeFailure('stat', result) };
}
