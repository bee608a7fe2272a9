/**
 * One way of keeping the VIP alive that the bench measures. The trial loop
 * (main.ts) is the same for all: wait for a steady server, kill -9 its
 * cluster software, time the VIP answering from the other node, "reboot" the
 * victim. A whole-stack scenario plugs in here the same way.
 */
import type { FailoverLab } from './lab.js';

export interface FailoverScenario {
  readonly name: string;
  /** Starts the cluster software on both nodes with the VIP configured. */
  setup(lab: FailoverLab): Promise<void>;
  /** kill -9 of the cluster software on `node` (nothing it runs is stopped). */
  kill(lab: FailoverLab, node: number): Promise<void>;
  /** After a trial: the victim comes back as a rebooted server would. */
  recover(lab: FailoverLab, node: number): Promise<void>;
  /**
   * Where the time went in the last trial, from the survivor's logs
   * (optional): phase name → ms after the kill, in the order they happen.
   */
  breakdown?(lab: FailoverLab, survivor: number, killedAtMs: number): Promise<Map<string, number | undefined>>;
  teardown(lab: FailoverLab): Promise<void>;
}
