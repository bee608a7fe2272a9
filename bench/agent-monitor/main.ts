/**
 * bench/agent-monitor: per-call CPU (user+sys) and wall time of `monitor` for
 * tandem:Dummy against Debian's shell ocf:heartbeat:Dummy, in the same run,
 * printed as a ratio (target: at most 2x the shell agent).
 *
 * Child CPU comes from bash's `times` after a loop of N calls (the children's
 * accumulated rusage, the same for every variant). Rounds alternate between
 * variants so that load from other work on the machine hits all of them; the
 * median round counts. The in-process variant runs the dispatcher in this
 * process, as a long-lived executor worker would, measured by
 * process.cpuUsage(). The start-up snapshot variant (node --snapshot-blob,
 * built here from a CommonJS bundle of the same agent) is the option the
 * launcher does not use; it stays in the bench so the choice can be re-checked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { runAction } from '../../src/ocf/dispatcher.js';
import { dummyAgent } from '../../agents/Dummy.js';
import { WorkerActionRunner } from '../../src/executor/worker-runner.js';
import { parseAgentSpec } from '../../src/executor/agent-spec.js';

const calls = Number(process.env['BENCH_CALLS'] ?? 40);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const shellDummy = '/usr/lib/ocf/resource.d/heartbeat/Dummy';

interface PerCall { cpuMs: number; wallMs: number }

const scratch = mkdtempSync(join(tmpdir(), `tdm-bench-agent-monitor-${process.pid}-`));
const state = join(scratch, 'dummy.state');
writeFileSync(state, 'bench\n');
const env: Record<string, string> = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  OCF_ROOT: '/usr/lib/ocf',
  OCF_RESOURCE_INSTANCE: 'bench',
  OCF_RESKEY_state: state,
  OCF_RESKEY_CRM_meta_interval: '10000',
  OCF_RESKEY_CRM_meta_timeout: '20000',
};

function seconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (match === null) throw new Error(`unexpected times output '${text}'`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Runs `command... monitor` N times in one bash loop; per-call child CPU from `times`, wall from here. */
function measureProcess(command: readonly string[]): PerCall {
  const script = `for ((i = 0; i < ${calls}; i++)); do "$@" monitor >/dev/null 2>&1 || exit 90; done; times`;
  const begin = performance.now();
  const result = spawnSync('/bin/bash', ['-c', script, 'bench', ...command], { env, encoding: 'utf8' });
  const wallMs = performance.now() - begin;
  if (result.status !== 0) throw new Error(`${command.join(' ')} monitor did not return 0 (bash status ${result.status}): ${result.stderr}`);
  // `times` prints the shell's own user/sys, then its children's.
  const children = result.stdout.trim().split('\n')[1]?.split(/\s+/) ?? [];
  const cpuS = seconds(children[0] ?? '') + seconds(children[1] ?? '');
  return { cpuMs: (cpuS * 1000) / calls, wallMs: wallMs / calls };
}

/** CPU milliseconds (user+sys) a process has used so far, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const workerRunner = new WorkerActionRunner();
const workerRequest = { resource: 'bench', agent: parseAgentSpec('ocf:tandem:Dummy'), action: 'monitor', params: { state }, timeoutMs: 20_000, intervalMs: 10_000 };

/**
 * The executor's worker path: an IPC round trip per call to a long-lived
 * worker process. CPU = the worker's own (from /proc) plus this process's
 * side of the exchange (process.cpuUsage).
 */
async function measureExecutorWorker(): Promise<PerCall> {
  const warm = await workerRunner.run(workerRequest);
  if (warm.rc !== 0 || warm.pid === undefined) throw new Error(`worker monitor returned ${warm.rc}: ${warm.exitReason ?? ''}`);
  const workerBefore = processCpuMs(warm.pid);
  const cpuBefore = process.cpuUsage();
  const begin = performance.now();
  for (let index = 0; index < calls; index++) {
    const result = await workerRunner.run(workerRequest);
    if (result.rc !== 0 || result.pid !== warm.pid) throw new Error(`worker monitor returned ${result.rc} (pid ${result.pid})`);
  }
  const wallMs = performance.now() - begin;
  const own = process.cpuUsage(cpuBefore);
  const cpuMs = (own.user + own.system) / 1000 + (processCpuMs(warm.pid) - workerBefore);
  return { cpuMs: cpuMs / calls, wallMs: wallMs / calls };
}

async function measureInProcess(): Promise<PerCall> {
  const cpuBefore = process.cpuUsage();
  const begin = performance.now();
  for (let index = 0; index < calls; index++) {
    const result = await runAction(dummyAgent, 'monitor', env);
    if (result.rc !== 0) throw new Error(`in-process monitor returned ${result.rc}`);
  }
  const wallMs = performance.now() - begin;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / calls, wallMs: wallMs / calls };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Builds a start-up snapshot of tandem:Dummy whose main function runs the action in argv[1]. */
async function buildSnapshot(): Promise<string> {
  const entry = join(scratch, 'snapshot-entry.ts');
  writeFileSync(entry, [
    `import { startupSnapshot } from 'node:v8';`,
    `import { dummyAgent } from ${JSON.stringify(join(repoRoot, 'agents/Dummy.ts'))};`,
    `import { runAgentProcess } from ${JSON.stringify(join(repoRoot, 'src/ocf/process-main.ts'))};`,
    // With a snapshot, argv[1] is the first argument: shift it to where runAgentProcess expects the action.
    `startupSnapshot.setDeserializeMainFunction(() => { void runAgentProcess(dummyAgent, [process.argv[0] ?? 'node', 'Dummy', ...process.argv.slice(1)]); });`,
  ].join('\n'));
  const bundle = join(scratch, 'snapshot-entry.cjs');
  await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
  const blob = join(scratch, 'Dummy.blob');
  const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', bundle], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the snapshot failed: ${built.stderr}`);
  return blob;
}

const snapshotBlob = await buildSnapshot();

const variants: { name: string; measure: () => PerCall | Promise<PerCall> }[] = [
  { name: 'ocf:heartbeat:Dummy (shell)', measure: () => measureProcess([shellDummy]) },
  { name: 'tandem:Dummy launcher', measure: () => measureProcess([join(repoRoot, 'ocf/resource.d/tandem/Dummy')]) },
  { name: 'tandem:Dummy bundle (node X.mjs)', measure: () => measureProcess([process.execPath, join(repoRoot, 'dist/ocf-bundle/Dummy.mjs')]) },
  { name: 'tandem:Dummy startup snapshot', measure: () => measureProcess([process.execPath, '--snapshot-blob', snapshotBlob]) },
  { name: 'node -e 0 (floor, no agent)', measure: () => measureProcess([process.execPath, '-e', '0']) },
  { name: 'tandem:Dummy executor worker (IPC)', measure: measureExecutorWorker },
  { name: 'tandem:Dummy in-process (no IPC)', measure: measureInProcess },
];

try {
  const samples = new Map<string, PerCall[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) samples.get(variant.name)?.push(await variant.measure());
  }
  const results = variants.map((variant) => {
    const list = samples.get(variant.name) ?? [];
    return { name: variant.name, cpuMs: median(list.map((sample) => sample.cpuMs)), wallMs: median(list.map((sample) => sample.wallMs)) };
  });
  const anchor = results[0] as (typeof results)[number];
  console.log(`agent-monitor: ${calls} monitor calls x ${rounds} rounds per variant (median round), node ${process.version}`);
  console.log(`${'variant'.padEnd(36)} ${'cpu ms/call'.padStart(12)} ${'wall ms/call'.padStart(13)} ${'cpu ratio'.padStart(10)} ${'wall ratio'.padStart(11)}`);
  for (const result of results) {
    console.log(`${result.name.padEnd(36)} ${result.cpuMs.toFixed(3).padStart(12)} ${result.wallMs.toFixed(3).padStart(13)} ${(result.cpuMs / anchor.cpuMs).toFixed(2).padStart(10)} ${(result.wallMs / anchor.wallMs).toFixed(2).padStart(11)}`);
  }
  const launcher = results[1] as (typeof results)[number];
  const worker = results.find((result) => result.name.includes('executor worker')) as (typeof results)[number];
  console.log(`ratio tandem:Dummy launcher / heartbeat:Dummy: cpu ${(launcher.cpuMs / anchor.cpuMs).toFixed(2)}x, wall ${(launcher.wallMs / anchor.wallMs).toFixed(2)}x (target <= 2x)`);
  console.log(`ratio tandem:Dummy executor worker / heartbeat:Dummy: cpu ${(worker.cpuMs / anchor.cpuMs).toFixed(2)}x, wall ${(worker.wallMs / anchor.wallMs).toFixed(2)}x (target <= 2x)`);
} finally {
  workerRunner.close();
  rmSync(scratch, { recursive: true, force: true });
}
