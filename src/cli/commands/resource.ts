/**
 * `tandem resource start|stop|restart|move|clear|cleanup|failcount|status|locate`
 * and `tandem node standby|online|maintenance|list|attribute`: live, through tandemd, which hands each change to the DC.
 * Asking for the state a resource or node is already in changes nothing and
 * exits 0.
 */
import type { Command } from 'commander';
import { NoSuchObjectError, TimeoutError, UsageError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../cib/xml.js';
import { callApi, localApiSocketPath } from '../../daemon/api/client.js';
import type { DaemonStatus } from '../../daemon/tandemd.js';
import { render, type OutputFormat } from '../output.js';

interface Globals { output: OutputFormat; file?: string }

function live(program: Command, what: string): { output: OutputFormat; socketPath: string } {
  const { output, file } = program.opts<Globals>();
  if (file !== undefined) throw new UsageError(`${what} works on the live cluster; for a CIB file use: tandem -f FILE configure ...`, { option: 'file' });
  return { output, socketPath: localApiSocketPath() };
}

export function registerResource(program: Command): void {
  const resource = program.command('resource').description('manage resources on the live cluster');
  for (const [verb, role] of [['start', 'Started'], ['stop', 'Stopped']] as const) {
    resource.command(verb).description(`${verb} a resource (sets its target-role to ${role})`).argument('<rsc>', 'resource id')
      .action(async (rsc: string) => {
        const { socketPath } = live(program, `resource ${verb}`);
        await callApi('resource.meta', { resource: rsc, name: 'target-role', value: role }, { socketPath });
      });
  }
  resource.command('move').description('move a resource to a node (creates a cli-prefer constraint)').argument('<rsc>', 'resource id').argument('<node>', 'node name')
    .action(async (rsc: string, node: string) => {
      const { socketPath } = live(program, 'resource move');
      await callApi('resource.move', { resource: rsc, node }, { socketPath });
      process.stdout.write(`INFO: created constraint cli-prefer-${rsc} (${rsc} prefers ${node}); remove it with: tandem resource clear ${rsc}\n`);
    });
  resource.command('clear').description('remove the constraints "resource move" created').argument('<rsc>', 'resource id')
    .action(async (rsc: string) => {
      const { socketPath } = live(program, 'resource clear');
      await callApi('resource.clear', { resource: rsc }, { socketPath });
    });
  resource.command('restart').description('stop a resource, wait until it is stopped, start it again').argument('<rsc>', 'resource id')
    .option('--timeout <seconds>', 'how long to wait for the stop', '60')
    .action(async (rsc: string, options: { timeout: string }) => {
      const { socketPath } = live(program, 'resource restart');
      const timeoutMs = Number(options.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not '${options.timeout}'`, { option: 'timeout' });
      await callApi('resource.meta', { resource: rsc, name: 'target-role', value: 'Stopped' }, { socketPath });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await callApi('status', {}, { socketPath }) as DaemonStatus;
        if ((status.resources.resources.find((line) => line.id === rsc)?.runningOn.length ?? 0) === 0) break;
        if (Date.now() > deadline) throw new TimeoutError(`${rsc} did not stop within ${options.timeout} s (left with target-role Stopped)`, { resource: rsc });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await callApi('resource.meta', { resource: rsc, name: 'target-role', value: 'Started' }, { socketPath });
    });
  resource.command('failcount').description('show a resource\'s fail counts per node and operation').argument('<rsc>', 'resource id')
    .action(async (rsc: string) => {
      const { output, socketPath } = live(program, 'resource failcount');
      const { xml } = await callApi('cib.query', {}, { socketPath }) as { xml: string };
      const counts = failCounts(parseXml(xml, 'the live CIB'), rsc);
      process.stdout.write(render(output, { resource: rsc, failcounts: counts }, {
        text: (data) => data.failcounts.length === 0 ? `${rsc}: no failures` : data.failcounts.map((entry) => `${rsc} on ${entry.node} ${entry.operation}: fail-count=${entry.count}`).join('\n'),
      }));
    });
  resource.command('cleanup').description('forget a resource\'s failures and history so it is probed again').argument('<rsc>', 'resource id')
    .option('--node <node>', 'only on this node')
    .action(async (rsc: string, options: { node?: string }) => {
      const { socketPath } = live(program, 'resource cleanup');
      await callApi('resource.cleanup', { resource: rsc, ...(options.node !== undefined ? { node: options.node } : {}) }, { socketPath });
      process.stdout.write(`Cleaned up ${rsc}${options.node !== undefined ? ` on ${options.node}` : ''}\n`);
    });
  resource.command('status').alias('locate').description('where resources run (all, or one); alias locate').argument('[rsc]', 'resource id')
    .action(async (rsc: string | undefined) => {
      const { output, socketPath } = live(program, 'resource status');
      const status = await callApi('status', {}, { socketPath }) as DaemonStatus;
      const lines = status.resources.resources.filter((line) => rsc === undefined || line.id === rsc);
      if (rsc !== undefined && lines.length === 0) throw new NoSuchObjectError(`no resource '${rsc}'`, { resource: rsc });
      process.stdout.write(render(output, { resources: lines }, {
        text: (data) => data.resources.map((line) => line.runningOn.length > 0
          ? `resource ${line.id} is running on: ${line.runningOn.join(' ')}${line.failed ? ' (FAILED)' : ''}`
          : `resource ${line.id} is NOT running`).join('\n'),
      }));
    });
}

/** The fail-count-RSC#OP_INTERVAL transient attributes of a resource, per node. */
function failCounts(cib: XmlElement, rsc: string): Array<{ node: string; operation: string; count: string }> {
  const counts: Array<{ node: string; operation: string; count: string }> = [];
  for (const state of cib.children.find((c) => c.name === 'status')?.children ?? []) {
    for (const transient of state.children.filter((c) => c.name === 'transient_attributes')) {
      for (const set of transient.children) for (const pair of set.children) {
        const name = pair.attrs.name ?? '';
        if (name.startsWith(`fail-count-${rsc}#`)) counts.push({ node: state.attrs.uname ?? '', operation: name.slice(`fail-count-${rsc}#`.length), count: pair.attrs.value ?? '' });
      }
    }
  }
  return counts;
}

export function registerNode(program: Command): void {
  const node = program.command('node').description('manage nodes on the live cluster');
  node.command('list').description('the cluster\'s nodes and whether they are online')
    .action(async () => {
      const { output, socketPath } = live(program, 'node list');
      const status = await callApi('status', {}, { socketPath }) as DaemonStatus;
      const nodes = [{ name: status.node, online: true }, ...status.membership.peers.map((peer) => ({ name: peer.name, online: peer.member }))].sort((a, b) => a.name.localeCompare(b.name));
      process.stdout.write(render(output, { nodes }, { text: (data) => data.nodes.map((entry) => `${entry.name}: ${entry.online ? 'online' : 'OFFLINE'}`).join('\n') }));
    });
  node.command('maintenance').description('stop managing resources on a node (on) or manage them again (off)')
    .argument('<state>', 'on | off').argument('[node]', 'node name (default: this node)')
    .action(async (state: string, name: string | undefined) => {
      if (state !== 'on' && state !== 'off') throw new UsageError(`node maintenance: expected on or off, not '${state}'`);
      const { socketPath } = live(program, 'node maintenance');
      const target = name ?? (await callApi('status', {}, { socketPath }) as DaemonStatus).node;
      await callApi('node.attribute', { node: target, name: 'maintenance', ...(state === 'on' ? { value: 'on' } : {}) }, { socketPath });
    });
  node.command('attribute').description('set (NAME=VALUE) or delete (NAME) a node attribute')
    .argument('<node>', 'node name').argument('<assignment>', 'NAME=VALUE, or NAME to delete')
    .action(async (name: string, assignment: string) => {
      const { socketPath } = live(program, 'node attribute');
      const equals = assignment.indexOf('=');
      const attribute = equals < 0 ? assignment : assignment.slice(0, equals);
      if (attribute === '') throw new UsageError(`node attribute: expected NAME=VALUE or NAME, not '${assignment}'`);
      await callApi('node.attribute', { node: name, name: attribute, ...(equals >= 0 ? { value: assignment.slice(equals + 1) } : {}) }, { socketPath });
    });
  for (const [verb, value] of [['standby', 'on'], ['online', undefined]] as const) {
    node.command(verb).description(verb === 'standby' ? 'move resources off a node and keep them off' : 'let a node run resources again')
      .argument('[node]', 'node name (default: this node)')
      .action(async (name: string | undefined) => {
        const { socketPath } = live(program, `node ${verb}`);
        const target = name ?? (await callApi('status', {}, { socketPath }) as DaemonStatus).node;
        await callApi('node.attribute', { node: target, name: 'standby', ...(value !== undefined ? { value } : {}) }, { socketPath });
      });
  }
}
