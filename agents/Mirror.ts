/**
 * tandem:Mirror — runs the mirrored volume engine (`tandem mirror serve`) on
 * this node: start claims both legs and serves the volume over NBD (a unix
 * socket, or TCP); monitor asks the engine (degraded is still running, and is
 * logged and published as a node attribute); stop ends the engine in order
 * (flush, mark clean, release the claim).
 *
 * The engine runs detached, as tandem:App runs an application, with the same
 * pid-and-start-time identity. Taking over legs another node claimed is
 * refused unless that node is known to be offline (or `takeover=always`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { ReleaseOutcome } from '../src/mirror/lifecycle.js';
import { defineAgent, type ActionContext } from '../src/ocf/agent.js';
import { OcfExit } from '../src/ocf/exit-codes.js';
import { isMainModule, runAgentProcess } from '../src/ocf/process-main.js';
import { inspectApp } from './app/app-state.js';
import { launchApp, logTail } from './app/launch.js';
import { removePidFile } from './app/pid-file.js';
import { terminateApp } from './app/terminate.js';
import { jsonAnswer, mirrorCliPath, runMirrorCli, type CliResult } from './mirror/cli.js';
import { ownerIsOffline } from './mirror/cluster-members.js';
import { publishDegraded } from './mirror/degraded-attribute.js';
import { probeLegPath } from './mirror/leg-presence.js';

const takeoverPolicies = ['never', 'owner-offline', 'always'] as const;

const parameters = {
  legs: { type: 'string', required: true, shortdesc: 'The two legs', longdesc: 'The two legs of the volume, space-separated, in the order given to `tandem mirror create`: file or block device paths, or nbd:// and nbd+unix:// URIs of remote arrays.' },
  socket: { type: 'string', unique: true, default: (env) => `${env.stateDir}/Mirror-${env.instance}.nbd`, shortdesc: 'NBD unix socket', longdesc: 'Unix socket the volume is exported on (ignored when listen is set).' },
  listen: { type: 'string', shortdesc: 'NBD TCP address', longdesc: 'host:port to export the volume on over TCP, instead of the unix socket.' },
  export_name: { type: 'string', default: '', shortdesc: 'Export name', longdesc: 'NBD export name.' },
  node: { type: 'string', shortdesc: 'Owner name', longdesc: 'Node name recorded as the owner in the legs\' metadata; default: the cluster\'s name for this node, else the host name.' },
  takeover: { type: 'string', default: 'owner-offline', shortdesc: 'Taking over another node\'s claim', longdesc: 'never: refuse legs claimed by another node; owner-offline (default): take them over only when the cluster says that node is not a member (it has been fenced or stopped); always: take them over (only when nothing else can run the engine).' },
  io_timeout: { type: 'integer', default: 10000, shortdesc: 'Leg I/O timeout (ms)', longdesc: 'A leg that does not answer a request within this many milliseconds is failed; the volume goes on with the other.' },
  open_timeout: { type: 'integer', default: 5000, shortdesc: 'Leg open deadline (ms)', longdesc: 'How long a leg may take to open and show its metadata, at start and when a failed leg is retried; one slower (an array that hangs) is left out, the volume serves from the other, and it is retried later. The agent waits as long for a leg to answer its own checks (its presence at validate, its claim before start and after stop): a start with one array hung takes about three times this. Keep it well inside the start timeout.' },
  io_threads: { type: 'integer', shortdesc: 'I/O threads per leg', longdesc: 'Threads that run a file or block-device leg\'s requests, i.e. requests at that array at once (1..64; default: half the cores, 1 to 4). Each leg has its own, so a hung array blocks only its own.' },
  io_uring: { type: 'boolean', default: true, shortdesc: 'io_uring for shallow streams', longdesc: 'Start the engine with libuv on io_uring (UV_USE_IO_URING=1): a file or block-device leg then runs a busy queue-depth-1 stream (one request at a time, over about 2000 a second: a database\'s commits under load) in the kernel with no thread hand-over, about half the latency on a small VM; other streams stay on its I/O threads. While such a stream flows, a kernel thread of the engine (iou-sqp) polls and keeps a core busy; false keeps every request on the I/O threads.' },
  resync_rate: { type: 'string', default: '0', shortdesc: 'Resync rate cap', longdesc: 'Bytes per second a resync may copy (suffixes K, M, G); 0 = unlimited.' },
  pidfile: { type: 'string', unique: true, default: (env) => `${env.stateDir}/Mirror-${env.instance}.pid`, shortdesc: 'Engine pid file', longdesc: 'Where the agent records the engine it started.' },
  logfile: { type: 'string', default: (env) => `${env.stateDir}/Mirror-${env.instance}.log`, shortdesc: 'Engine log file', longdesc: 'The engine\'s log (structured JSON lines).' },
} as const satisfies Parameters<typeof defineAgent>[0]['parameters'];

type MirrorContext = ActionContext<{
  readonly legs: string; readonly socket: string; readonly listen: string | undefined; readonly export_name: string;
  readonly node: string | undefined; readonly takeover: string; readonly io_timeout: number; readonly open_timeout: number; readonly io_threads: number | undefined; readonly io_uring: boolean; readonly resync_rate: string;
  readonly pidfile: string; readonly logfile: string;
}>;

interface LegMeta { leg: number; error?: string; owner?: { node: string; epoch: number } }
interface EngineStatus { degraded: boolean; inSync: boolean; legs: Array<{ index: number; state: string; failure?: string }> }

function legList(context: MirrorContext): string[] {
  return context.params.legs.split(/\s+/).filter((leg) => leg !== '');
}

function nodeName(context: MirrorContext): string {
  return context.params.node ?? context.env.vars['OCF_RESKEY_CRM_meta_on_node'] ?? hostname();
}

function controlPath(context: MirrorContext): string {
  return `${context.params.pidfile}.ctl`;
}

function isLocalLeg(leg: string): boolean {
  return !/^nbd(\+unix|\+tcp)?:\/\//.test(leg);
}

async function engineStatus(context: MirrorContext): Promise<{ status?: EngineStatus; failure?: CliResult }> {
  const result = await runMirrorCli(['status', '--control', controlPath(context)], Math.min(10_000, Math.max(1000, context.remainingMs() - 1000)));
  if (result.rc !== 0) return { failure: result };
  return { status: JSON.parse(result.stdout) as EngineStatus };
}

/** Publishes the volume's degraded state (a change only) as the node attribute mirror-degraded-INSTANCE. */
function publishDegradedState(context: MirrorContext, degraded: boolean): Promise<void> {
  return publishDegraded({ node: nodeName(context), instance: context.env.instance, degraded, stateFile: `${context.params.pidfile}.degraded`, log: context.log });
}

async function monitor(context: MirrorContext): Promise<number> {
  const state = inspectApp(context.params.pidfile);
  if (state.kind === 'stopped') return OcfExit.NOT_RUNNING;
  if (state.kind !== 'running') {
    context.exitReason(`mirror engine is gone (${state.kind === 'exited' ? state.why : 'its processes outlived it'}): ${logTail(context.params.logfile)}`);
    return OcfExit.ERR_GENERIC;
  }
  const { status, failure } = await engineStatus(context);
  if (status === undefined) {
    context.exitReason(`mirror engine (pid ${state.record.pid}) does not answer: ${failure?.stderr.trim() ?? ''}`);
    return OcfExit.ERR_GENERIC;
  }
  const usable = status.legs.filter((leg) => leg.state !== 'failed');
  if (usable.length === 0) {
    context.exitReason('no leg of the mirror is usable');
    return OcfExit.ERR_GENERIC;
  }
  if (status.degraded) {
    // The engine's advice names its control socket generically; here it is known.
    const failure = (text: string): string => text.replaceAll('--control SOCKET', `--control ${controlPath(context)}`);
    const failed = status.legs.filter((leg) => leg.state === 'failed').map((leg) => `leg ${leg.index}${leg.failure ? ` (${failure(leg.failure)})` : ''}`);
    context.log.warn(`mirror ${context.env.instance} is DEGRADED: ${failed.join(', ')} failed; serving from the other leg`);
  }
  await publishDegradedState(context, status.degraded);
  return OcfExit.SUCCESS;
}

/** Whether to pass --force: only for legs claimed by another node, and per the takeover policy. */
async function takeoverDecision(context: MirrorContext, self: string): Promise<{ force: boolean; refuse?: string }> {
  const result = await runMirrorCli(['status', ...legList(context), '--open-timeout', String(context.params.open_timeout)], 30_000);
  const metas = jsonAnswer<LegMeta[]>(result);
  if (!metas) {
    // Unreadable metadata: the engine itself will say what is wrong (without --force, it refuses another node's claim).
    context.log.warn(`reading the legs' claims failed (rc ${result.rc}): ${result.stderr.trim()}; starting without --force`);
    return { force: false };
  }
  for (const [leg, meta] of metas.entries()) {
    if (meta.error !== undefined) context.log.warn(`leg ${leg}: its claim cannot be read (${meta.error}); deciding from the other leg`);
  }
  const owners = metas.map((meta) => meta.owner?.node ?? '').filter((owner) => owner !== '' && owner !== self);
  const owner = owners[0];
  if (owner === undefined) return { force: false };
  switch (context.params.takeover) {
    case 'always': return { force: true };
    case 'never': return { force: false, refuse: `the legs are claimed by node ${owner} and takeover=never` };
    default: {
      const offline = await ownerIsOffline(owner);
      if (offline === true) return { force: true };
      return { force: false, refuse: offline === false
        ? `the legs are claimed by node ${owner}, which is still a cluster member: refusing to take them over`
        : `the legs are claimed by node ${owner} and the cluster membership cannot be read: not taking them over` };
    }
  }
}

async function start(context: MirrorContext): Promise<number> {
  const current = inspectApp(context.params.pidfile);
  if (current.kind === 'running' && (await engineStatus(context)).status !== undefined) return OcfExit.SUCCESS;
  if (current.kind !== 'stopped') await stop(context);
  const self = nodeName(context);
  const decision = await takeoverDecision(context, self);
  if (decision.refuse !== undefined) {
    context.exitReason(decision.refuse);
    return OcfExit.ERR_GENERIC;
  }
  for (const file of [context.params.pidfile, context.params.logfile, context.params.socket]) mkdirSync(dirname(file), { recursive: true });
  const listen = context.params.listen !== undefined ? ['--listen', context.params.listen] : ['--socket', context.params.socket];
  const cli = mirrorCliPath();
  const { watch } = await launchApp({
    command: process.execPath,
    args: [cli, 'mirror', 'serve', ...legList(context), ...listen, '--control', controlPath(context), '--export-name', context.params.export_name,
      '--node', self, '--io-timeout', String(context.params.io_timeout), '--open-timeout', String(context.params.open_timeout), ...(context.params.io_threads === undefined ? [] : ['--io-threads', String(context.params.io_threads)]), '--resync-rate', context.params.resync_rate, ...(decision.force ? ['--force'] : [])],
    workdir: '/',
    env: { ...process.env, TANDEM_LOG_LEVEL: process.env['TANDEM_LOG_LEVEL'] ?? 'info', UV_USE_IO_URING: context.params.io_uring ? '1' : '0' },
    logFile: context.params.logfile,
    pidFile: context.params.pidfile,
  });
  // Ready when the control socket answers (the engine opens it after the NBD export).
  while (context.remainingMs() > 1500) {
    if (watch.exit !== undefined) {
      removePidFile(context.params.pidfile);
      context.exitReason(`mirror engine ${watch.exit}: ${logTail(context.params.logfile)}`);
      return OcfExit.ERR_GENERIC;
    }
    if (existsSync(controlPath(context)) && (await engineStatus(context)).status !== undefined) return OcfExit.SUCCESS;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  context.exitReason(`mirror engine did not become ready before the start timeout: ${logTail(context.params.logfile)}`);
  return OcfExit.ERR_GENERIC;
}

/**
 * After the engine is gone: releases this node's claim if the engine left it
 * on the legs (killed at the stop timeout, crashed, or unable to reach any
 * leg when it stopped). Left there, it would make another node refuse the
 * legs for as long as this node is a member, i.e. no failover. Returns why
 * the claim could not be released (no leg reachable from here), which fails
 * the stop: the cluster then fences this node, and the takeover goes on.
 */
async function releaseLeftClaim(context: MirrorContext): Promise<string | undefined> {
  const self = nodeName(context);
  const result = await runMirrorCli(['release', ...legList(context), '--node', self, '--open-timeout', String(context.params.open_timeout)], Math.max(1000, Math.min(30_000, context.remainingMs() - 1000)));
  const outcomes = jsonAnswer<ReleaseOutcome[]>(result);
  // Another node may take the legs over once one leg it reads no longer names this node.
  if (!outcomes || !outcomes.some((entry) => entry.outcome !== 'failed')) {
    return `the mirror engine stopped without releasing node ${self}'s claim on the legs, and it cannot be released from here (${result.stderr.trim() || result.stdout.trim()}); another node can take the volume over once this one is fenced`;
  }
  for (const entry of outcomes) {
    if (entry.outcome === 'released') context.log.warn(`leg ${entry.leg}: released the claim of node ${self} that the engine left (it did not stop in order; what it left dirty is resynced on the next start)`);
    if (entry.outcome === 'failed') context.log.warn(`leg ${entry.leg}: unreachable, so it may still name node ${self} as owner: ${entry.detail ?? ''}`);
  }
  return undefined;
}

async function stop(context: MirrorContext): Promise<number> {
  const state = inspectApp(context.params.pidfile);
  if (state.kind === 'stopped') return OcfExit.SUCCESS;
  // SIGTERM makes the engine stop in order (flush, mark clean, release the
  // claim); SIGKILL only near the timeout, which leaves the legs dirty and the
  // bitmap to resync them on the next start.
  const survivors = await terminateApp(state.record, () => context.remainingMs(), 2000);
  if (survivors.length > 0) {
    context.exitReason(`mirror engine processes survive SIGKILL: ${survivors.join(' ')}`);
    return OcfExit.ERR_GENERIC;
  }
  const held = await releaseLeftClaim(context);
  if (held !== undefined) {
    // The pid file stays: a later stop tries the release again, and monitor does not report a clean stop.
    context.exitReason(held);
    return OcfExit.ERR_GENERIC;
  }
  removePidFile(context.params.pidfile);
  // The volume no longer runs here: this node no longer has a degraded mirror.
  await publishDegradedState(context, false);
  return OcfExit.SUCCESS;
}

async function validate(context: MirrorContext): Promise<number> {
  const legs = legList(context);
  if (legs.length !== 2) {
    context.exitReason(`legs: expected two legs, got ${legs.length} ('${context.params.legs}')`);
    return OcfExit.ERR_CONFIGURED;
  }
  const local = legs.filter(isLocalLeg);
  const presence = await Promise.all(local.map((leg) => probeLegPath(leg, context.params.open_timeout)));
  const absent = local.flatMap((leg, index) => { const found = presence[index]!; return found.kind === 'usable' ? [] : [{ leg, ...found }]; });
  if (absent.length > 0 && absent.length === legs.length && absent.every((entry) => entry.kind !== 'unreachable')) {
    // None of the volume's storage is on this node: it cannot run here (a leg's array may only be unreachable for now: then the start decides).
    context.exitReason(`legs: ${absent.map((entry) => `${entry.leg}: ${entry.detail}`).join('; ')}`);
    return OcfExit.ERR_INSTALLED;
  }
  // One leg short: the volume can still serve from the other, degraded (the engine says whether it can).
  for (const entry of absent) context.log.warn(`legs: ${entry.leg}: ${entry.detail}; starting without it if the other leg serves`);
  if (!(takeoverPolicies as readonly string[]).includes(context.params.takeover)) {
    context.exitReason(`takeover: '${context.params.takeover}' is not one of ${takeoverPolicies.join(', ')}`);
    return OcfExit.ERR_CONFIGURED;
  }
  mirrorCliPath();
  return OcfExit.SUCCESS;
}

export const mirrorAgent = defineAgent({
  name: 'Mirror',
  version: '1.0',
  shortdesc: 'Mirrored volume over two arrays, exported over NBD',
  longdesc: 'Runs tandem\'s mirrored volume engine on this node: claims both legs, writes every block to both, serves the volume over NBD, goes on degraded when a leg fails and resyncs only what changed when it returns.',
  parameters,
  validate,
  actions: {
    start: { handler: start, timeoutS: 60 },
    stop: { handler: stop, timeoutS: 60 },
    monitor: { handler: monitor, timeoutS: 20, intervalS: 10 },
  },
});

/** Runs the action named on the command line and exits: what the launcher calls. */
export function main(): Promise<never> {
  return runAgentProcess(mirrorAgent);
}

if (isMainModule(import.meta.url)) void main();
