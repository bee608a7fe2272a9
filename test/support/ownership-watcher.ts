/**
 * The double-ownership watcher every stack test runs with: it samples all
 * nodes continuously — the virtual IP (ip monitor in each node's namespace),
 * mirror engines and postmasters (/proc, per network namespace, every
 * `intervalMs`), and the owner recorded in the mirror legs' metadata — and
 * records a violation the moment two nodes hold the VIP, the mirror or the
 * database at once. `check()` throws on the first violation; the lab's
 * waits call it on every poll, so a test fails at once, not at its end.
 */
import { namespaceLink, scanProcesses } from './ownership/process-holdings.js';
import { legOwner } from './ownership/leg-owners.js';
import { VipMonitor } from './ownership/vip-monitor.js';

export interface WatchedNode { readonly name: string; readonly netns: string }

export interface OwnershipWatcherOptions {
  readonly nodes: readonly WatchedNode[];
  readonly vip: string;
  readonly legFiles: readonly string[];
  /** Period of the /proc and metadata sampling (default 50 ms). */
  readonly intervalMs?: number;
}

export interface OwnershipViolation { readonly atMs: number; readonly what: 'vip' | 'mirror' | 'database'; readonly holders: string[] }

/** One change of who holds what (the timeline a failing test prints). */
export interface OwnershipChange { readonly atMs: number; readonly what: 'vip' | 'mirror' | 'database' | 'legs'; readonly holders: string[] }

export class OwnershipViolationError extends Error {
  /** Ends a waitUntil at once instead of being retried. */
  readonly fatal = true;
  constructor(readonly violation: OwnershipViolation, timeline: string) {
    super(`double ownership: ${violation.what} held by ${violation.holders.join(' and ')} at once (${new Date(violation.atMs).toISOString()})\n${timeline}`);
  }
}

export class OwnershipWatcher {
  readonly violations: OwnershipViolation[] = [];
  readonly timeline: OwnershipChange[] = [];
  /** Samples taken of /proc and the legs (a test may assert the watcher really ran). */
  samples = 0;
  private readonly last = new Map<string, string>();
  private readonly vip: VipMonitor;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private readonly links = new Map<string, string>();
  /** The owner each leg names ('' released, '?' unreadable). */
  private legOwners: string[] = [];

  constructor(private readonly options: OwnershipWatcherOptions) {
    this.vip = new VipMonitor(new Map(options.nodes.map((node) => [node.name, node.netns])), options.vip, (holders) => this.observe('vip', holders));
  }

  /** Starts sampling; resolves after the first full sample. */
  async start(): Promise<void> {
    for (const node of this.options.nodes) this.links.set(namespaceLink(node.netns), node.name);
    await this.vip.start();
    await this.sample();
    const tick = (): void => {
      this.sampling = this.sample().catch((error: unknown) => { process.stderr.write(`# ownership watcher: ${String(error)}\n`); }).finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.intervalMs ?? 50);
      });
    };
    this.timer = setTimeout(tick, this.options.intervalMs ?? 50);
  }

  private async sample(): Promise<void> {
    const processes = scanProcesses(this.links);
    this.observe('mirror', processes.mirror);
    this.observe('database', processes.database);
    const owners = await Promise.all(this.options.legFiles.map((file) => legOwner(file).catch(() => undefined)));
    this.legOwners = owners.map((owner) => owner ?? '?');
    this.observe('legs', this.legOwners);
    this.samples++;
  }

  private observe(what: OwnershipChange['what'], holders: string[]): void {
    const key = holders.join(',');
    if (this.last.get(what) === key) return;
    this.last.set(what, key);
    const atMs = Date.now();
    this.timeline.push({ atMs, what, holders });
    if (what !== 'legs' && holders.length > 1) this.violations.push({ atMs, what, holders });
  }

  /** The changes so far, one per line. */
  describe(): string {
    const start = this.timeline[0]?.atMs ?? 0;
    return this.timeline.map((change) => `  +${String(change.atMs - start).padStart(6)} ms ${change.what}: ${change.holders.join(',') || '-'}`).join('\n');
  }

  /** @throws OwnershipViolationError naming the first violation, with the timeline. */
  check(): void {
    const [first] = this.violations;
    if (first !== undefined) throw new OwnershipViolationError(first, this.describe());
  }

  /** Who holds what now. */
  current(): { vip: string[]; mirror: string[]; database: string[]; legs: string[] } {
    const of = (what: string): string[] => (this.last.get(what) ?? '').split(',').filter((name) => name !== '');
    return { vip: this.vip.holders, mirror: of('mirror'), database: of('database'), legs: this.legOwners };
  }

  /** Stops sampling (the last sample finishes first). */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer !== undefined) clearTimeout(timer);
    await this.sampling;
    await this.vip.stop();
  }
}
