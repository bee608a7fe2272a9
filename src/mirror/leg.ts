/**
 * One leg of the volume at run time: its device (absent while failed), its
 * state, and a per-request I/O timeout. A timed-out request is reported as a
 * LegIoError with `timedOut`, and the volume fails the leg.
 */
import type { BlockDevice, LegSpec } from './block-device.js';
import { LegIoError } from './errors.js';
import { FileBlockDevice } from './file-device.js';
import { NbdClientDevice } from './nbd/client.js';

/** in-sync: current, serves reads. resyncing: receives writes and resync copies, no reads. failed: no I/O. */
export type LegRuntimeState = 'in-sync' | 'resyncing' | 'failed';

/** Opens the device a spec names. @throws LegIoError when unreachable. */
export async function openLegDevice(spec: LegSpec, connectTimeoutMs: number): Promise<BlockDevice> {
  if (spec.kind === 'file') return FileBlockDevice.open(spec.path);
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

  constructor(readonly index: number, readonly spec: LegSpec, readonly ioTimeoutMs: number) {}

  get description(): string { return this.spec.kind === 'file' ? this.spec.path : this.spec.uri; }
  get live(): boolean { return this.state !== 'failed' && this.device !== undefined; }

  read(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return this.timed('read', (device) => device.read(offsetBytes, lengthBytes));
  }

  write(offsetBytes: number, data: Buffer, fua = false): Promise<void> {
    return this.timed('write', (device) => device.write(offsetBytes, data, fua));
  }

  flush(): Promise<void> {
    return this.timed('flush', (device) => device.flush());
  }

  private timed<T>(what: string, run: (device: BlockDevice) => Promise<T>): Promise<T> {
    const device = this.device;
    if (!device || this.state === 'failed') return Promise.reject(new LegIoError(`leg ${this.index} (${this.description}) has failed`, { leg: this.index }));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LegIoError(`leg ${this.index} (${this.description}): ${what} timed out after ${this.ioTimeoutMs} ms`, { leg: this.index, timedOut: true })), this.ioTimeoutMs);
      run(device).then(
        (value) => { clearTimeout(timer); resolve(value); },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof LegIoError ? error : new LegIoError(`leg ${this.index} (${this.description}): ${what} failed: ${(error as Error).message}`, { leg: this.index }, error));
        },
      );
    });
  }
}
