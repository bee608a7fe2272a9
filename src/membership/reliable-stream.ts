/**
 * The bookkeeping of reliable, ordered delivery between two members, pure:
 * the sender numbers messages and keeps them until acknowledged (resending
 * after a reconnect); the receiver delivers sequence n only right after n-1,
 * acknowledges duplicates without delivering them again, and refuses gaps.
 */

export interface Outgoing<T> { sequence: number; payload: T }

export class ReliableOutbox<T> {
  private nextSequence = 1;
  private readonly unacked: Array<Outgoing<T>> = [];

  /** Queues a message; returns its sequence number. */
  enqueue(payload: T): Outgoing<T> {
    const message = { sequence: this.nextSequence++, payload };
    this.unacked.push(message);
    return message;
  }

  /** Forgets every message up to and including `sequence`. */
  acknowledge(sequence: number): void {
    while (this.unacked.length > 0 && (this.unacked[0]?.sequence ?? Infinity) <= sequence) this.unacked.shift();
  }

  /** The first sequence a fresh receiver should expect. */
  firstPending(): number {
    return this.unacked[0]?.sequence ?? this.nextSequence;
  }

  /** Messages to (re)send after a handshake in which the receiver had `delivered` (null: knows nothing of us). */
  resumeAfter(delivered: number | null): Array<Outgoing<T>> {
    if (delivered !== null) this.acknowledge(delivered);
    return [...this.unacked];
  }

  get pending(): number {
    return this.unacked.length;
  }
}

export type InboxVerdict = 'deliver' | 'duplicate' | 'gap';

export class ReliableInbox {
  /** Highest sequence delivered from the current incarnation of the sender; null before the first handshake. */
  delivered: number | null = null;
  incarnation: number | undefined;

  /** A handshake from `incarnation`: a restarted sender starts over. Returns what we have delivered. */
  hello(incarnation: number): number | null {
    if (incarnation !== this.incarnation) {
      this.incarnation = incarnation;
      this.delivered = null;
    }
    return this.delivered;
  }

  /** The sender says where it starts when we knew nothing. */
  start(firstSequence: number): void {
    this.delivered ??= firstSequence - 1;
  }

  accept(sequence: number): InboxVerdict {
    const delivered = this.delivered ?? sequence - 1;
    if (sequence <= delivered) return 'duplicate';
    if (sequence !== delivered + 1) return 'gap';
    this.delivered = sequence;
    return 'deliver';
  }
}
