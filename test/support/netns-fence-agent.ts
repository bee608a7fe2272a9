/**
 * fence_tandem_netns: a fence agent for test hosts that are network
 * namespaces. It speaks the fence-agents protocol (stdin name=value lines or
 * -o/-n options), so tandem runs it exactly as it runs fence_ipmilan.
 * `off` really powers the node off: every process in the node's namespace is
 * killed (its tandemd and everything it started) and its links go down, so
 * the peers lose it as they would lose a server without power; the FUSE
 * connections of its nbdfuse processes are aborted first, as the node's
 * kernel would take them down with it.
 * Node `plug` lives in namespace `${netns_prefix}${plug}`; `list` names the
 * nodes whose namespaces exist; `fail_actions` makes a broken device.
 * It starts fast (node:child_process, not execa, whose import alone took
 * 200 ms under load): its run time is part of every failover measured.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseFenceArgs } from '../../src/fencing/fence-args.js';
import { TandemError, asTandemError } from '../../src/errors.js';
import { abortNbdFuseConnections, findNbdFuseMounts } from './nbd-fuse-leftovers.js';

const metadata = `<?xml version="1.0" ?>
<resource-agent name="fence_tandem_netns" shortdesc="Fence agent for tandem test hosts in network namespaces">
<longdesc>Powers a test node off by killing every process in its network namespace and taking its links down; on brings the links back.</longdesc>
<vendor-url>https://example.invalid/tandem</vendor-url>
<parameters>
	<parameter name="action" unique="0" required="1">
		<getopt mixed="-o, --action=[action]" />
		<content type="string" default="reboot" />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port">
		<getopt mixed="-n, --plug=[name]" />
		<content type="string" />
		<shortdesc lang="en">Node name; its namespace is netns_prefix + name</shortdesc>
	</parameter>
	<parameter name="netns_prefix" unique="0" required="0">
		<getopt mixed="--netns-prefix=[prefix]" />
		<content type="string" default="" />
		<shortdesc lang="en">Prefix of the nodes' network namespace names</shortdesc>
	</parameter>
	<parameter name="fail_actions" unique="0" required="0">
		<getopt mixed="--fail-actions=[off,reboot]" />
		<content type="string" default="" />
		<shortdesc lang="en">Actions this device fails (a broken device, for topology tests)</shortdesc>
	</parameter>
	<parameter name="nodes" unique="0" required="0">
		<getopt mixed="--nodes=[n1,n2]" />
		<content type="string" default="" />
		<shortdesc lang="en">Comma-separated node names for the list action</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0"/>
	<action name="off" />
	<action name="reboot" />
	<action name="status" />
	<action name="list" />
	<action name="monitor" />
	<action name="metadata" />
</actions>
</resource-agent>
`;

/** fence-agents exit codes: status answers 0 for on, 2 for off. */
const exitSuccess = 0;
const exitFailure = 1;
const exitOff = 2;

/** Runs `ip` with `args`. @throws Error with ip's message when it fails and `reject` is not false. */
function ip(args: string[], reject = true): Promise<string> {
  return new Promise((resolve, fail) => {
    execFile('ip', args, (error, stdout, stderr) => {
      if (error && reject) fail(new Error(`ip ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

function namespaceExists(namespace: string): boolean {
  return !namespace.includes('/') && existsSync(`/run/netns/${namespace}`);
}

async function links(namespace: string): Promise<Array<{ name: string; up: boolean }>> {
  const parsed = JSON.parse(await ip(['-n', namespace, '-j', 'link', 'show'])) as Array<{ ifname: string; flags: string[] }>;
  return parsed.filter((link) => link.ifname !== 'lo').map((link) => ({ name: link.ifname, up: link.flags.includes('UP') }));
}

async function pidsIn(namespace: string): Promise<number[]> {
  return (await ip(['netns', 'pids', namespace], false)).split('\n').filter((line) => /^\d+$/.test(line)).map(Number).filter((pid) => pid !== process.pid);
}

async function powerOff(namespace: string): Promise<void> {
  // Links first (all at once), so the node falls silent at once, then the processes.
  await Promise.all((await links(namespace)).map((link) => ip(['-n', namespace, 'link', 'set', link.name, 'down'])));
  await dropFuseConnections(namespace);
  for (let round = 0; round < 250; round += 1) {
    const pids = await pidsIn(namespace);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new TandemError('E_FENCE_FAILED', `processes survive in namespace ${namespace}`, { context: { namespace } });
}

/**
 * A power cut ends the node kernel's FUSE connections; this kernel keeps
 * them, and a killed nbdfuse can hang with requests waiting, and with it
 * every I/O on the loop device over its file and every `losetup --list` on
 * the host (the survivor's PhysicalVolume start among them). So the
 * connections of the nbdfuse processes in the node's namespace are aborted
 * while they still run and their mounts can be told apart: only those.
 * The loop devices left are the lab's to detach, as the node's reboot.
 */
async function dropFuseConnections(namespace: string): Promise<void> {
  try {
    const mounts = findNbdFuseMounts({ pids: await pidsIn(namespace) });
    await abortNbdFuseConnections(mounts);
  } catch (error) {
    // the node is powered off all the same: its processes die below
    process.stderr.write(`fence_tandem_netns: aborting the FUSE connections of ${namespace}: ${(error as Error).message}\n`);
  }
}

async function powerOn(namespace: string): Promise<void> {
  for (const link of await links(namespace)) await ip(['-n', namespace, 'link', 'set', link.name, 'up']);
}

async function isOn(namespace: string): Promise<boolean> {
  return (await links(namespace)).some((link) => link.up);
}

async function run(options: Record<string, string>): Promise<number> {
  const action = options['action'] ?? 'reboot';
  if (action === 'metadata') { process.stdout.write(metadata); return exitSuccess; }
  if (action === 'list') {
    // as fence_virsh lists the VMs of its host: the nodes whose namespaces exist (or the `nodes` given)
    const prefix = options['netns_prefix'] ?? '';
    const given = (options['nodes'] ?? '').split(',').filter(Boolean);
    const present = (await ip(['netns', 'list'])).split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => prefix !== '' && name.startsWith(prefix)).map((name) => name.slice(prefix.length));
    for (const node of given.length > 0 ? given : present) process.stdout.write(`${node},\n`);
    return exitSuccess;
  }
  const failing = (options['fail_actions'] ?? '').split(',').filter(Boolean);
  if (failing.includes(action)) throw new TandemError('E_FENCE_FAILED', `'${action}' fails: this device is configured to fail it (fail_actions)`, { exitCode: exitFailure });
  if (action === 'monitor') { await ip(['netns', 'list']); return exitSuccess; }
  const plug = options['plug'];
  if (!plug) throw new TandemError('E_FENCE_ARGS', `action '${action}' needs plug=NODE`, { exitCode: exitFailure });
  const namespace = `${options['netns_prefix'] ?? ''}${plug}`;
  if (!namespaceExists(namespace)) throw new TandemError('E_FENCE_NO_NODE', `no namespace ${namespace} for node ${plug}`, { exitCode: exitFailure });
  switch (action) {
    case 'status': return (await isOn(namespace)) ? exitSuccess : exitOff;
    case 'off': await powerOff(namespace); return exitSuccess;
    case 'on': await powerOn(namespace); return exitSuccess;
    case 'reboot': await powerOff(namespace); await powerOn(namespace); return exitSuccess;
    default: throw new TandemError('E_FENCE_ARGS', `unknown action '${action}'`, { exitCode: exitFailure });
  }
}

try {
  const stdinText = process.stdin.isTTY ? '' : readFileSync(0, 'utf8');
  process.exitCode = await run(parseFenceArgs(stdinText, process.argv.slice(2)));
} catch (thrown) {
  const error = asTandemError(thrown);
  process.stderr.write(`fence_tandem_netns: ${error.message}\n`);
  process.exitCode = exitFailure;
}
