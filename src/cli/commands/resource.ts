/**
 * `tandem resource start|stop|move|clear|cleanup|status` and `tandem node
 * standby|online`: live, through tandemd, which hands each change to the DC.
 * Asking for the state a resource or node is already in changes nothing and
 * exits 0.
 */
import type { Command } from 'commander';
import { NoSuchObjectError, UsageError } from '../../errors.js';
import { callApi } from '../../daemon/api/client.js';
import type { DaemonStatus } from '../../daemon/tandemd.js';
import { render, type OutputFormat } from '../output.js';
import { cliSocketPath } from './status.js';

interface Globals { output: OutputFormat; file?: string }

function live(program: Command, what: string): { output: OutputFormat; socketPath: string } {
  const { output, file } = program.opts<Globals>();
  if (file !== undefined) throw new UsageError(`${what} works on the live cluster; for a CIB file use: tandem -f FILE configure ...`, { option: 'file' });
  return { output, socketPath: cliSocketPath() };
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
  resource.command('cleanup').description('forget a resource\'s failures and history so it is probed again').argument('<rsc>', 'resource id')
    .option('--node <node>', 'only on this node')
    .action(async (rsc: string, options: { node?: string }) => {
      const { socketPath } = live(program, 'resource cleanup');
      await callApi('resource.cleanup', { resource: rsc, ...(options.node !== undefined ? { node: options.node } : {}) }, { socketPath });
      process.stdout.write(`Cleaned up ${rsc}${options.node !== undefined ? ` on ${options.node}` : ''}\n`);
    });
  resource.command('status').description('where resources run (all, or one)').argument('[rsc]', 'resource id')
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

export function registerNode(program: Command): void {
  const node = program.command('node').description('manage nodes on the live cluster');
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
