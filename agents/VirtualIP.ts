/**
 * tandem:VirtualIP — moves a service address between servers, like
 * ocf:heartbeat:IPaddr2 without its traps: it refuses an address another host
 * answers for (ARP probes for IPv4, the kernel's DAD for IPv6), says which
 * interface it could not find and why, and announces the move (gratuitous
 * ARP, or unsolicited neighbour advertisements for IPv6).
 */
import { defineAgent, type ActionContext, type ParsedParams } from '../src/ocf/agent.js';
import { OcfExit } from '../src/ocf/exit-codes.js';
import { OcfError } from '../src/ocf/errors.js';
import { isMainModule, runAgentProcess } from '../src/ocf/process-main.js';
import { parseIpAddress, parsePrefixLength, type IpAddress } from './lib/ip-address.js';
import {
  addAddress, deleteAddress, findAddress, isInterfaceUp, pickInterfaceForAddress, readInterface, readInterfaces, readRoutes,
  type InterfaceAddress, type NetworkInterface,
} from './lib/ip-interfaces.js';
import { probeIpv4Duplicate, waitIpv6Dad, type DuplicateProbe } from './lib/duplicate-address.js';
import { probeIpv4DuplicateByNeighbour, routesVia } from './lib/neighbour-probe.js';
import { announceAddress, type ArpMode } from './lib/neighbour-announce.js';
import { findExecutable } from './lib/executables.js';

const parameters = {
  ip: { type: 'string', required: true, unique: true, shortdesc: 'Virtual IP address', longdesc: 'The IPv4 or IPv6 address to bring up, without prefix length (e.g. 198.18.0.10 or 2001:db8::10).' },
  cidr_netmask: {
    type: 'string', shortdesc: 'Prefix length',
    longdesc: 'Prefix length of the address (24, or for IPv4 a netmask such as 255.255.255.0). Default: the prefix of the connected route that contains the address.',
  },
  nic: {
    type: 'string', shortdesc: 'Network interface',
    longdesc: 'Interface to add the address to. Default: the interface of the connected route (longest prefix) that contains the address; start fails, naming the address, when no route fits.',
  },
  label: { type: 'string', shortdesc: 'Interface label (IPv4)', longdesc: 'Label of the IPv4 address as `ip addr` shows it, e.g. eth0:vip (must start with the interface name).' },
  broadcast: { type: 'string', shortdesc: 'Broadcast address (IPv4)', longdesc: 'IPv4 broadcast address. Default: computed from the prefix (`ip addr add ... broadcast +`).' },
  arp_count: {
    type: 'integer', default: 3, shortdesc: 'Announcements on start',
    longdesc: 'Number of gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6) sent after the address is up; 0 sends none.',
  },
  arp_interval_s: { type: 'integer', default: 1, shortdesc: 'Seconds between announcements', longdesc: 'Pause between two announcements, in whole seconds (iputils arping counts whole seconds).' },
  arp_mode: {
    type: 'string', default: 'request', shortdesc: 'Gratuitous ARP kind (IPv4)',
    longdesc: '`request` sends unsolicited ARP requests (arping -U), `reply` sends ARP replies (arping -A); some switches only learn from one kind.',
  },
  dad_probes: {
    type: 'integer', default: 2, shortdesc: 'Duplicate address probes (IPv4)',
    longdesc: 'ARP requests (dad_mode=request: spread over dad_wait_ms) or RFC 5227 probes (dad_mode=rfc5227: one a second) sent before start to find another host using the address. IPv6 uses the kernel\'s duplicate address detection.',
  },
  dad_mode: {
    type: 'string', default: 'request', shortdesc: 'How IPv4 duplicates are looked for',
    longdesc: '`request`: the kernel asks for the address with ARP requests from the interface\'s own address and any answer within dad_wait_ms is a duplicate (sub-second; needs an IPv4 address of the node on the interface, else rfc5227 is used). `rfc5227`: arping -D probes from 0.0.0.0, one a second (slower by whole seconds, for networks where hosts answer ARP slowly).',
  },
  dad_wait_ms: {
    type: 'integer', default: 100, shortdesc: 'Wait for an answer (dad_mode=request)',
    longdesc: 'How long to wait for a host to answer for the address, in milliseconds. A host on the same LAN answers within a millisecond or two (the kernel answers ARP, no program has to run); 100 ms leaves room for a loaded one.',
  },
  allow_duplicate: {
    type: 'boolean', default: false, shortdesc: 'Start even when another host has the address',
    longdesc: 'Skip duplicate address detection and take the address even if another host answers for it. Only for a network whose other side is known to be gone.',
  },
} as const satisfies Parameters<typeof defineAgent>[0]['parameters'];

type VirtualIpParams = ParsedParams<typeof parameters>;
type Context = ActionContext<VirtualIpParams>;

/** Where the address goes: parsed address, interface, prefix. */
interface Placement {
  readonly address: IpAddress;
  readonly nic: string;
  readonly prefixLength: number;
}

/** The address parameter, parsed. @throws OcfError(6) naming `ip`. */
function configuredAddress(params: VirtualIpParams): IpAddress {
  const address = parseIpAddress(params.ip);
  if (address === undefined) throw new OcfError(OcfExit.ERR_CONFIGURED, `parameter 'ip': '${params.ip}' is not an IPv4 or IPv6 address`, { parameter: 'ip' });
  return address;
}

/** The checks that need no system state. @throws OcfError(6) naming the parameter. */
function checkParameters(params: VirtualIpParams): IpAddress {
  const address = configuredAddress(params);
  const configured = (name: string, message: string): never => {
    throw new OcfError(OcfExit.ERR_CONFIGURED, `parameter '${name}': ${message}`, { parameter: name });
  };
  if (params.cidr_netmask !== undefined && parsePrefixLength(params.cidr_netmask, address.family) === undefined) {
    configured('cidr_netmask', `'${params.cidr_netmask}' is not a prefix length for IPv${address.family}`);
  }
  if (params.nic !== undefined && !/^[^\s/:]{1,15}$/.test(params.nic)) configured('nic', `'${params.nic}' is not an interface name`);
  if (params.label !== undefined) {
    if (address.family === 6) configured('label', 'labels exist only for IPv4 addresses');
    if (params.label.length > 15) configured('label', `'${params.label}' is longer than 15 characters`);
    if (params.nic !== undefined && !params.label.startsWith(params.nic)) configured('label', `'${params.label}' must start with the interface name '${params.nic}'`);
  }
  if (params.broadcast !== undefined) {
    if (address.family === 6) configured('broadcast', 'IPv6 has no broadcast address');
    if (parseIpAddress(params.broadcast)?.family !== 4) configured('broadcast', `'${params.broadcast}' is not an IPv4 address`);
  }
  if (params.arp_count < 0) configured('arp_count', 'must not be negative');
  if (params.arp_interval_s < 1) configured('arp_interval_s', 'must be at least 1');
  if (params.arp_mode !== 'request' && params.arp_mode !== 'reply') configured('arp_mode', `'${params.arp_mode}' is neither 'request' nor 'reply'`);
  if (params.dad_probes < 1) configured('dad_probes', 'must be at least 1');
  if (params.dad_mode !== 'request' && params.dad_mode !== 'rfc5227') configured('dad_mode', `'${params.dad_mode}' is neither 'request' nor 'rfc5227'`);
  if (params.dad_wait_ms < 20 || params.dad_wait_ms > 10_000) configured('dad_wait_ms', `${params.dad_wait_ms} is out of range 20..10000`);
  return address;
}

/**
 * Works out the interface and prefix: as configured, else from the connected
 * route that contains the address.
 * @throws OcfError(6) when no interface fits, naming the address and what to set.
 */
async function placement(params: VirtualIpParams, address: IpAddress): Promise<Placement> {
  const configuredPrefix = params.cidr_netmask === undefined ? undefined : parsePrefixLength(params.cidr_netmask, address.family);
  if (params.nic !== undefined && configuredPrefix !== undefined) return { address, nic: params.nic, prefixLength: configuredPrefix };
  const routes = (await readRoutes(address.family)).filter((route) => params.nic === undefined || route.dev === params.nic);
  const found = pickInterfaceForAddress(routes, address);
  if (found === undefined) {
    const [where, advice] = params.nic === undefined
      ? ['no interface has a connected route', "set parameter 'nic' and parameter 'cidr_netmask'"]
      : [`interface '${params.nic}' has no connected route`, "set parameter 'cidr_netmask'"];
    throw new OcfError(OcfExit.ERR_CONFIGURED, `${where} that contains ${address.text}: ${advice}`, { parameter: params.nic === undefined ? 'nic' : 'cidr_netmask' });
  }
  return { address, nic: found.nic, prefixLength: configuredPrefix ?? found.prefixLength };
}

/** The interface (if any) that carries `address` now, with the address entry. */
async function findCarrier(address: IpAddress): Promise<{ nic: NetworkInterface; entry: InterfaceAddress } | undefined> {
  return carrierIn(await readInterfaces(), address);
}

function carrierIn(interfaces: readonly NetworkInterface[], address: IpAddress): { nic: NetworkInterface; entry: InterfaceAddress } | undefined {
  for (const nic of interfaces) {
    const entry = findAddress(nic, address);
    if (entry !== undefined) return { nic, entry };
  }
  return undefined;
}

async function validate(context: Context): Promise<number> {
  const address = checkParameters(context.params);
  for (const tool of address.family === 4 ? ['ip', 'arping'] : ['ip', 'perl']) {
    if (findExecutable(tool) === undefined) throw new OcfError(OcfExit.ERR_INSTALLED, `${tool} is not installed (not found in PATH)`);
  }
  const where = await placement(context.params, address);
  if ((await readInterface(where.nic)) === undefined) {
    throw new OcfError(OcfExit.ERR_INSTALLED, `parameter 'nic': interface '${where.nic}' does not exist on this node`, { parameter: 'nic' });
  }
  return OcfExit.SUCCESS;
}

async function monitor(context: Context): Promise<number> {
  const address = configuredAddress(context.params);
  const carrier = await findCarrier(address);
  if (carrier === undefined) return OcfExit.NOT_RUNNING;
  if (context.params.nic !== undefined && carrier.nic.ifname !== context.params.nic) {
    context.exitReason(`${address.text} is on interface ${carrier.nic.ifname}, not on '${context.params.nic}'`);
    return OcfExit.ERR_GENERIC;
  }
  if (carrier.entry.dadfailed === true) {
    context.exitReason(`${address.text} on ${carrier.nic.ifname} failed duplicate address detection: another host has it`);
    return OcfExit.ERR_GENERIC;
  }
  if (!isInterfaceUp(carrier.nic)) {
    context.exitReason(`interface ${carrier.nic.ifname} carrying ${address.text} is down (state ${carrier.nic.operstate})`);
    return OcfExit.ERR_GENERIC;
  }
  return OcfExit.SUCCESS;
}

/** The IPv4 duplicate check dad_mode asks for, falling back to RFC 5227 probes when the fast one cannot work here. */
async function lookForIpv4Duplicate(params: VirtualIpParams, link: NetworkInterface, address: IpAddress): Promise<DuplicateProbe> {
  const ownIpv4 = link.addr_info.some((entry) => entry.family === 'inet' && entry.local !== address.text);
  if (params.dad_mode === 'request' && ownIpv4 && await routesVia(link.ifname, address)) {
    return probeIpv4DuplicateByNeighbour(link.ifname, address, params.dad_probes, params.dad_wait_ms);
  }
  return probeIpv4Duplicate(link.ifname, address, params.dad_probes);
}

async function start(context: Context): Promise<number> {
  const params = context.params;
  const where = await placement(params, checkParameters(params));
  const { address, nic } = where;
  // one read of every interface serves both questions: who carries the address, and our nic's state
  const interfaces = await readInterfaces();
  const carrier = carrierIn(interfaces, address);
  if (carrier !== undefined && carrier.nic.ifname !== nic) {
    throw new OcfError(OcfExit.ERR_GENERIC, `${address.text} is already on interface ${carrier.nic.ifname}, not on ${nic}`);
  }
  if (carrier !== undefined && carrier.entry.dadfailed !== true) {
    context.log.info(`${address.text} is already on ${nic}`);
    return monitor(context);
  }
  if (carrier !== undefined) await deleteAddress(nic, address, carrier.entry.prefixlen);
  const link = carrier === undefined ? interfaces.find((candidate) => candidate.ifname === nic) : await readInterface(nic);
  if (link === undefined) throw new OcfError(OcfExit.ERR_INSTALLED, `parameter 'nic': interface '${nic}' does not exist on this node`, { parameter: 'nic' });
  if (!isInterfaceUp(link)) throw new OcfError(OcfExit.ERR_GENERIC, `interface ${nic} is down (state ${link.operstate}); ${address.text} not added`);

  if (address.family === 4 && !params.allow_duplicate) {
    const probe = await lookForIpv4Duplicate(params, link, address);
    if (probe.duplicate) {
      throw new OcfError(OcfExit.ERR_GENERIC, `${address.text} is already in use on ${nic}'s network${probe.answeredBy === undefined ? '' : ` by ${probe.answeredBy}`}; refusing to start (allow_duplicate=true overrides)`);
    }
  }
  await addAddress(nic, address, where.prefixLength, { label: params.label, broadcast: params.broadcast, noDad: params.allow_duplicate });
  context.log.info(`added ${address.text}/${where.prefixLength} to ${nic}`);
  if (address.family === 6 && !params.allow_duplicate) {
    const deadlineMs = performance.now() + Math.max(0, context.remainingMs() - 2000);
    const outcome = await waitIpv6Dad(nic, address, deadlineMs, () => performance.now());
    if (outcome !== 'unique') {
      await deleteAddress(nic, address, where.prefixLength).catch((error: unknown) => context.log.warn(`could not remove ${address.text}: ${String(error)}`));
      const why = outcome === 'duplicate' ? 'failed duplicate address detection: another host has it'
        : outcome === 'gone' ? 'disappeared during duplicate address detection' : 'was still tentative when the action timeout neared';
      throw new OcfError(OcfExit.ERR_GENERIC, `${address.text} on ${nic} ${why}; removed it again`);
    }
  }
  await announceAddress(nic, address, {
    count: params.arp_count, intervalS: params.arp_interval_s, arpMode: params.arp_mode as ArpMode, linkAddress: link.address,
  }).catch((error: unknown) => context.log.warn(`announcing ${address.text} failed: ${error instanceof Error ? error.message : String(error)}`));
  return monitor(context);
}

async function stop(context: Context): Promise<number> {
  const address = configuredAddress(context.params);
  const carrier = await findCarrier(address);
  if (carrier === undefined) return OcfExit.SUCCESS;
  await deleteAddress(carrier.nic.ifname, address, carrier.entry.prefixlen);
  context.log.info(`removed ${address.text} from ${carrier.nic.ifname}`);
  return (await findCarrier(address)) === undefined ? OcfExit.SUCCESS : OcfExit.ERR_GENERIC;
}

export const virtualIpAgent = defineAgent({
  name: 'VirtualIP',
  version: '1.0',
  shortdesc: 'Virtual IPv4/IPv6 address',
  longdesc: 'Adds a service address to an interface and announces it (gratuitous ARP, unsolicited neighbour advertisement); refuses an address another host answers for. Like ocf:heartbeat:IPaddr2.',
  parameters,
  validate,
  actions: {
    start: { handler: start, timeoutS: 20 },
    stop: { handler: stop, timeoutS: 20 },
    monitor: { handler: monitor, timeoutS: 20, intervalS: 10 },
  },
});

/** Runs the action named on the command line and exits: what the launcher calls. */
export function main(): Promise<never> {
  return runAgentProcess(virtualIpAgent);
}

if (isMainModule(import.meta.url)) void main();
