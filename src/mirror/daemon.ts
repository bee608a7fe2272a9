/**
 * `tandem mirror serve` in the foreground: claim the legs, serve the NBD
 * export and the control socket, and on SIGTERM/SIGINT (or a `stop` request)
 * stop in order: no new requests, flush, mark clean, release the claim.
 */
import { systemClock } from '../clock.js';
import { logger } from '../log.js';
import type { LegSpec } from './block-device.js';
import { serveControl } from './control.js';
import { openVolume } from './lifecycle.js';
import { ioUringActive } from './io/uring-file-io.js';
import { NbdServer, type ListenAddress } from './nbd/server.js';
import type { VolumeTuning } from './volume.js';

const log = logger('mirror');

export interface ServeOptions {
  legs: LegSpec[];
  listen: ListenAddress;
  controlSocketPath: string | undefined;
  exportName: string;
  node: string;
  force: boolean;
  ioTimeoutMs: number;
  tuning: VolumeTuning;
}

/** Serves until stopped; resolves after the orderly stop. @throws what openVolume throws. */
export async function serveMirror(options: ServeOptions): Promise<void> {
  const volume = await openVolume(options.legs, { node: options.node, force: options.force, ioTimeoutMs: options.ioTimeoutMs, tuning: options.tuning, clock: systemClock });
  const nbd = new NbdServer(volume, { exportName: options.exportName });
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => { stopRequested = resolve; });
  // NBD first: once the control socket answers, the export is ready too.
  const port = await nbd.listen(options.listen);
  const control = options.controlSocketPath
    ? await serveControl(options.controlSocketPath, async (request) => {
      if (request.command === 'status') return volume.status();
      if (request.command === 'verify') return volume.verify(request.repair ?? false);
      if (request.command === 'tune') {
        volume.setResyncRate(request.resyncRateBytesPerSec);
        return volume.status();
      }
      if (request.command === 'replace') {
        await volume.replaceFailedLeg(request.leg, request.force ?? false);
        return volume.status();
      }
      stopRequested();
      return { stopping: true };
    })
    : undefined;
  log.info({ listen: options.listen, port, control: options.controlSocketPath, ioUring: ioUringActive(), status: volume.status() }, 'serving mirror');
  if (!ioUringActive()) log.info('file legs: every request goes through the legs\' I/O threads; start the engine with UV_USE_IO_URING=1 (the Mirror agent does) for io_uring, which halves the latency of a busy queue-depth-1 stream');
  const onSignal = (signal: string): void => { log.info({ signal }, 'stopping'); stopRequested(); };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await stopped;
  // The handlers stay until the stop is done: a second SIGTERM (a manager
  // signals the process group and the pid, an admin presses twice) must not
  // fall through to the default action and kill the engine before the legs
  // are flushed, marked clean and released.
  try {
    await nbd.close();
    await volume.close();
  } catch (error) {
    // Typically no leg left to record the stop on (both arrays gone): the
    // engine still ends, with the error as its exit status. Left open, the
    // control socket and the handlers above would keep the process alive
    // and deaf to SIGTERM until the agent's stop timeout killed it.
    log.error({ err: error }, 'the volume could not be stopped cleanly');
    throw error;
  } finally {
    await control?.close().catch((error: unknown) => log.warn({ err: error }, 'closing the control socket'));
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  log.info('stopped cleanly');
}
