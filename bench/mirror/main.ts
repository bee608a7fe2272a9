/**
 * bench/mirror: fio's nbd engine against the mirror (two file legs), the
 * mirror degraded (one leg), and the anchor — nbdkit's file plugin on one
 * file — in the same run, on the same disk. Then the idle resync rate
 * against the mirror's own sequential write rate. Prints a table of ratios
 * to the anchor with the targets of issue 6.
 *
 * Env: BENCH_RUNTIME_S (default 6), BENCH_SIZE_MB (default 256).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { callControl } from '../../src/mirror/control.js';
import type { MirrorStatus } from '../../src/mirror/status.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const RUNTIME_S = Number(process.env['BENCH_RUNTIME_S'] ?? 6);
const SIZE_MB = Number(process.env['BENCH_SIZE_MB'] ?? 256);

interface Job { name: string; args: string[]; metric: 'bw' | 'iops'; rw: 'read' | 'write'; target: number; degradedTarget: number }

const JOBS: Job[] = [
  { name: '1M seq write qd16', args: ['--rw=write', '--bs=1M', '--iodepth=16'], metric: 'bw', rw: 'write', target: 0.6, degradedTarget: 0.75 },
  { name: '1M seq read qd16', args: ['--rw=read', '--bs=1M', '--iodepth=16'], metric: 'bw', rw: 'read', target: 0.6, degradedTarget: 0.75 },
  { name: '4k randwrite qd1', args: ['--rw=randwrite', '--bs=4k', '--iodepth=1'], metric: 'iops', rw: 'write', target: 0.6, degradedTarget: 0.75 },
  { name: '4k randwrite qd32', args: ['--rw=randwrite', '--bs=4k', '--iodepth=32'], metric: 'iops', rw: 'write', target: 0.6, degradedTarget: 0.75 },
  { name: '4k randread qd32', args: ['--rw=randread', '--bs=4k', '--iodepth=32'], metric: 'iops', rw: 'read', target: 0.9, degradedTarget: 0.75 },
  { name: '4k randwrite fsync=1', args: ['--rw=randwrite', '--bs=4k', '--iodepth=1', '--fsync=1'], metric: 'iops', rw: 'write', target: 0.6, degradedTarget: 0.75 },
];

const children = new Set<ChildProcess>();

// The engine's file I/O runs on libuv's pool; one thread per core measured best here (see the report).
const IO_THREADS = process.env['UV_THREADPOOL_SIZE'] ?? String(availableParallelism());

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', env: { ...process.env, TANDEM_LOG_LEVEL: 'warn', UV_THREADPOOL_SIZE: IO_THREADS } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await gone;
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const mirrorStatus = (control: string): Promise<MirrorStatus> => callControl(control, { command: 'status' }) as Promise<MirrorStatus>;

async function fio(uri: string, job: Job | { args: string[] }, timeBased = true): Promise<{ bw: number; iops: number; readBw: number; writeBw: number }> {
  const result = await execa('fio', ['--name=bench', '--ioengine=nbd', `--uri=${uri}`, `--size=${SIZE_MB}M`, ...job.args,
    ...(timeBased ? ['--time_based', `--runtime=${RUNTIME_S}`, '--ramp_time=1'] : []), '--output-format=json']);
  const parsed = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { jobs: { read: { bw_bytes: number; iops: number }; write: { bw_bytes: number; iops: number } }[] };
  const stats = parsed.jobs[0]!;
  return { bw: stats.read.bw_bytes + stats.write.bw_bytes, iops: stats.read.iops + stats.write.iops, readBw: stats.read.bw_bytes, writeBw: stats.write.bw_bytes };
}

async function runJobs(uri: string): Promise<number[]> {
  const values: number[] = [];
  for (const job of JOBS) {
    const result = await fio(uri, job);
    values.push(job.metric === 'bw' ? result.bw : result.iops);
  }
  return values;
}

async function startMirror(dir: string, legs: string[], tag: string): Promise<{ child: ChildProcess; uri: string; control: string }> {
  const socket = join(dir, `${tag}.sock`);
  const control = join(dir, `${tag}.control`);
  const child = start('node', [CLI, 'mirror', 'serve', ...legs, '--socket', socket, '--control', control, '--node', 'bench']);
  await waitFor(() => existsSync(control) && mirrorStatus(control).then(() => true, () => false), 'mirror engine');
  return { child, uri: `nbd+unix:///?socket=${socket}`, control };
}

function format(value: number, metric: 'bw' | 'iops'): string {
  return metric === 'bw' ? `${(value / 1024 / 1024).toFixed(0)} MiB/s` : `${value.toFixed(0)} IOPS`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `tdm-mirror-bench-${process.pid}-`));
  try {
    // Anchor: nbdkit's file plugin on one file.
    const anchorFile = join(dir, 'anchor.img');
    await execa('truncate', ['-s', `${SIZE_MB}M`, anchorFile]);
    const anchorSock = join(dir, 'anchor.sock');
    const nbdkit = start('nbdkit', ['-f', '-U', anchorSock, 'file', anchorFile]);
    await waitFor(() => existsSync(anchorSock), 'nbdkit');
    const anchor = await runJobs(`nbd+unix:///?socket=${anchorSock}`);
    await stop(nbdkit);

    // Mirror, two file legs.
    const legs = [join(dir, 'leg0.img'), join(dir, 'leg1.img')];
    await execa('node', [CLI, 'mirror', 'create', ...legs, '--size', `${SIZE_MB}M`]);
    let engine = await startMirror(dir, legs, 'mirror');
    const mirror = await runJobs(engine.uri);
    await stop(engine.child);

    // Degraded: leg 1 unplugged.
    await rename(legs[1]!, `${legs[1]}.away`);
    engine = await startMirror(dir, legs, 'degraded');
    const degraded = await runJobs(engine.uri);
    // Dirty every chunk while degraded, then plug leg 1 back and time the resync with no client I/O.
    await fio(engine.uri, { args: ['--rw=write', '--bs=1M', '--iodepth=16'] }, false);
    const dirtyBytes = (await mirrorStatus(engine.control)).dirtyBytes;
    await rename(`${legs[1]}.away`, legs[1]!);
    await waitFor(async () => (await mirrorStatus(engine.control)).inSync, 'resync', 600_000);
    const resync = (await mirrorStatus(engine.control)).finishedResyncs.find((entry) => entry.outcome === 'done')!;
    await stop(engine.child);
    const resyncBw = resync.bytes / (resync.durationMs / 1000);
    const seqWriteBw = mirror[0]!;

    const rows = JOBS.map((job, index) => {
      const ratio = mirror[index]! / anchor[index]!;
      const degradedRatio = degraded[index]! / anchor[index]!;
      return [job.name, format(anchor[index]!, job.metric), format(mirror[index]!, job.metric), ratio.toFixed(2), `≥ ${job.target}`, format(degraded[index]!, job.metric), degradedRatio.toFixed(2), `≥ ${job.degradedTarget}`];
    });
    rows.push(['idle resync vs mirror seq write', format(seqWriteBw, 'bw'), format(resyncBw, 'bw'), (resyncBw / seqWriteBw).toFixed(2), '≥ 0.5', `${(dirtyBytes / 1024 / 1024).toFixed(0)} MiB dirty`, '', '']);
    const header = ['test', 'nbdkit file', 'mirror', 'ratio', 'target', 'degraded', 'ratio', 'target'];
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
    process.stdout.write(`mirror bench: ${SIZE_MB} MiB files in ${tmpdir()}, ${RUNTIME_S} s per fio run, engine UV_THREADPOOL_SIZE=${IO_THREADS}, nbdkit defaults\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  } finally {
    for (const child of [...children]) await stop(child, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
