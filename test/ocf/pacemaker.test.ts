// Pacemaker's own tools run tandem's launchers: crm_resource reads the
// meta-data and drives validate, force-start, force-check and force-stop
// through Pacemaker's executor library. Pacemaker looks for agents only under
// /usr/lib/ocf/resource.d, so the test links the launchers there under a
// provider name of its own and removes it when done.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { launcherPath, requireFile, scratchDir } from './helpers.js';
import { isAlive, killGroup, pidFromFile } from './app-fixtures.js';

const provider = `tdm-ocf-${process.pid}`;
const providerDir = `/usr/lib/ocf/resource.d/${provider}`;
const scratch = scratchDir('pacemaker');

function setUp(): void {
  requireFile('/usr/sbin/crm_resource', 'Debian package pacemaker-cli-utils');
  if (process.getuid?.() !== 0) throw new Error('linking agents into /usr/lib/ocf/resource.d needs root; run make test as root');
  mkdirSync(providerDir);
  for (const agent of ['Dummy', 'App']) symlinkSync(launcherPath(agent), join(providerDir, agent));
}

after(() => {
  rmSync(providerDir, { recursive: true, force: true });
  killGroup(pidFromFile(join(scratch, 'app.pid')));
  rmSync(scratch, { recursive: true, force: true });
});

function crmResource(agent: string, operation: string, options: Record<string, string>): { rc: number; output: string } {
  const args = ['--class', 'ocf', '--provider', provider, '--agent', agent, `--${operation}`];
  for (const [name, value] of Object.entries(options)) args.push('--option', `${name}=${value}`);
  const result = spawnSync('crm_resource', args, { encoding: 'utf8', timeout: 60_000 });
  return { rc: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

test('crm_resource shows the meta-data and drives tandem:Dummy through its life', () => {
  setUp();
  const metaData = spawnSync('crm_resource', ['--show-metadata', `ocf:${provider}:Dummy`], { encoding: 'utf8' });
  assert.equal(metaData.status, 0, metaData.stderr);
  assert.match(metaData.stdout, /<resource-agent name="Dummy"/);
  const options = { state: join(scratch, 'dummy.state') };
  const steps: [string, number][] = [['validate', 0], ['force-check', 7], ['force-start', 0], ['force-check', 0], ['force-start', 0], ['force-stop', 0], ['force-check', 7], ['force-stop', 0]];
  for (const [operation, rc] of steps) {
    const result = crmResource('Dummy', operation, options);
    assert.equal(result.rc, rc, `${operation}: ${result.output}`);
  }
});

test('crm_resource starts, checks and stops tandem:App (start returns though the app lives on)', () => {
  assert.ok(existsSync(providerDir), 'set up by the previous test');
  const options = { command: 'sleep', args: '1000', pidfile: join(scratch, 'app.pid'), logfile: join(scratch, 'app.log') };
  assert.equal(crmResource('App', 'validate', options).rc, 0);
  const started = crmResource('App', 'force-start', options);
  assert.equal(started.rc, 0, started.output);
  const pid = pidFromFile(options.pidfile);
  assert.ok(pid !== undefined && isAlive(pid));
  assert.equal(crmResource('App', 'force-check', options).rc, 0);
  assert.equal(crmResource('App', 'force-stop', options).rc, 0);
  assert.equal(isAlive(pid), false);
  assert.equal(crmResource('App', 'force-check', options).rc, 7);
  assert.equal(crmResource('App', 'validate', { ...options, command: '/usr/bin/tdm-no-such-binary' }).rc, 5);
});
