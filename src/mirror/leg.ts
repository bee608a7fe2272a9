/**
 * One leg of the volume at run time: its device (absent while failed), its
 * state, and a per-request I/O timeout. A timed-out request is reported as a
 * LegIoError with `timedOut`, and the volume fails the leg.
 */
import { legName, type BlockDevice, type LegSpec } from './block-device.js';
import { ioBuffers } from './buffer-pool.js';
import { LegIoError } from './errors.js';
import { FileBlockDevice } from './file-device.js';
import { NbdClientDevice } from './nbd/client.js';

/** in-sync: current, serves reads. resyncing: receives writes and resync copies, no reads. failed: no I/O. */
export type LegRuntimeState = 'in-sync' | 'resyncing' | 'failed';

/** Opens the device a spec names; `ioThreads` applies to a file or block device. @throws LegIoError when unreachable. */
export async function openLegDevice(spec: LegSpec, connectTimeoutMs: number, ioThreads?: number): Promise<BlockDevice> {
  if (spec.kind === 'file') return FileBlockDevice.open(spec.path, ioThreads === undefined ? {} : { ioThreads });
  return NbdClientDevice.connect(spec.uri, spec.address, spec.exportName, connectTimeoutMs);
}

export class Leg {
  device: BlockDevice | undefined;
  state: LegRuntimeState = 'failed';
  /** Why the leg failed, for status. */
  failure: string | undefined;
  /** Metadata slot-write counter of this leg. */
  sequence = 0;
  /** Set when the leg returned with history of its own (split brain); it stays out. */
  splitBrain = false;
  reconnecting = false;
  /**
   * The leg failed because a request timed out: the server may still run
   * requests queued on the old connection, so its resync waits a grace period.
   */
  failedByTimeout = false;
  private readonly pending = new Map<number, { deadlineMs: number; what: string; reject: (error: Error) => void }>();
  private nextRequestId = 0;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(readonly index: number, readonly spec: LegSpec, readonly ioTimeoutMs: number) {}

  get description(): string { return legName(this.spec); }
  get live(): boolean { return this.state !== 'failed' && this.device !== undefined; }
  get sizeBytes(): number { return this.device?.sizeBytes ?? 0; }

  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return this.timed('read', (device) => device.read(offsetBytes, lengthBytes));
  }

  write(offsetBytes: number, data: Buffer, fua = false): Promise<void> {
    return this.timed('write', (device) => device.write(offsetBytes, data, fua));
  }

  flush(): Promise<void> {
    return this.timed('flush', (device) => device.flush());
  }

  /** Stops the timeout watchdog (when the volume closes). */
  stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  // One watchdog per leg instead of a timer per request: requests are many, timeouts rare.
  private ensureWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const [id, request] of this.pending) {
        if (request.deadlineMs > now) continue;
        this.pending.delete(id);
        request.reject(new LegIoError(`leg ${this.index} (${this.description}): ${request.what} timed out after ${this.ioTimeoutMs} ms`, { leg: this.index, timedOut: true }));
      }
    }, Math.max(20, Math.min(1000, this.ioTimeoutMs / 4)));
    this.watchdog.unref();
  }

  private timed<T>(what: string, run: (device: BlockDevice) => Promise<T>): Promise<T> {
    const device = this.device;
    if (!device || this.state === 'failed') return Promise.reject(new LegIoError(`leg ${this.index} (${this.description}) has failed`, { leg: this.index }));
    this.ensureWatchdog();
    const id = this.nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { deadlineMs: performance.now() + this.ioTimeoutMs, what, reject });
      run(device).then(
        (value) => {
          if (this.pending.delete(id)) resolve(value);
          // Too late: the caller was told of the timeout and will never give back the block this read filled.
          else if (Buffer.isBuffer(value)) ioBuffers.give(value);
        },
        (error: unknown) => {
          if (!this.pending.delete(id)) return;
          reject(error instanceof LegIoError ? error : new LegIoError(`leg ${this.index} (${this.description}): ${what} failed: ${(error as Error).message}`, { leg: this.index }, error));
        },
      );
    });
  }
}
