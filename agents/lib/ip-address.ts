/**
 * IP addresses as VirtualIP configures them: family, canonical text, prefix
 * length, and whether two spellings name the same address. Pure: no I/O.
 */
import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

/** An address with the prefix length it is added with. */
export interface IpAddress {
  readonly family: IpFamily;
  /** Canonical text: dotted quad for IPv4, lower-case fully expanded groups for IPv6. */
  readonly canonical: string;
  /** The text as given (what `ip addr add` is told). */
  readonly text: string;
}

/** The address `text` (IPv4 or IPv6, no prefix, no zone), or undefined when it is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const trimmed = text.trim();
  const family = isIP(trimmed);
  if (family === 4) return { family, canonical: trimmed.split('.').map((part) => String(Number(part))).join('.'), text: trimmed };
  if (family === 6) return { family, canonical: expandIpv6(trimmed), text: trimmed };
  return undefined;
}

/** Expands an IPv6 address (valid per `isIP`) into eight 4-digit lower-case groups. */
function expandIpv6(text: string): string {
  let address = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4Tail !== null) {
    const [a, b, c, d] = v4Tail.slice(1).map(Number) as [number, number, number, number];
    address = address.slice(0, v4Tail.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.map((group) => group.padStart(4, '0')).join(':');
}

/** True when `a` and `b` spell the same address. */
export function sameAddress(a: string, b: string): boolean {
  const left = parseIpAddress(a);
  const right = parseIpAddress(b);
  return left !== undefined && right !== undefined && left.family === right.family && left.canonical === right.canonical;
}

/** The largest prefix length of a family: 32 or 128. */
export function maxPrefixLength(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/**
 * Parses a prefix length given as `24` (or, for IPv4 only, a dotted netmask
 * such as `255.255.255.0`). Returns undefined when it is not valid for `family`.
 */
export function parsePrefixLength(text: string, family: IpFamily): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,3}$/.test(trimmed)) {
    const length = Number(trimmed);
    return length <= maxPrefixLength(family) ? length : undefined;
  }
  if (family === 4 && isIP(trimmed) === 4) {
    const bits = trimmed.split('.').map((part) => Number(part).toString(2).padStart(8, '0')).join('');
    return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
  }
  return undefined;
}

/** True when `address` lies in the network `network`/`prefixLength` (same family). */
export function inNetwork(address: IpAddress, network: IpAddress, prefixLength: number): boolean {
  if (address.family !== network.family) return false;
  const a = addressBits(address);
  const b = addressBits(network);
  return a.slice(0, prefixLength) === b.slice(0, prefixLength);
}

function addressBits(address: IpAddress): string {
  if (address.family === 4) return address.canonical.split('.').map((part) => Number(part).toString(2).padStart(8, '0')).join('');
  return address.canonical.split(':').map((group) => parseInt(group, 16).toString(2).padStart(16, '0')).join('');
}
