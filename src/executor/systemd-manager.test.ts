/**
 * The executor's systemd path against a FAKE SystemdManager: systemd is not
 * PID 1 on this machine, so there is no systemd to talk to over D-Bus. The
 * fake keeps unit states in a map and answers jobs as systemd would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OcfExit } from '../ocf/exit-codes.js';
import { parseXml } from '../cib/xml.js';
import { parseAgentSpec } from './agent-spec.js';
import { ProcessActionRunner } from './process-runner.js';
import { systemdUnitName, type SystemdManager, type UnitActiveState } from './systemd-manager.js';

class FakeSystemd implements SystemdManager {
  readonly states = new Map<string, UnitActiveState>([['web.service', 'inactive'], ['broken.service', 'inactive']]);
  readonly jobs: string[] = [];
  hang = false;
  async unitExists(unit: string): Promise<boolean> { return this.states.has(unit); }
  async activeState(unit: string): Promise<UnitActiveState> { return this.states.get(unit) ?? 'inactive'; }
  async runJob(unit: string, verb: 'start' | 'stop' | 'restart' | 'reload'): Promise<string> {
    this.jobs.push(`${verb} ${unit}`);
    if (this.hang) return new Promise(() => undefined);
    if (unit === 'broken.service') { this.states.set(unit, 'failed'); return 'failed'; }
    this.states.set(unit, verb === 'stop' ? 'inactive' : 'active');
    return 'done';
  }
  async listServiceUnits(): Promise<string[]> { return [...this.states.keys()]; }
  close(): void {}
}

const run = (runner: ProcessActionRunner, agent: string, action: string, timeoutMs = 5000) =>
  runner.run({ resource: 'unit-rsc', agent: parseAgentSpec(agent), action, params: {}, timeoutMs });

test('unit names get .service unless they carry a unit suffix', () => {
  assert.equal(systemdUnitName('web'), 'web.service');
  assert.equal(systemdUnitName('data.mount'), 'data.mount');
});

test('start, monitor, stop, monitor of a unit (fake systemd)', async () => {
  const systemd = new FakeSystemd();
  const runner = new ProcessActionRunner({ systemd: () => systemd });
  const rcs = [];
  for (const action of ['monitor', 'start', 'monitor', 'stop', 'monitor']) rcs.push((await run(runner, 'systemd:web', action)).rc);
  assert.deepEqual(rcs, [OcfExit.NOT_RUNNING, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.NOT_RUNNING]);
  assert.deepEqual(systemd.jobs, ['start web.service', 'stop web.service']);
});

test('a failed start, a missing unit, a hung job, meta-data (fake systemd)', async () => {
  const systemd = new FakeSystemd();
  const runner = new ProcessActionRunner({ systemd: () => systemd });
  const failed = await run(runner, 'systemd:broken', 'start');
  assert.equal(failed.rc, OcfExit.ERR_GENERIC);
  assert.match(failed.exitReason ?? '', /job failed, unit failed/);
  const missing = await run(runner, 'systemd:nothere', 'start');
  assert.equal(missing.rc, OcfExit.ERR_INSTALLED);
  assert.equal(missing.status, 'not-installed');
  systemd.hang = true;
  const hung = await run(runner, 'systemd:web', 'start', 50);
  assert.equal(hung.status, 'timeout');
  const meta = await run(runner, 'systemd:web', 'meta-data');
  assert.equal(parseXml(meta.stdoutTail).attrs['name'], 'web.service');
  const noSystemd = await run(new ProcessActionRunner(), 'systemd:web', 'monitor');
  assert.equal(noSystemd.rc, OcfExit.ERR_INSTALLED);
});
