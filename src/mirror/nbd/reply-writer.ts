/**
 * The replies of one NBD connection on their way to its socket. A reply
 * with nothing else pending leaves at once (queue depth 1 waits for no
 * one). Replies completed while other requests are in flight are gathered
 * until the event loop's check phase and leave together in one writev:
 * runs of small parts in ordinary memory (headers, write acknowledgements)
 * are copied into one buffer, so a batch of write replies is one stream
 * write instead of one per reply; data in shared memory (the arena that
 * read replies come in) and large parts are passed by reference, in order.
 * Copying out of shared memory is no bargain: Node's Buffer#copy is
 * TypedArray#set, which takes V8's relaxed-atomic copy there (7-8% of the
 * main thread's samples at 4k randread qd32 under perf).
 */
import type { Socket } from 'node:net';

/** Called once a reply's data has left (or failed to): the buffer may then be reused. */
export type DataSent = (error: Error | null | undefined) => void;

/** Parts up to this size in ordinary memory are copied into the batch; others are written by reference. */
const COPY_LIMIT_BYTES = 64 * 1024;

function copiedIntoBatch(bytes: Buffer): boolean {
  return bytes.length <= COPY_LIMIT_BYTES && !(bytes.buffer instanceof SharedArrayBuffer);
}

interface Part { bytes: Buffer; sent: DataSent | undefined }

export class ReplyWriter {
  private parts: Part[] = [];
  private flushQueued = false;
  private readonly flush = (): void => this.flushNow();

  constructor(private readonly socket: Socket) {}

  /**
   * Queues one reply: `header`, then `data` if any. With `gather` (other
   * requests are in flight) it waits for the batch; otherwise, unless a
   * batch is already waiting, it is written now.
   */
  send(header: Buffer, data?: Buffer, dataSent?: DataSent, gather = false): void {
    if (!gather && !this.flushQueued) {
      if (!data) { this.socket.write(header); return; }
      this.socket.cork();
      this.socket.write(header);
      this.socket.write(data, dataSent);
      this.socket.uncork();
      return;
    }
    this.parts.push({ bytes: header, sent: undefined });
    if (data) this.parts.push({ bytes: data, sent: dataSent });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  /** Writes whatever is gathered now (before the socket is ended). */
  flushNow(): void {
    if (!this.flushQueued) return;
    this.flushQueued = false;
    const parts = this.parts;
    this.parts = [];
    if (this.socket.destroyed) {
      const gone = new Error('the NBD connection closed before the reply was sent');
      for (const part of parts) part.sent?.(gone);
      return;
    }
    this.socket.cork();
    let runStart = 0;
    let runBytes = 0;
    const writeRun = (end: number): void => {
      if (end - runStart === 1) {
        const only = parts[runStart]!;
        this.socket.write(only.bytes, only.sent);
      } else if (end > runStart) {
        const joined = Buffer.allocUnsafe(runBytes);
        let at = 0;
        for (let index = runStart; index < end; index++) {
          const part = parts[index]!;
          at += part.bytes.copy(joined, at);
        }
        this.socket.write(joined);
        // Copied: the buffers are free now, not once the socket sent them.
        for (let index = runStart; index < end; index++) parts[index]!.sent?.(null);
      }
      runBytes = 0;
    };
    for (const [index, part] of parts.entries()) {
      if (copiedIntoBatch(part.bytes)) { runBytes += part.bytes.length; continue; }
      writeRun(index);
      this.socket.write(part.bytes, part.sent);
      runStart = index + 1;
    }
    writeRun(parts.length);
    this.socket.uncork();
  }
}
