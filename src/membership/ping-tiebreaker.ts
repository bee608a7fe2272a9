/**
 * The ping tiebreaker: when a peer is lost (and every ping interval), ping
 * each target with real ICMP (iputils `ping`), an echo every 200 ms until
 * one is answered or 2 s have passed. A member that reaches no target
 * concludes it is the one cut off (isolated), and does not fence: one lost
 * or late echo (a busy host, a congested switch) must not make the healthy
 * side of a split stand down and lose the service, which a single 1 s echo
 * could (Pacemaker's ping agent likewise tries several times). Reachability is also
 * published as the `pingd` attribute, like ocf:pacemaker:ping: the number of
 * reachable targets times the multiplier.
 */
import { execa } from 'execa';
import type { Logger } from '../log.js';

export interface PingResult {
  targets: string[];
  reachable: string[];
  /** reachable × multiplier; the `pingd` node attribute. */
  pingd: number;
  /** True when targets are configured and none answered. */
  isolated: boolean;
  checkedAtMs: number;
}

/** Pings one target; true when it answered within the probe's deadline. */
export type PingProbe = (target: string) => Promise<boolean>;

/** How long the real probe keeps trying a target, and how often it sends an echo. */
const PROBE_DEADLINE_S = 2;
const PROBE_INTERVAL_S = 0.2;

/**
 * The real probe: `ping -n -c1 -w2 -i0.2 TARGET`, which ends at the first
 * reply (at once when the target answers) and sends another echo every
 * 200 ms until then, for at most 2 s. Never throws.
 */
export const icmpProbe: PingProbe = async (target) => {
  const result = await execa('ping', ['-n', '-c1', `-w${PROBE_DEADLINE_S}`, `-i${PROBE_INTERVAL_S}`, target], { reject: false, timeout: (PROBE_DEADLINE_S + 2) * 1000 });
  return result.exitCode === 0;
};

export class PingTiebreaker {
  last: PingResult | undefined;
  private running: Promise<PingResult> | undefined;

  constructor(private readonly targets: string[], private readonly multiplier: number, private readonly log: Logger,
    private readonly probe: PingProbe = icmpProbe, private readonly nowMs: () => number = () => Date.now()) {}

  /** Pings every target (concurrently); concurrent callers share one round. */
  check(): Promise<PingResult> {
    this.running ??= this.round().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async round(): Promise<PingResult> {
    const answers = await Promise.all(this.targets.map(async (target) => {
      try {
        return await this.probe(target);
      } catch (error) {
        this.log.warn({ err: error, target }, 'ping failed to run');
        return false;
      }
    }));
    const reachable = this.targets.filter((_, index) => answers[index]);
    const result: PingResult = {
      targets: this.targets, reachable, pingd: reachable.length * this.multiplier,
      isolated: this.targets.length > 0 && reachable.length === 0, checkedAtMs: this.nowMs(),
    };
    this.last = result;
    return result;
  }
}
