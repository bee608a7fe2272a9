/**
 * The write-intent bitmap: one bit per chunk of the volume. A set bit means
 * "the legs may differ here". Pure: bytes in, bytes out.
 */
export class ChunkBitmap {
  readonly bytes: Uint8Array;

  constructor(readonly chunkCount: number, bytes?: Uint8Array) {
    const byteCount = Math.ceil(chunkCount / 8);
    this.bytes = new Uint8Array(byteCount);
    if (bytes) this.bytes.set(bytes.subarray(0, byteCount));
    // Bits past the last chunk must stay zero so counts and unions are exact.
    const spare = byteCount * 8 - chunkCount;
    if (spare > 0 && byteCount > 0) this.bytes[byteCount - 1]! &= 0xff >> spare;
  }

  static byteCountFor(chunkCount: number): number { return Math.ceil(chunkCount / 8); }

  has(chunk: number): boolean { return ((this.bytes[chunk >> 3] ?? 0) & (1 << (chunk & 7))) !== 0; }
  set(chunk: number): void { this.bytes[chunk >> 3]! |= 1 << (chunk & 7); }
  clear(chunk: number): void { this.bytes[chunk >> 3]! &= ~(1 << (chunk & 7)); }
  setAll(): void { for (let chunk = 0; chunk < this.chunkCount; chunk++) this.set(chunk); }
  clearAll(): void { this.bytes.fill(0); }

  /** Number of set bits. */
  count(): number {
    let total = 0;
    for (const byte of this.bytes) {
      let value = byte;
      while (value) { value &= value - 1; total++; }
    }
    return total;
  }

  /** Indexes of set bits, ascending. */
  setChunks(): number[] {
    const out: number[] = [];
    this.bytes.forEach((byte, index) => {
      if (byte === 0) return;
      for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) out.push(index * 8 + bit);
    });
    return out;
  }

  /** Sets every bit that is set in `other` (same chunk count). */
  unionWith(other: ChunkBitmap): void {
    this.bytes.forEach((byte, index) => { this.bytes[index] = byte | (other.bytes[index] ?? 0); });
  }

  clone(): ChunkBitmap { return new ChunkBitmap(this.chunkCount, this.bytes); }
}

/** First and last chunk touched by a byte range of non-zero length. */
export function chunkSpan(offsetBytes: number, lengthBytes: number, chunkSizeBytes: number): { first: number; last: number } {
  const first = Math.floor(offsetBytes / chunkSizeBytes);
  const last = Math.floor((offsetBytes + Math.max(lengthBytes, 1) - 1) / chunkSizeBytes);
  return { first, last };
}
