/**
 * Duplicate address detection before VirtualIP takes an address.
 * IPv4: iputils `arping -D` (RFC 5227 probes from 0.0.0.0; any reply means
 * another host has it). IPv6: the kernel's own DAD, which runs when the
 * address is added; we wait for the `tentative` flag to clear and look for
 * `dadfailed`.
 */
import { describeFailure, runCommand, sleepMs } from './run-command.js';
import type { IpAddress } from './ip-address.js';
import { findAddress, readInterface } from './ip-interfaces.js';

/** Who else answered for the address, if anyone. */
export interface DuplicateProbe {
  readonly duplicate: boolean;
  /** The replying host's link-layer address (IPv4), when one replied. */
  readonly answeredBy?: string;
}

/**
 * Sends `probes` ARP probes (one a second) for `address` on `nic` and reports
 * whether any host answered.
 * @throws Error when arping cannot run (rc 2: no such device, no permission).
 */
export async function probeIpv4Duplicate(nic: string, address: IpAddress, probes: number): Promise<DuplicateProbe> {
  const count = Math.max(1, probes);
  const args = ['-D', '-c', String(count), '-w', String(count + 1), '-I', nic, address.text];
  const result = await runCommand('arping', args, { timeoutMs: (count + 5) * 1000 });
  if (result.exitCode === 0) return { duplicate: false };
  if (result.exitCode === 1) {
    const mac = /\[([0-9A-Fa-f:]{17})\]/.exec(result.stdout)?.[1];
    return mac === undefined ? { duplicate: true } : { duplicate: true, answeredBy: mac.toLowerCase() };
  }
  throw new Error(describeFailure(`arping ${args.join(' ')}`, result));
}

/** What the kernel's IPv6 DAD concluded. */
export type Ipv6DadOutcome = 'unique' | 'duplicate' | 'gone' | 'undecided';

/**
 * Polls `nic` until `address` is no longer tentative or `deadlineMs` (a
 * monotonic time from `nowMs`) passes. `gone`: the address disappeared;
 * `undecided`: still tentative at the deadline.
 */
export async function waitIpv6Dad(nic: string, address: IpAddress, deadlineMs: number, nowMs: () => number): Promise<Ipv6DadOutcome> {
  for (;;) {
    const entry = findAddressOn(await readInterface(nic), address);
    if (entry === undefined) return 'gone';
    if (entry.dadfailed === true) return 'duplicate';
    if (entry.tentative !== true) return 'unique';
    if (nowMs() >= deadlineMs) return 'undecided';
    await sleepMs(200);
  }
}

function findAddressOn(nic: Awaited<ReturnType<typeof readInterface>>, address: IpAddress) {
  return nic === undefined ? undefined : findAddress(nic, address);
}
