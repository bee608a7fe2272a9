/**
 * Tells the link that an address has moved here: gratuitous ARP for IPv4
 * (iputils arping) and unsolicited neighbour advertisements for IPv6.
 *
 * IPv6: iputils has no NA sender and Node.js has no raw sockets. The kernel
 * sends one unsolicited NA after DAD only when the interface's `ndisc_notify`
 * sysctl is set, which is a host-wide setting an agent should not flip. So the
 * NA is sent by a few lines of Perl (perl-base is Essential on Debian and its
 * Socket module has AF_INET6 raw sockets): ICMPv6 type 136 to ff02::1 with the
 * Override flag and the target link-layer address option, hop limit 255 as
 * RFC 4861 requires; the kernel fills in the ICMPv6 checksum.
 */
import { describeFailure, runCommand } from './run-command.js';
import type { IpAddress } from './ip-address.js';

/** How gratuitous ARPs are sent: `-U` (ARP request, "unsolicited") or `-A` (ARP reply). */
export type ArpMode = 'request' | 'reply';

export interface AnnounceOptions {
  /** Packets to send; 0 sends none. */
  readonly count: number;
  /** Pause between packets in whole seconds (iputils arping takes no fractions). */
  readonly intervalS: number;
  readonly arpMode: ArpMode;
  /** The link-layer address of `nic` (IPv6 NA option); read by the caller from `ip -j link`. */
  readonly linkAddress?: string;
}

const naSender = String.raw`
use strict; use Socket qw(AF_INET6 SOCK_RAW IPPROTO_IPV6 inet_pton pack_sockaddr_in6);
my ($ifname, $addr, $mac, $count, $interval) = @ARGV;
my ($ICMPV6, $MCAST_HOPS, $MCAST_IF) = (58, 18, 17);
open(my $f, '<', "/sys/class/net/$ifname/ifindex") or die "no interface $ifname: $!\n";
my $ifindex = <$f>; chomp $ifindex;
socket(my $s, AF_INET6, SOCK_RAW, $ICMPV6) or die "raw ICMPv6 socket: $!\n";
setsockopt($s, IPPROTO_IPV6, $MCAST_HOPS, pack('i', 255)) or die "hop limit: $!\n";
setsockopt($s, IPPROTO_IPV6, $MCAST_IF, pack('i', $ifindex)) or die "multicast interface: $!\n";
my $target = inet_pton(AF_INET6, $addr) or die "bad address $addr\n";
bind($s, pack_sockaddr_in6(0, $target, $ifindex)) or die "bind to $addr: $!\n";
my $na = pack('CCnN', 136, 0, 0, 0x20000000) . $target;
$na .= pack('CC', 2, 1) . pack('C6', map { hex } split(/:/, $mac)) if $mac =~ /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
my $to = pack_sockaddr_in6(0, inet_pton(AF_INET6, 'ff02::1'), $ifindex);
for my $i (1 .. $count) {
  send($s, $na, 0, $to) or die "send: $!\n";
  select(undef, undef, undef, $interval / 1000) if $i < $count;
}
`;

/**
 * Announces `address` on `nic`: `count` gratuitous ARPs (IPv4) or unsolicited
 * NAs (IPv6), `intervalS` seconds apart. The address must already be on `nic` (and,
 * for IPv6, past DAD: the NA is sent from it).
 * @throws Error naming the command and its message when sending fails.
 */
export async function announceAddress(nic: string, address: IpAddress, options: AnnounceOptions): Promise<void> {
  if (options.count <= 0) return;
  const budgetMs = options.count * (options.intervalS + 1) * 1000 + 5000;
  if (address.family === 4) {
    const args = [options.arpMode === 'reply' ? '-A' : '-U', '-c', String(options.count), '-i', String(options.intervalS),
      '-I', nic, '-s', address.text, address.text];
    const result = await runCommand('arping', args, { timeoutMs: budgetMs });
    // arping -U/-A expects no replies and exits 1 for "no reply": only a start failure (2) is an error.
    if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(describeFailure(`arping ${args.join(' ')}`, result));
    return;
  }
  const args = ['-e', naSender, nic, address.text, options.linkAddress ?? '', String(options.count), String(options.intervalS * 1000)];
  const result = await runCommand('perl', args, { timeoutMs: budgetMs });
  if (result.exitCode !== 0) throw new Error(describeFailure('unsolicited neighbour advertisement (perl)', result));
}
