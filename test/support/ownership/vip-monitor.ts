/**
 * Whether each node holds the virtual IP, followed through `ip monitor`: a
 * node holds it when the address is on an interface that is up (a fenced
 * node's links are down: it answers for nothing, as a powered-off server).
 * Every address or link event in a node's namespace triggers a fresh read
 * of that namespace's addresses, so no change is missed between events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';

interface IpAddressJson { ifname: string; flags?: string[]; operstate?: string; addr_info?: Array<{ local?: string }> }

/**
 * Whether `address` is on an UP interface of namespace `netns`. `ip -n`
 * runs inside the namespace, where a fence may kill it: a failed read is
 * retried, after a pause long enough for the fence agent to find the
 * namespace empty (it polls every 100 ms until no process is left).
 */
export async function holdsAddress(netns: string, address: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const listed = await execa('ip', ['-n', netns, '-j', 'addr', 'show'], { reject: false });
    if (listed.exitCode === 0) {
      const links = JSON.parse(listed.stdout) as IpAddressJson[];
      return links.some((link) => (link.flags ?? []).includes('UP') && (link.addr_info ?? []).some((info) => info.local === address));
    }
    if (attempt >= 10) throw new Error(`ip -n ${netns} addr show keeps failing: ${listed.stderr || `killed by ${listed.signal ?? '?'}`}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export class VipMonitor {
  private readonly monitors = new Set<ChildProcess>();
  private running = false;
  private readonly holding = new Map<string, boolean>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  /** `onChange` runs after every re-read with the nodes holding the address. */
  constructor(private readonly nodes: ReadonlyMap<string, string>, private readonly address: string, private readonly onChange: (holders: string[]) => void) {}

  get holders(): string[] { return [...this.holding].filter(([, held]) => held).map(([node]) => node).sort(); }

  async start(): Promise<void> {
    this.running = true;
    for (const [node, netns] of this.nodes) this.follow(node, netns);
    await Promise.all([...this.nodes].map(([node, netns]) => this.refresh(node, netns)));
  }

  /**
   * Runs `ip monitor` in the node's namespace. A fence kills every process
   * there, this one too: it is started again, and the state re-read, so the
   * events missed meanwhile do not matter. Not at once: a fence agent waits
   * for the namespace to be empty, and a monitor back within milliseconds
   * would make the fence fail. The pause is blind only for a node being
   * powered off, whose links the fence took down first.
   */
  private follow(node: string, netns: string): void {
    const monitor = spawn('ip', ['-n', netns, 'monitor', 'address', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor.stdout?.on('data', () => { void this.refresh(node, netns); });
    monitor.once('exit', () => {
      this.monitors.delete(monitor);
      if (!this.running) return;
      setTimeout(() => {
        if (!this.running) return;
        this.follow(node, netns);
        void this.refresh(node, netns);
      }, 500);
    });
    this.monitors.add(monitor);
  }

  /** Re-reads one node; a refresh asked for while one runs runs again after it. */
  private refresh(node: string, netns: string): Promise<void> {
    const running = this.reading.get(node);
    if (running !== undefined) {
      this.again.add(node);
      return running;
    }
    const read = (async () => {
      do {
        this.again.delete(node);
        this.holding.set(node, await holdsAddress(netns, this.address));
        this.onChange(this.holders);
      } while (this.again.has(node));
    })().catch((error: unknown) => { process.stderr.write(`# vip monitor ${node}: ${String(error)}\n`); }).finally(() => this.reading.delete(node));
    this.reading.set(node, read);
    return read;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const monitor of this.monitors) monitor.kill('SIGKILL');
    await Promise.all([...this.reading.values()]);
  }
}
