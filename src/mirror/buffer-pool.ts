/**
 * Reuse of large I/O buffers. A 1 MiB read used to allocate a fresh 1 MiB
 * buffer per request; at a few thousand requests a second the garbage
 * collector took a quarter of the engine's busy time (issue 6). A buffer
 * goes back to the pool only from the one place that knows nobody holds it
 * any more (the NBD server once a read reply left; the volume once every
 * leg's write of a payload completed), and only if the pool made it: a
 * buffer it did not make may share memory with other data.
 */

export interface BufferPoolOptions {
  /** Smaller buffers come from Node's own slab allocator, unpooled. Default 64 KiB. */
  minBytes?: number;
  /** Cap on the bytes kept for reuse. Default 64 MiB. */
  maxPooledBytes?: number;
}

export class BufferPool {
  private readonly minBytes: number;
  private readonly maxPooledBytes: number;
  private readonly free = new Map<number, Buffer[]>();
  private readonly made = new WeakSet<Buffer>();
  private readonly inPool = new WeakSet<Buffer>();
  private pooledBytes = 0;

  constructor(options: BufferPoolOptions = {}) {
    this.minBytes = options.minBytes ?? 64 * 1024;
    this.maxPooledBytes = options.maxPooledBytes ?? 64 * 1024 * 1024;
  }

  /** A buffer of exactly `lengthBytes`, contents undefined (like Buffer.allocUnsafe). */
  take(lengthBytes: number): Buffer {
    if (lengthBytes < this.minBytes) return Buffer.allocUnsafe(lengthBytes);
    const reused = this.free.get(lengthBytes)?.pop();
    if (reused) {
      this.inPool.delete(reused);
      this.pooledBytes -= lengthBytes;
      return reused;
    }
    // allocUnsafeSlow: a buffer of its own, never a slice of a shared slab.
    const buffer = Buffer.allocUnsafeSlow(lengthBytes);
    this.made.add(buffer);
    return buffer;
  }

  /** Hands a buffer back for reuse; the caller must hold no reference. Buffers the pool did not make are ignored. */
  give(buffer: Buffer): void {
    if (!this.made.has(buffer) || this.inPool.has(buffer)) return;
    if (this.pooledBytes + buffer.length > this.maxPooledBytes) return;
    let list = this.free.get(buffer.length);
    if (!list) { list = []; this.free.set(buffer.length, list); }
    list.push(buffer);
    this.inPool.add(buffer);
    this.pooledBytes += buffer.length;
  }

  get pooledByteCount(): number { return this.pooledBytes; }
}

/** The engine's pool: data read from legs for NBD replies, and NBD write payloads. */
export const ioBuffers = new BufferPool();
