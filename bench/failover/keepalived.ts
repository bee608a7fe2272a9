/**
 * The anchor: keepalived's VRRP with its defaults (advert_int 1, preempt),
 * the VIP alone, between the same two namespaces. kill -9 of the MASTER's
 * keepalived (parent and VRRP child: the parent is stopped first so it
 * cannot respawn the child, and the child gets no parent-death signal that
 * would make it resign cleanly); the BACKUP takes over after its
 * master-down timer (3 x advert_int + skew).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { waitUntil } from '../../test/controller/tandemd-cluster.js';
import type { FailoverLab } from './lab.js';
import type { FailoverScenario } from './scenario.js';

export class KeepalivedScenario implements FailoverScenario {
  readonly name = 'keepalived (VRRP, advert_int 1)';
  private readonly daemons = new Map<number, ChildProcess>();

  private dir(lab: FailoverLab, node: number): string { return join(lab.cluster.net.dir, `keepalived-n${node}`); }

  private config(lab: FailoverLab, node: number): string {
    return `global_defs {
  router_id n${node}
  enable_script_security
}
vrrp_instance VI_1 {
  state BACKUP
  interface pub
  virtual_router_id 51
  priority ${node === 1 ? 150 : 100}
  advert_int 1
  virtual_ipaddress {
    ${lab.vip}/${lab.vipPrefix} dev pub
  }
}
`;
  }

  private async start(lab: FailoverLab, node: number): Promise<void> {
    const dir = this.dir(lab, node);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'keepalived.conf'), this.config(lab, node));
    const child = spawn('ip', ['netns', 'exec', lab.nodeNs(node), 'keepalived', '--dont-fork', '--vrrp', '--use-file', join(dir, 'keepalived.conf'),
      '--pid', join(dir, 'keepalived.pid'), '--vrrp_pid', join(dir, 'vrrp.pid'), '--checkers_pid', join(dir, 'checkers.pid'), '--bfd_pid', join(dir, 'bfd.pid')], { stdio: 'ignore' });
    this.daemons.set(node, child);
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`keepalived n${node} exited with ${child.exitCode}`);
      return (await readFile(join(dir, 'vrrp.pid'), 'utf8').catch(() => '')).trim() !== '';
    }, 10_000, `keepalived n${node} to start its VRRP process`);
  }

  async setup(lab: FailoverLab): Promise<void> {
    for (const node of [1, 2]) await this.start(lab, node);
    await lab.vipStableFor(5000, 60_000);
  }

  async kill(lab: FailoverLab, node: number): Promise<void> {
    const parent = this.daemons.get(node);
    const child = Number((await readFile(join(this.dir(lab, node), 'vrrp.pid'), 'utf8')).trim());
    if (parent?.pid === undefined) throw new Error(`keepalived n${node} is not running`);
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    process.kill(parent.pid, 'SIGSTOP');
    process.kill(child, 'SIGKILL');
    process.kill(parent.pid, 'SIGKILL');
    await exited;
    this.daemons.delete(node);
  }

  async recover(lab: FailoverLab, node: number): Promise<void> {
    await lab.rebootNode(node);
    await execa('rm', ['-f', join(this.dir(lab, node), 'vrrp.pid')]);
    await this.start(lab, node);
    // the restarted node (BACKUP, higher priority: it preempts once its master-down timer
    // ran out) must have settled, or the next trial's kill lands on a hand-over in progress
    await lab.vipStableFor(5000, 60_000);
  }

  async teardown(): Promise<void> {
    for (const [node, child] of this.daemons) {
      if (child.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      this.daemons.delete(node);
    }
  }
}
