/**
 * `tandem mirror`: create a mirrored volume on two legs, serve it over NBD
 * (foreground daemon with a control socket), query its status, verify the
 * legs, resolve a split brain.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { ExitCode, UsageError } from '../../errors.js';
import { parseLegSpec, type LegSpec } from '../../mirror/block-device.js';
import { callControl } from '../../mirror/control.js';
import { serveMirror } from '../../mirror/daemon.js';
import { DEFAULT_IO_THREADS } from '../../mirror/file-device.js';
import { MetadataError, UnsafeError } from '../../mirror/errors.js';
import { createVolume } from '../../mirror/create.js';
import { readAllMetadata, releaseClaim, resolveSplitBrain, RELEASE_LEG_TIMEOUT_MS } from '../../mirror/lifecycle.js';
import { DEFAULT_OPEN_TIMEOUT_MS } from '../../mirror/volume-config.js';
import { replaceLegOffline } from '../../mirror/replace.js';
import { DEFAULT_SCAN_LIMIT_BYTES, relocateMetadata, type RelocateResult } from '../../mirror/relocate.js';
import { openLegDevice } from '../../mirror/leg.js';
import type { MirrorStatus, VerifyReport } from '../../mirror/status.js';
import type { ListenAddress } from '../../mirror/nbd/server.js';
import { render, type OutputFormat } from '../output.js';

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses `64M`, `1G`, `4096`, `10MiB` into bytes. @throws UsageError naming the option. */
export function parseSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${option}: '${text}' is not a size (e.g. 512M, 1G)`, { option, value: text });
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]!);
}

function parseInteger(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option}: '${text}' is not a whole number`, { option, value: text });
  return Number(text);
}

/** --open-timeout's help: serve's and the offline commands'. */
const OPEN_TIMEOUT_HELP = 'how long a leg may take to open and show its metadata before it is counted as failed (an array that hangs)';

/** --open-timeout: a whole number of milliseconds, at least 1. @throws UsageError naming it. */
function parseOpenTimeout(text: string): number {
  const openTimeoutMs = parseInteger(text, '--open-timeout');
  if (openTimeoutMs < 1) throw new UsageError('--open-timeout: must be at least 1 ms', { option: '--open-timeout', value: text });
  return openTimeoutMs;
}

function parseLegs(legs: string[]): LegSpec[] {
  if (legs.length !== 2) throw new UsageError(`a mirror has exactly two legs, ${legs.length} given`);
  return legs.map((leg) => {
    try { return parseLegSpec(leg); } catch (error) { throw new UsageError((error as Error).message, { leg }); }
  });
}

function parseListen(options: { socket?: string; listen?: string }): ListenAddress {
  if (options.socket) return { socketPath: options.socket };
  if (options.listen) {
    const match = /^(.*):(\d+)$/.exec(options.listen);
    if (!match) throw new UsageError(`--listen: '${options.listen}' is not HOST:PORT`, { option: 'listen' });
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  }
  throw new UsageError('serve needs --socket PATH or --listen HOST:PORT');
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function progressBar(done: number, total: number, width = 30): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}%`;
}

function statusText(status: MirrorStatus, tty: boolean): string {
  const lines = [
    `volume ${status.volumeUuid}: ${formatBytes(status.sizeBytes)}, chunk ${formatBytes(status.chunkSizeBytes)}, ${status.inSync ? 'in sync' : status.degraded ? 'DEGRADED' : 'resyncing'}`,
    `owner: ${status.owner.node || '(released)'} epoch ${status.owner.epoch}, events ${status.eventCounter}`,
    ...status.legs.map((leg) => `  leg ${leg.index}: ${leg.state.padEnd(9)} ${leg.device}${leg.splitBrain ? ' (SPLIT BRAIN)' : ''}${leg.failure ? `  (${leg.failure})` : ''}`),
    `dirty regions: ${status.dirtyChunks} chunks (${formatBytes(status.dirtyBytes)})`,
    `file-leg I/O: ${status.ioUring ? 'io_uring for busy queue-depth-1 streams, the legs\' threads otherwise' : 'the legs\' threads (io_uring off: UV_USE_IO_URING=1 not set, or not available)'}`,
  ];
  const resync = status.resync;
  if (resync) {
    const cap = status.resyncRateBytesPerSec > 0 ? `, capped at ${formatBytes(status.resyncRateBytesPerSec)}/s` : '';
    const text = `${formatBytes(resync.doneBytes)} of ${formatBytes(resync.totalBytes)} to leg ${resync.targetLeg}${cap}`;
    lines.push(`resync: ${tty ? `${progressBar(resync.doneBytes, resync.totalBytes)} ` : ''}${text}`);
  }
  return lines.join('\n');
}

export function registerMirror(program: Command): void {
  const format = (): OutputFormat => program.opts<{ output: OutputFormat }>().output;
  const mirror = program.command('mirror').description('mirrored volume: two legs as one volume, exported over NBD');

  mirror.command('create')
    .description('write fresh metadata on two legs (files are created if absent)')
    .argument('<legs...>', 'two legs: file or block device paths, or nbd:// / nbd+unix:// URIs')
    .requiredOption('--size <size>', 'volume size, e.g. 1G')
    .option('--chunk <size>', 'bitmap chunk size', '1M')
    .option('--assume-clean', 'declare the legs identical (no initial sync)')
    .option('--force', 'also over a device that holds a tandem leg (its volume is discarded)')
    .action(async (legs: string[], options: { size: string; chunk: string; assumeClean?: boolean; force?: boolean }) => {
      const result = await createVolume(parseLegs(legs), {
        sizeBytes: parseSize(options.size, '--size'), chunkSizeBytes: parseSize(options.chunk, '--chunk'),
        ...(options.assumeClean ? { assumeClean: true } : {}), force: options.force === true, clock: systemClock,
      });
      process.stdout.write(render(format(), result, { text: (data) => `created volume ${data.volumeUuid} (each leg ${data.legSizeBytes} bytes, ${data.metadataBytes} of them metadata)${data.initialSync ? '; leg 1 will be synced from leg 0 on first serve' : ''}` }));
    });

  mirror.command('serve')
    .description('claim the legs and serve the volume over NBD in the foreground')
    .argument('<legs...>', 'the two legs, in the order given to create')
    .option('--socket <path>', 'serve NBD on a unix socket')
    .option('--listen <host:port>', 'serve NBD on TCP')
    .option('--control <path>', 'control socket for status/verify/stop')
    .option('--export-name <name>', 'export name', '')
    .option('--node <name>', 'node name recorded as owner', hostname())
    .option('--force', 'take over a claim held by another node (only after fencing it)')
    .option('--io-timeout <ms>', 'per-request I/O timeout on a leg', '10000')
    .option('--open-timeout <ms>', `${OPEN_TIMEOUT_HELP}: at start, and when a failed leg is retried; the volume goes on without it`, String(DEFAULT_OPEN_TIMEOUT_MS))
    .option('--resync-rate <size>', 'resync rate cap per second (0 = unlimited)', '0')
    .option('--sweep-interval <ms>', 'how often dirty bits idle for a whole interval are cleared', '5000')
    .option('--reconnect-interval <ms>', 'how often a failed leg is retried', '1000')
    .option('--io-threads <n>', 'I/O threads per file or block-device leg (requests at the device at once)', String(DEFAULT_IO_THREADS))
    .addHelpText('after', '\nEnvironment:\n  UV_USE_IO_URING=1  run file calls on io_uring: a file leg\'s busy queue-depth-1 stream then\n                     goes through the kernel with no thread hand-over (the Mirror agent sets it)')
    .action(async (legs: string[], options: { socket?: string; listen?: string; control?: string; exportName: string; node: string; force?: boolean; ioTimeout: string; openTimeout: string; resyncRate: string; sweepInterval: string; reconnectInterval: string; ioThreads: string }) => {
      const ioThreadsPerLeg = parseInteger(options.ioThreads, '--io-threads');
      if (ioThreadsPerLeg < 1 || ioThreadsPerLeg > 64) throw new UsageError(`--io-threads: ${ioThreadsPerLeg} is outside 1..64`, { option: '--io-threads', value: options.ioThreads });
      const openTimeoutMs = parseOpenTimeout(options.openTimeout);
      await serveMirror({
        legs: parseLegs(legs), listen: parseListen(options), controlSocketPath: options.control, exportName: options.exportName,
        node: options.node, force: options.force === true, ioTimeoutMs: parseInteger(options.ioTimeout, '--io-timeout'),
        tuning: {
          resyncRateBytesPerSec: parseSize(options.resyncRate, '--resync-rate'), sweepIntervalMs: parseInteger(options.sweepInterval, '--sweep-interval'),
          reconnectIntervalMs: parseInteger(options.reconnectInterval, '--reconnect-interval'), connectTimeoutMs: openTimeoutMs, ioThreadsPerLeg,
        },
      });
    });

  mirror.command('status')
    .description('state of a running engine (--control), or of the legs\' metadata when none runs')
    .argument('[legs...]', 'the two legs (offline status)')
    .option('--control <path>', 'control socket of a running engine')
    .option('--open-timeout <ms>', `${OPEN_TIMEOUT_HELP} (offline status)`, String(DEFAULT_OPEN_TIMEOUT_MS))
    .action(async (legs: string[], options: { control?: string; openTimeout: string }) => {
      if (options.control) {
        const status = await callControl(options.control, { command: 'status' }) as MirrorStatus;
        process.stdout.write(render(format(), status, { text: (data) => statusText(data, process.stdout.isTTY === true) }));
        return;
      }
      if (legs.length === 0) throw new UsageError('status needs --control SOCKET (a running engine) or the two legs (their metadata, offline)');
      const metas = await readAllMetadata(parseLegs(legs), parseOpenTimeout(options.openTimeout));
      const data = metas.map((meta, index) => ('error' in meta ? { leg: index, error: meta.error } : {
        leg: index, volumeUuid: meta.volumeUuid, sizeBytes: meta.dataSizeBytes, chunkSizeBytes: meta.chunkSizeBytes, eventCounter: meta.eventCounter,
        clean: meta.clean, legStates: meta.legStates, owner: meta.owner, dirtyChunks: meta.bitmap.count(),
      }));
      process.stdout.write(render(format(), data, {
        text: (entries) => entries.map((entry) => ('error' in entry ? `leg ${entry.leg}: unreadable (${entry.error})`
          : `leg ${entry.leg}: volume ${entry.volumeUuid} ${formatBytes(entry.sizeBytes)} events ${entry.eventCounter} ${entry.clean ? 'clean' : 'dirty'} legs [${entry.legStates.join(', ')}] owner ${entry.owner.node || '(released)'}/${entry.owner.epoch} dirty chunks ${entry.dirtyChunks}`)).join('\n'),
      }));
    });

  mirror.command('verify')
    .description('online scrub of a running engine: compare the legs chunk by chunk')
    .requiredOption('--control <path>', 'control socket of the running engine')
    .option('--repair', 'copy the reference leg over mismatching chunks')
    .action(async (options: { control: string; repair?: boolean }) => {
      const report = await callControl(options.control, { command: 'verify', repair: options.repair === true }) as VerifyReport;
      process.stdout.write(render(format(), report, { text: (data) => `checked ${formatBytes(data.checkedBytes)}: ${data.mismatchedChunks.length} mismatching chunks${data.mismatchedChunks.length ? ` (${data.mismatchedChunks.slice(0, 20).join(', ')}${data.mismatchedChunks.length > 20 ? ', ...' : ''})` : ''}${data.repaired ? `, ${data.repaired} repaired from leg ${data.referenceLeg}` : ''}` }));
      if (hasMismatch(report) && !options.repair) process.exitCode = 1;
    });

  mirror.command('stop')
    .description('ask a running engine to stop in order (flush, mark clean, release the claim)')
    .requiredOption('--control <path>', 'control socket of the running engine')
    .action(async (options: { control: string }) => {
      await callControl(options.control, { command: 'stop' });
    });

  mirror.command('release')
    .description('release a claim that an engine which is no longer running left on the legs (the Mirror agent\'s stop does this); never while an engine serves them')
    .argument('<legs...>', 'the two legs, in order')
    .requiredOption('--node <name>', 'the node whose claim to release')
    .option('--open-timeout <ms>', OPEN_TIMEOUT_HELP, String(DEFAULT_OPEN_TIMEOUT_MS))
    .action(async (legs: string[], options: { node: string; openTimeout: string }) => {
      const openTimeoutMs = parseOpenTimeout(options.openTimeout);
      const outcomes = await releaseClaim(parseLegs(legs), options.node, Math.max(RELEASE_LEG_TIMEOUT_MS, openTimeoutMs), openTimeoutMs);
      process.stdout.write(render(format(), outcomes, {
        text: (entries) => entries.map((entry) => `leg ${entry.leg}: ${entry.outcome === 'released' ? `released ${options.node}'s claim` : entry.outcome === 'not-held' ? `not claimed by ${options.node} (owner ${entry.detail ?? '?'})` : `FAILED: ${entry.detail ?? ''}`}`).join('\n'),
      }));
      // A request still hanging in a dead array (an NBD leg's socket) would keep this process alive: end it once the
      // answer is out. A file leg's thread blocked in the device is ended with the process (see exitPastStuckThreads).
      if (outcomes.some((entry) => entry.timedOut === true)) setTimeout(() => process.exit(), 100).unref();
      // Another node may take the legs over once a leg it reads no longer names this node: at least one must.
      if (!outcomes.some((entry) => entry.outcome !== 'failed')) {
        throw new UnsafeError('E_CLAIM_HELD', `no leg could be read or written (${outcomes.map((entry) => `leg ${entry.leg}: ${entry.detail ?? ''}`).join('; ')}): ${options.node}'s claim stays on them`);
      }
    });

  mirror.command('tune')
    .description('change a running engine\'s resync rate cap, a copy under way included (until it restarts: set the Mirror agent\'s resync_rate to keep it)')
    .requiredOption('--control <path>', 'control socket of the running engine')
    .requiredOption('--resync-rate <size>', 'bytes per second a resync may copy, e.g. 50M; 0 = unlimited')
    .action(async (options: { control: string; resyncRate: string }) => {
      const status = await callControl(options.control, { command: 'tune', resyncRateBytesPerSec: parseSize(options.resyncRate, '--resync-rate') }) as MirrorStatus;
      process.stdout.write(render(format(), status, { text: (data) => `resync rate cap: ${data.resyncRateBytesPerSec > 0 ? `${formatBytes(data.resyncRateBytesPerSec)}/s` : 'none'}\n${statusText(data, process.stdout.isTTY === true)}` }));
    });

  mirror.command('replace')
    .description('put a new device in the place of a failed leg (its array died): the whole volume is copied onto it from the other leg, online with --control, else on the next serve')
    .argument('[legs...]', 'the two legs, in order, the new device in the replaced leg\'s place (offline: no engine serves them)')
    .requiredOption('--leg <n>', 'the leg to replace: 0 or 1')
    .option('--control <path>', 'control socket of the running engine: the new device is at the failed leg\'s path or address')
    .option('--force', 'also when the new device holds a tandem leg (this volume\'s or another\'s), or offline when the volume is claimed')
    .option('--open-timeout <ms>', OPEN_TIMEOUT_HELP, String(DEFAULT_OPEN_TIMEOUT_MS))
    .action(async (legs: string[], options: { leg: string; control?: string; force?: boolean; openTimeout: string }) => {
      if (options.leg !== '0' && options.leg !== '1') throw new UsageError(`--leg: '${options.leg}' is neither 0 nor 1`, { option: '--leg', value: options.leg });
      const leg = Number(options.leg);
      const force = options.force === true;
      if (options.control) {
        if (legs.length > 0) throw new UsageError('replace --control takes no legs: the engine replaces the failed leg at its own path or address');
        const status = await callControl(options.control, { command: 'replace', leg, force }) as MirrorStatus;
        process.stdout.write(render(format(), status, { text: (data) => `leg ${leg} replaced; copying the whole volume onto it\n${statusText(data, process.stdout.isTTY === true)}` }));
        return;
      }
      if (legs.length === 0) throw new UsageError('replace needs --control SOCKET (a running engine) or the two legs, the new device in the replaced leg\'s place (offline)');
      const result = await replaceLegOffline(parseLegs(legs), leg, { force, openTimeoutMs: parseOpenTimeout(options.openTimeout) });
      process.stdout.write(render(format(), result, { text: (data) => `leg ${data.leg} replaced; the next serve copies the whole volume (${formatBytes(data.copyBytes)}) onto it from leg ${data.sourceLeg}` }));
    });

  mirror.command('relocate')
    .description('after a leg\'s device was grown (its metadata is found at the device\'s end, and is now where the old end was): find the metadata and move it to the new end; the volume\'s size stays as it was. Only while no engine serves the volume')
    .argument('<legs...>', 'the grown legs (paths or URIs)')
    .option('--scan-limit <size>', 'how far back from the end to look (by how much at most the device grew)', `${DEFAULT_SCAN_LIMIT_BYTES / 1024 ** 3}G`)
    .option('--force', 'also a leg still claimed by a node (its engine died without releasing it)')
    .action(async (legs: string[], options: { scanLimit: string; force?: boolean }) => {
      const scanLimitBytes = parseSize(options.scanLimit, '--scan-limit');
      const specs = legs.map((leg) => { try { return parseLegSpec(leg); } catch (error) { throw new UsageError((error as Error).message, { leg }); } });
      const results: Array<{ leg: string } & (RelocateResult | { outcome: 'not-found'; detail: string })> = [];
      for (const [index, spec] of specs.entries()) {
        const device = await openLegDevice(spec, 10_000);
        try {
          results.push({ leg: legs[index]!, ...(await relocateMetadata(device, { scanLimitBytes, force: options.force === true })) });
        } catch (error) {
          if (!(error instanceof MetadataError)) throw error;
          results.push({ leg: legs[index]!, outcome: 'not-found', detail: error.message });
        } finally {
          await device.close();
        }
      }
      process.stdout.write(render(format(), results, {
        text: (entries) => entries.map((entry) => (entry.outcome === 'relocated' ? `${entry.leg}: leg ${entry.legIndex} of volume ${entry.volumeUuid}: metadata moved from its old end (${entry.oldEndBytes}) to ${entry.newEndBytes}`
          : entry.outcome === 'in-place' ? `${entry.leg}: leg ${entry.legIndex} of volume ${entry.volumeUuid}: metadata already at the end, nothing to do`
            : `${entry.leg}: NOT FOUND: ${entry.detail}`)).join('\n'),
      }));
      if (results.some((entry) => entry.outcome === 'not-found')) process.exitCode = ExitCode.dataErr;
    });

  mirror.command('resolve')
    .description('end a split brain by keeping one leg; the other is resynced from it on the next serve')
    .argument('<legs...>', 'the two legs, in order')
    .requiredOption('--keep <leg>', 'the leg to keep: 0, 1, or its path/URI')
    .option('--force', 'discard the other leg even if no split brain is recorded')
    .option('--open-timeout <ms>', OPEN_TIMEOUT_HELP, String(DEFAULT_OPEN_TIMEOUT_MS))
    .action(async (legs: string[], options: { keep: string; force?: boolean; openTimeout: string }) => {
      const keep = options.keep === '0' || options.keep === '1' ? Number(options.keep) : legs.indexOf(options.keep);
      if (keep < 0) throw new UsageError(`--keep: '${options.keep}' is neither 0, 1 nor one of the legs`, { option: 'keep' });
      const result = await resolveSplitBrain(parseLegs(legs), keep, systemClock, options.force === true, parseOpenTimeout(options.openTimeout));
      process.stdout.write(render(format(), { keep, ...result }, { text: (data) => `kept leg ${data.keep}; ${data.dirtyChunks} chunks will be copied from it on the next serve` }));
    });
}

function hasMismatch(report: VerifyReport): boolean { return report.mismatchedChunks.length > 0; }
