/**
 * A sub-second IPv4 duplicate check through the kernel's own ARP: with no
 * neighbour entry for the address, a datagram to it makes the kernel
 * broadcast an ARP request (sender: this node's address on the interface);
 * any host that holds the address answers within milliseconds on a LAN, and
 * the entry turns REACHABLE with that host's MAC. No answer within the wait:
 * nobody has it. iputils arping (RFC 5227 probes) counts whole seconds,
 * which alone would double a failover's time.
 */
import { createSocket } from 'node:dgram';
import { runCommand, sleepMs } from './run-command.js';
import type { IpAddress } from './ip-address.js';
import type { DuplicateProbe } from './duplicate-address.js';

const ipTimeoutMs = 5000;
const answerStates = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE']);

interface NeighbourEntry { dst: string; dev?: string; lladdr?: string; state?: string[] }

/** The neighbour entry of `address` on `nic`, if any. */
async function neighbour(nic: string, address: IpAddress): Promise<NeighbourEntry | undefined> {
  const result = await runCommand('ip', ['-j', '-4', 'neigh', 'show', 'to', address.text, 'dev', nic], { timeoutMs: ipTimeoutMs });
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout.trim() || '[]') as NeighbourEntry[])[0];
}

async function flush(nic: string, address: IpAddress): Promise<void> {
  await runCommand('ip', ['-4', 'neigh', 'flush', 'to', address.text, 'dev', nic], { timeoutMs: ipTimeoutMs });
}

/** Whether datagrams to `address` leave through `nic` (else the kernel's ARP would ask elsewhere). */
export async function routesVia(nic: string, address: IpAddress): Promise<boolean> {
  const result = await runCommand('ip', ['-j', '-4', 'route', 'get', address.text], { timeoutMs: ipTimeoutMs });
  if (result.exitCode !== 0) return false;
  const [route] = JSON.parse(result.stdout.trim() || '[]') as Array<{ dev?: string; gateway?: string }>;
  return route?.dev === nic && route.gateway === undefined;
}

function poke(address: IpAddress): void {
  const socket = createSocket('udp4');
  socket.on('error', () => socket.close());
  // the discard port: what matters is the ARP request the kernel sends first
  socket.send(Buffer.alloc(1), 9, address.text, () => socket.close());
}

/**
 * Asks the network for `address` `requests` times within `waitMs` and
 * reports whether any host answered. Leaves no neighbour entry behind.
 */
export async function probeIpv4DuplicateByNeighbour(nic: string, address: IpAddress, requests: number, waitMs: number): Promise<DuplicateProbe> {
  const count = Math.max(1, requests);
  try {
    // one look per request, after its share of the wait: a duplicate is rare, and each
    // `ip` run costs CPU the failover needs (no busy polling)
    for (let request = 0; request < count; request++) {
      await flush(nic, address);
      poke(address);
      await sleepMs(waitMs / count);
      const entry = await neighbour(nic, address);
      // only states the kernel reaches through an answer count (a static PERMANENT entry is not one)
      const answered = (entry?.state ?? []).some((state) => answerStates.has(state));
      if (entry?.lladdr !== undefined && answered) return { duplicate: true, answeredBy: entry.lladdr.toLowerCase() };
    }
    return { duplicate: false };
  } finally {
    await flush(nic, address);
  }
}
