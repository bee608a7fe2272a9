/**
 * A UDP heartbeat link: one socket bound to this node's address on that link
 * (so heartbeats leave through that NIC), unicast to each peer, or to a
 * multicast group. Send errors (a NIC that is down) are counted, never thrown.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { LinkConfig, NodeConfig } from './config.js';
import { LinkError } from './errors.js';

export class UdpLink {
  sendErrors = 0;
  private readonly socket: Socket;
  private lastMulticast: Buffer | undefined;

  constructor(private readonly link: LinkConfig, private readonly localAddress: string, onPacket: (packet: Buffer) => void) {
    this.socket = createSocket({ type: 'udp4', reuseAddr: link.transport === 'mcast' });
    this.socket.on('message', (packet) => onPacket(packet));
    this.socket.on('error', () => { this.sendErrors++; });
  }

  /** Binds the socket. @throws LinkError when the address is not local or the port is taken. */
  async start(): Promise<void> {
    const multicast = this.link.transport === 'mcast';
    await new Promise<void>((resolve, reject) => {
      const onError = (cause: Error): void => reject(new LinkError(`link ${this.link.name}: cannot bind ${this.localAddress}:${this.link.port}: ${cause.message}`, { link: this.link.name, address: this.localAddress }, cause));
      this.socket.once('error', onError);
      this.socket.bind({ port: this.link.port, address: multicast ? this.link.group : this.localAddress, exclusive: !multicast }, () => {
        this.socket.off('error', onError);
        resolve();
      });
    });
    if (multicast && this.link.group) {
      this.socket.addMembership(this.link.group, this.localAddress);
      this.socket.setMulticastInterface(this.localAddress);
      this.socket.setMulticastLoopback(false);
      this.socket.setMulticastTTL(1);
    }
  }

  send(peer: NodeConfig, packet: Buffer): void {
    if (this.link.transport === 'mcast') {
      // one datagram reaches every peer: send each packet once
      if (this.lastMulticast === packet) return;
      this.lastMulticast = packet;
      this.socket.send(packet, this.link.port, this.link.group, (error) => { if (error) this.sendErrors++; });
      return;
    }
    const address = peer.endpoints[this.link.name];
    if (address === undefined) return;
    this.socket.send(packet, this.link.port, address, (error) => { if (error) this.sendErrors++; });
  }

  close(): void {
    try { this.socket.close(); } catch { /* already closed: nothing to release */ }
  }
}
