/**
 * A serial heartbeat link (a null-modem cable, or a pty pair in tests).
 * Packets travel base64-encoded, one per line, so a receiver that joins in
 * the middle of a packet resynchronises at the next newline. Reading uses
 * the tty stream (non-blocking, no thread-pool thread held).
 */
import { closeSync, constants, openSync, write } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { LinkConfig } from './config.js';
import { LinkError } from './errors.js';
import { maxPacketBytes } from './packet.js';

export class SerialLink {
  sendErrors = 0;
  private fd: number | undefined;
  private stream: ReadStream | undefined;
  private pending = '';
  private lastSent: Buffer | undefined;

  constructor(private readonly link: LinkConfig, private readonly device: string, private readonly onPacket: (packet: Buffer) => void) {}

  /** Opens the device in raw mode. @throws LinkError when it cannot be opened or is not a tty. */
  start(): void {
    try {
      this.fd = openSync(this.device, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
      this.stream = new ReadStream(this.fd);
      this.stream.setRawMode(true);
    } catch (cause) {
      throw new LinkError(`link ${this.link.name}: cannot open serial device ${this.device}: ${(cause as Error).message}`, { link: this.link.name, device: this.device }, cause);
    }
    this.stream.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    this.stream.on('error', () => { this.sendErrors++; });
  }

  private onData(text: string): void {
    this.pending += text;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line !== '') this.onPacket(Buffer.from(line, 'base64'));
      newline = this.pending.indexOf('\n');
    }
    // garbage without newlines must not grow without bound
    if (this.pending.length > maxPacketBytes * 2) this.pending = '';
  }

  /** Writes a packet; a point-to-point line carries each packet once whatever the peer. */
  send(packet: Buffer): void {
    if (this.fd === undefined || this.lastSent === packet) return;
    this.lastSent = packet;
    write(this.fd, packet.toString('base64') + '\n', (error) => { if (error) this.sendErrors++; });
  }

  close(): void {
    // destroying the tty stream closes the descriptor too
    if (this.stream) this.stream.destroy();
    else if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
