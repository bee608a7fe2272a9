/**
 * The D-Bus adapter of the systemd path, over a real D-Bus: the test starts
 * its own dbus-daemon (a private bus, not the system's) and exports on it a
 * FAKE org.freedesktop.systemd1 (Manager methods, JobRemoved, unit
 * ActiveState/LoadState) written with dbus-next — systemd itself is not PID 1
 * on this machine. What is real: the bus, the wire protocol, and every call
 * DbusSystemdManager makes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import dbus from 'dbus-next';
import { execa } from 'execa';
import { OcfExit } from '../../src/ocf/exit-codes.js';
import { parseAgentSpec } from '../../src/executor/agent-spec.js';
import { ProcessActionRunner } from '../../src/executor/process-runner.js';
import { DbusSystemdManager } from '../../src/executor/systemd-dbus.js';
import { killPid, tempDir } from './helpers.js';

const unitPath = (unit: string): string => `/org/freedesktop/systemd1/unit/${unit.replace(/[^A-Za-z0-9]/g, (char) => `_${char.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;

class FakeUnit extends dbus.interface.Interface {
  constructor(public activeState: string, public loadState = 'loaded') {
    super('org.freedesktop.systemd1.Unit');
  }
  get ActiveState(): string { return this.activeState; }
  get LoadState(): string { return this.loadState; }
}
FakeUnit.configureMembers({
  properties: { ActiveState: { signature: 's', access: 'read' }, LoadState: { signature: 's', access: 'read' } },
});

class FakeManager extends dbus.interface.Interface {
  private jobId = 0;
  readonly calls: string[] = [];
  constructor(private readonly bus: dbus.MessageBus, private readonly units: Map<string, FakeUnit>) {
    super('org.freedesktop.systemd1.Manager');
  }
  private unit(name: string): FakeUnit {
    let unit = this.units.get(name);
    if (unit === undefined) {
      unit = new FakeUnit('inactive', 'not-found');
      this.units.set(name, unit);
      this.bus.export(unitPath(name), unit);
    }
    return unit;
  }
  LoadUnit(name: string): string { this.unit(name); return unitPath(name); }
  Subscribe(): void { this.calls.push('Subscribe'); }
  private job(name: string, verb: string, state: string): string {
    this.calls.push(`${verb} ${name}`);
    const id = ++this.jobId;
    const path = `/org/freedesktop/systemd1/job/${id}`;
    // As systemd: the job finishes after the method has returned its path.
    setTimeout(() => {
      this.unit(name).activeState = state;
      this.JobRemoved(id, path, name, 'done');
    }, 20);
    return path;
  }
  StartUnit(name: string, _mode: string): string { return this.job(name, 'start', 'active'); }
  StopUnit(name: string, _mode: string): string { return this.job(name, 'stop', 'inactive'); }
  RestartUnit(name: string, _mode: string): string { return this.job(name, 'restart', 'active'); }
  ReloadUnit(name: string, _mode: string): string { return this.job(name, 'reload', 'active'); }
  ListUnits(): unknown[] {
    return [...this.units].filter(([, unit]) => unit.loadState !== 'not-found')
      .map(([name, unit]) => [name, '', unit.loadState, unit.activeState, '', '', unitPath(name), 0, '', '/']);
  }
  JobRemoved(id: number, path: string, unit: string, result: string): unknown[] { return [id, path, unit, result]; }
}
FakeManager.configureMembers({
  methods: {
    LoadUnit: { inSignature: 's', outSignature: 'o' },
    Subscribe: {},
    StartUnit: { inSignature: 'ss', outSignature: 'o' },
    StopUnit: { inSignature: 'ss', outSignature: 'o' },
    RestartUnit: { inSignature: 'ss', outSignature: 'o' },
    ReloadUnit: { inSignature: 'ss', outSignature: 'o' },
    ListUnits: { outSignature: 'a(ssssssouso)' },
  },
  signals: { JobRemoved: { signature: 'uoss' } },
});

test('DbusSystemdManager drives units over a real (private) D-Bus, against a fake systemd service', async () => {
  const temp = tempDir('dbus');
  const busAddress = `unix:path=${join(temp.dir, 'bus')}`;
  const daemon = execa('dbus-daemon', ['--session', '--nofork', '--nopidfile', `--address=${busAddress}`, '--print-address'], { buffer: false, reject: false });
  const serviceBus = () => dbus.sessionBus({ busAddress });
  let service: dbus.MessageBus | undefined;
  let manager: DbusSystemdManager | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      daemon.stdout?.once('data', () => resolve());
      daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
    });
    service = serviceBus();
    await service.requestName('org.freedesktop.systemd1', 0);
    const units = new Map<string, FakeUnit>([['web.service', new FakeUnit('inactive')]]);
    const fake = new FakeManager(service, units);
    service.export('/org/freedesktop/systemd1', fake);
    service.export(unitPath('web.service'), units.get('web.service') as FakeUnit);

    manager = new DbusSystemdManager(() => dbus.sessionBus({ busAddress }));
    const systemd = manager;
    const runner = new ProcessActionRunner({ systemd: () => systemd });
    const run = async (agent: string, action: string): Promise<number> =>
      (await runner.run({ resource: 'web', agent: parseAgentSpec(agent), action, params: {}, timeoutMs: 10_000 })).rc;

    assert.deepEqual(
      [await run('systemd:web', 'monitor'), await run('systemd:web', 'start'), await run('systemd:web', 'monitor'), await run('systemd:web', 'stop'), await run('systemd:web', 'monitor')],
      [OcfExit.NOT_RUNNING, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.SUCCESS, OcfExit.NOT_RUNNING],
    );
    assert.equal(await run('systemd:nothere', 'start'), OcfExit.ERR_INSTALLED);
    assert.deepEqual(fake.calls, ['Subscribe', 'start web.service', 'stop web.service']);
    assert.deepEqual(await manager.listServiceUnits(), ['web.service']);
  } finally {
    manager?.close();
    service?.disconnect();
    if (daemon.pid !== undefined) killPid(daemon.pid);
    await daemon.catch(() => undefined);
    temp.remove();
  }
});
