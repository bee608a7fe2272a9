/**
 * Drives the demo's rows client (scripts/demo/rows-client.ts) in the lab's
 * client namespace and keeps what it reports: the rows the app
 * acknowledged, with times, so a test can measure the failover (kill →
 * first acknowledged row) and check that every acknowledged row survived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../paths.js';
import type { ClientNetwork } from './client-network.js';

export const rowsClientPath = path.join(repoRoot, 'dist', 'scripts', 'demo', 'rows-client.js');

export interface RowAttempt { value: string; atMs: number; ok: boolean; error?: string }

export class RowsWriter {
  readonly attempts: RowAttempt[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly client: ClientNetwork, private readonly url: string, private readonly prefix: string) {}

  /** Starts writing (bounded to `maxSeconds`). */
  start(maxSeconds = 300): void {
    const [file, ...args] = this.client.wrap([process.execPath, rowsClientPath, '--url', this.url, '--prefix', this.prefix, '--max-seconds', String(maxSeconds)]);
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as { ack?: string; fail?: string; atMs: number; error?: string };
      this.attempts.push(parsed.ack !== undefined
        ? { value: parsed.ack, atMs: parsed.atMs, ok: true }
        : { value: parsed.fail ?? '?', atMs: parsed.atMs, ok: false, ...(parsed.error !== undefined ? { error: parsed.error } : {}) });
    });
  }

  /** The values the app acknowledged so far. */
  get acknowledged(): string[] { return this.attempts.filter((attempt) => attempt.ok).map((attempt) => attempt.value); }

  /** The first acknowledged row at or after `sinceMs` (epoch ms), if any. */
  firstAckAfter(sinceMs: number): RowAttempt | undefined {
    return this.attempts.find((attempt) => attempt.ok && attempt.atMs >= sinceMs);
  }

  /**
   * The end of the first outage after `sinceMs`: the first acknowledged row
   * after the first failed attempt at or after `sinceMs`. (A node whose
   * tandemd was killed goes on serving until it is fenced: the outage
   * begins then, not at the kill.)
   */
  firstAckAfterOutage(sinceMs: number): RowAttempt | undefined {
    const failure = this.attempts.find((attempt) => !attempt.ok && attempt.atMs >= sinceMs);
    return failure === undefined ? undefined : this.firstAckAfter(failure.atMs);
  }

  /** Stops the client (SIGTERM; it finishes the row in flight) and waits for it. */
  async stop(): Promise<void> {
    if (this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
