/**
 * The ping tiebreaker: when a peer is lost (and every ping interval), ping
 * each target once with real ICMP (iputils `ping`). A member that reaches no
 * target concludes it is the one cut off (isolated). Reachability is also
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

/** Pings one target; true when it answered within 1 s. */
export type PingProbe = (target: string) => Promise<boolean>;

/** The real probe: `ping -c1 -W1 -n TARGET`. Never throws. */
export const icmpProbe: PingProbe = async (target) => {
  const result = await execa('ping', ['-c1', '-W1', '-n', target], { reject: false, timeout: 3000 });
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
