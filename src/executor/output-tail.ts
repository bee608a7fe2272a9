/**
 * A bounded tail of a byte stream: keeps only the last `limitBytes` bytes,
 * whatever the agent writes, without ever holding more than twice the limit.
 */

/** Default size of a kept output tail: 64 KiB per stream. */
export const defaultTailBytes = 64 * 1024;

export class OutputTail {
  private chunks: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly limitBytes = defaultTailBytes) {}

  /** Appends a chunk, dropping the oldest bytes beyond the limit. */
  push(chunk: Buffer): void {
    if (chunk.length >= this.limitBytes) {
      this.droppedBytes += this.keptBytes + chunk.length - this.limitBytes;
      this.chunks = [chunk.subarray(chunk.length - this.limitBytes)];
      this.keptBytes = this.limitBytes;
      return;
    }
    this.chunks.push(chunk);
    this.keptBytes += chunk.length;
    if (this.keptBytes > 2 * this.limitBytes) this.compact();
  }

  private compact(): void {
    const joined = Buffer.concat(this.chunks);
    const excess = Math.max(0, joined.length - this.limitBytes);
    this.droppedBytes += excess;
    this.chunks = [joined.subarray(excess)];
    this.keptBytes = joined.length - excess;
  }

  /** Bytes seen in total (kept and dropped). */
  get totalBytes(): number { return this.keptBytes + this.droppedBytes; }

  /** True when older output was dropped. */
  get truncated(): boolean { return this.totalBytes > this.limitBytes; }

  /** The last `limitBytes` bytes as UTF-8 (a character cut at the start becomes U+FFFD). */
  text(): string {
    this.compact();
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
