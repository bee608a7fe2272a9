/**
 * Interfaces, their addresses and the routing table, read and changed through
 * iproute2 (`ip -j`). The JSON readers are pure and tested on captured output;
 * the rest runs `ip`.
 */
import { describeFailure, runCommand } from './run-command.js';
import { inNetwork, parseIpAddress, sameAddress, type IpAddress } from './ip-address.js';

/** One address on an interface, as `ip -j addr` reports it. */
export interface InterfaceAddress {
  readonly family: 'inet' | 'inet6';
  readonly local: string;
  readonly prefixlen: number;
  readonly label?: string;
  readonly tentative?: boolean;
  readonly dadfailed?: boolean;
}

/** One interface with its state and addresses. */
export interface NetworkInterface {
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly operstate: string;
  /** Link-layer address (MAC) when the interface has one. */
  readonly address?: string;
  readonly addr_info: readonly InterfaceAddress[];
}

/** A route from `ip -j route show`. */
export interface Route {
  readonly dst: string;
  readonly dev?: string;
  readonly type?: string;
}

/** The interfaces in `ip -j addr show` output. @throws SyntaxError on output that is not JSON. */
export function parseInterfaces(json: string): NetworkInterface[] {
  const parsed = JSON.parse(json) as NetworkInterface[];
  return parsed.map((entry) => ({ ...entry, flags: entry.flags ?? [], addr_info: entry.addr_info ?? [] }));
}

/**
 * The interface is administratively up and its link is not known to be down.
 * (Virtual interfaces report operstate UNKNOWN: that counts as up.)
 */
export function isInterfaceUp(nic: NetworkInterface): boolean {
  return nic.flags.includes('UP') && nic.operstate !== 'DOWN' && nic.operstate !== 'LOWERLAYERDOWN';
}

/** The entry of `address` on `nic`, if it is there. */
export function findAddress(nic: NetworkInterface, address: IpAddress): InterfaceAddress | undefined {
  return nic.addr_info.find((entry) => sameAddress(entry.local, address.text));
}

/**
 * The interface whose connected route (`dst` a network with `dev`, not the
 * default route) contains `address`, preferring the longest prefix, as
 * IPaddr2's findif does. Undefined when none fits.
 */
export function pickInterfaceForAddress(routes: readonly Route[], address: IpAddress): { nic: string; prefixLength: number } | undefined {
  let best: { nic: string; prefixLength: number } | undefined;
  for (const route of routes) {
    if (route.dev === undefined || route.dst === 'default' || (route.type !== undefined && route.type !== 'unicast')) continue;
    const [networkText = '', lengthText] = route.dst.split('/');
    const network = parseIpAddress(networkText);
    const prefixLength = lengthText === undefined ? (address.family === 4 ? 32 : 128) : Number(lengthText);
    if (network === undefined || !inNetwork(address, network, prefixLength)) continue;
    if (best === undefined || prefixLength > best.prefixLength) best = { nic: route.dev, prefixLength };
  }
  return best;
}

const ipTimeoutMs = 10_000;

async function ipJson(args: readonly string[]): Promise<string> {
  const result = await runCommand('ip', ['-j', ...args], { timeoutMs: ipTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`ip ${args.join(' ')}`, result));
  return result.stdout.trim() || '[]';
}

/** The interface named `nic`, or undefined when there is none. */
export async function readInterface(nic: string): Promise<NetworkInterface | undefined> {
  const result = await runCommand('ip', ['-j', 'addr', 'show', 'dev', nic], { timeoutMs: ipTimeoutMs });
  if (result.exitCode !== 0) {
    if (/does not exist|Cannot find device/i.test(result.stderr)) return undefined;
    throw new Error(describeFailure(`ip addr show dev ${nic}`, result));
  }
  return parseInterfaces(result.stdout.trim() || '[]')[0];
}

/** Every interface with its addresses. */
export async function readInterfaces(): Promise<NetworkInterface[]> {
  return parseInterfaces(await ipJson(['addr', 'show']));
}

/** The main routing table of `address`'s family. */
export async function readRoutes(family: 4 | 6): Promise<Route[]> {
  return JSON.parse(await ipJson([`-${family}`, 'route', 'show', 'table', 'main'])) as Route[];
}

/** Options of `ip addr add`. */
export interface AddAddressOptions {
  readonly label?: string;
  /** IPv4 broadcast address; default `+` (computed from the prefix). */
  readonly broadcast?: string;
  /** IPv6: add without duplicate address detection (`nodad`). */
  readonly noDad?: boolean;
}

/** Adds `address`/`prefixLength` to `nic`. @throws Error with ip's message. */
export async function addAddress(nic: string, address: IpAddress, prefixLength: number, options: AddAddressOptions = {}): Promise<void> {
  const args = ['addr', 'add', `${address.text}/${prefixLength}`, 'dev', nic];
  if (address.family === 4) {
    args.push('broadcast', options.broadcast ?? '+');
    if (options.label !== undefined) args.push('label', options.label);
  } else if (options.noDad === true) {
    args.push('nodad');
  }
  const result = await runCommand('ip', args, { timeoutMs: ipTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`ip ${args.join(' ')}`, result));
}

/** Removes `address`/`prefixLength` from `nic`. @throws Error with ip's message. */
export async function deleteAddress(nic: string, address: IpAddress, prefixLength: number): Promise<void> {
  const args = ['addr', 'del', `${address.text}/${prefixLength}`, 'dev', nic];
  const result = await runCommand('ip', args, { timeoutMs: ipTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeFailure(`ip ${args.join(' ')}`, result));
}
