/**
 * The RPM: built by rpm/build.sh with Debian's rpmbuild, linted, installed
 * into a scratch root and removed again. Scriptlets are not run (--noscripts:
 * there is no systemd as PID 1 here); their text is checked instead.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../support/paths.js';
import { holdNamespaces, runOcfTester } from '../agents/agent-runner.js';
import { createLab } from '../agents/netns-lab.js';

const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
let rpmFile = '';
let scratchRoot = '';
// Debian's rpm keeps its database under ~/.rpmdb; name it as RHEL does.
const dbPath = ['--dbpath', '/var/lib/rpm'];

function filesUnder(dir: string, skip: (relative: string) => boolean): string[] {
  const found: string[] = [];
  const visit = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const relative = path.relative(dir, full);
      if (skip(relative)) continue;
      if (entry.isDirectory()) visit(full);
      else found.push(relative);
    }
  };
  visit(dir);
  return found;
}

before(async () => {
  const built = await execa('rpm/build.sh', { cwd: repoRoot, all: true, reject: false });
  assert.equal(built.exitCode, 0, `rpm/build.sh failed:\n${built.all}`);
  rpmFile = built.stdout.trim().split('\n').at(-1) ?? '';
  scratchRoot = mkdtempSync(path.join(tmpdir(), 'tandem-rpm-root-'));
  // A root directory is world-traversable; ocf-tester runs meta-data as nobody.
  chmodSync(scratchRoot, 0o755);
});

after(() => {
  if (scratchRoot) rmSync(scratchRoot, { recursive: true, force: true });
});

test('the package carries the version of package.json', async () => {
  const { stdout } = await execa('rpm', ['-qp', '--qf', '%{VERSION} %{ARCH}', rpmFile]);
  assert.equal(stdout, `${packageJson.version} noarch`);
});

test('rpmlint reports no errors (accepted findings are in rpm/tandem.rpmlintrc)', async () => {
  const result = await execa('rpmlint', ['-r', 'rpm/tandem.rpmlintrc', rpmFile], { cwd: repoRoot, all: true, reject: false });
  assert.match(result.all, / 0 errors, \d+ warnings/, result.all);
});

test('no scriptlet keeps an unexpanded macro', async () => {
  const { stdout } = await execa('rpm', ['-qp', '--scripts', rpmFile]);
  assert.match(stdout, /groupadd -r haclient/);
  // The systemd macros expanded (from the real macros or rpm/macros.shim).
  assert.match(stdout, /systemd-update-helper install-system-units tandem.service/);
  assert.match(stdout, /systemd-update-helper mark-restart-system-units tandem.service/);
  assert.doesNotMatch(stdout, /%\{?[a-z_]/, `leftover macro in:\n${stdout}`);
});

test('every bundled production package is declared as bundled(nodejs-NAME)', async () => {
  const { stdout } = await execa('rpm', ['-qp', '--provides', rpmFile]);
  const commander = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/commander/package.json'), 'utf8')) as { version: string };
  assert.ok(stdout.includes(`bundled(nodejs-commander) = ${commander.version}`), stdout);
  for (const name of ['xml2js', 'pino', 'execa', 'dbus-next']) assert.match(stdout, new RegExp(`bundled\\(nodejs-${name}\\) = `));
  const requires = (await execa('rpm', ['-qp', '--requires', rpmFile])).stdout;
  assert.match(requires, /^nodejs >= 20$/m);
  assert.doesNotMatch(requires, /\/usr\/bin\/env/);
});

test('installs into a scratch root, runs from there, and erases every file', async () => {
  await execa('rpm', ['--root', scratchRoot, ...dbPath, '--initdb']);
  await execa('rpm', ['-i', '--root', scratchRoot, ...dbPath, '--nodeps', '--noscripts', '--force-debian', rpmFile]);
  const installed = filesUnder(scratchRoot, (relative) => relative.startsWith('var/lib/rpm'));
  assert.ok(installed.includes('usr/sbin/tandem'));
  assert.ok(installed.includes('usr/lib/tandem/dist/src/cli/main.js'));
  assert.ok(installed.includes('usr/lib/tandem/dist/agents/builtin/worker.js'), 'the executor\'s agent worker is installed');
  assert.ok(installed.includes('usr/lib/tmpfiles.d/tandem.conf'));
  assert.ok(!installed.some((file) => file.endsWith('.test.js')), 'tests must not be packaged');
  const wrapper = readFileSync(path.join(scratchRoot, 'usr/sbin/tandem'), 'utf8');
  assert.match(wrapper, /^#!\/usr\/bin\/node\n/);

  const version = await execa('node', [path.join(scratchRoot, 'usr/lib/tandem/dist/src/cli/main.js'), '--output', 'json', 'version']);
  assert.deepEqual(JSON.parse(version.stdout), { version: packageJson.version });
  // The installed agents, found and run from the scratch root: OCF_ROOT for
  // the CLI, the bundle directory for the launchers (their installed lookup
  // is the absolute /usr/lib/tandem/ocf-bundle, outside the scratch root).
  const ocfRoot = path.join(scratchRoot, 'usr/lib/ocf');
  const agentEnv = { OCF_ROOT: ocfRoot, OCF_RA_PATH: path.join(ocfRoot, 'resource.d'), TANDEM_AGENT_BUNDLE_DIR: path.join(scratchRoot, 'usr/lib/tandem/ocf-bundle') };
  const listed = await execa('node', [path.join(scratchRoot, 'usr/lib/tandem/dist/src/cli/main.js'), '--output', 'json', 'ra', 'list', 'ocf:tandem'], { env: agentEnv });
  for (const agent of ['App', 'Database', 'Dummy', 'Mirror', 'PhysicalVolume', 'VirtualIP']) assert.ok(listed.stdout.includes(agent), `ra list lacks ${agent}: ${listed.stdout}`);
  for (const agent of ['App', 'Database', 'Dummy', 'Mirror', 'PhysicalVolume', 'VirtualIP']) {
    assert.equal(readlinkSync(path.join(ocfRoot, 'resource.d/tandem', agent)), '../../../tandem/ocf-launcher', `${agent} is a link to the one launcher`);
    const launcher = readFileSync(path.join(ocfRoot, 'resource.d/tandem', agent), 'utf8');
    assert.match(launcher, /^#!\/usr\/bin\/node\n/, `${agent} launcher interpreter`);
  }
  const stateDir = mkdtempSync(path.join(tmpdir(), 'tandem-rpm-agents-'));
  try {
    const legs = [`${stateDir}/leg-a.img`, `${stateDir}/leg-b.img`];
    await execa('node', [path.join(scratchRoot, 'usr/lib/tandem/dist/src/cli/main.js'), 'mirror', 'create', ...legs, '--size', '16M', '--assume-clean'], { env: { TANDEM_LOG_LEVEL: 'warn' } });
    const testers: Array<[string, string[]]> = [
      ['Dummy', ['-o', `state=${stateDir}/dummy.state`]],
      ['App', ['-o', `command=/bin/sleep`, '-o', 'args=600', '-o', `pidfile=${stateDir}/app.pid`, '-o', `logfile=${stateDir}/app.log`]],
      // Mirror runs the installed CLI beside its bundle: the engine, from the scratch root.
      ['Mirror', ['-o', `legs=${legs.join(' ')}`, '-o', `socket=${stateDir}/mirror.nbd`, '-o', `pidfile=${stateDir}/mirror.pid`, '-o', `logfile=${stateDir}/mirror.log`]],
    ];
    for (const [agent, params] of testers) {
      const tester = await execa('/usr/sbin/ocf-tester', ['-n', `tdm-rpm-${agent}`, ...params, path.join(ocfRoot, 'resource.d/tandem', agent)], { env: agentEnv, all: true, reject: false });
      assert.equal(tester.exitCode, 0, `ocf-tester on installed ${agent}:\n${tester.all}`);
      assert.match(tester.all, /passed all tests/);
    }
    // VirtualIP needs an interface of its own: a namespace made for it.
    const lab = createLab('rpm', { a: ['198.18.2.1/24'] });
    try {
      process.env['TANDEM_AGENT_BUNDLE_DIR'] = agentEnv.TANDEM_AGENT_BUNDLE_DIR;
      const tester = await runOcfTester('VirtualIP', { ip: '198.18.2.100', arp_count: '1', arp_interval_s: '1', dad_probes: '1' }, { netns: lab.ns('a') }, path.join(ocfRoot, 'resource.d/tandem/VirtualIP'));
      assert.equal(tester.rc, 0, `ocf-tester on installed VirtualIP:\n${tester.stdout}${tester.stderr}`);
    } finally {
      delete process.env['TANDEM_AGENT_BUNDLE_DIR'];
      lab.destroy();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  // Database on a fresh PostgreSQL 15 cluster, PhysicalVolume on an ext4
  // image in a private mount namespace: ocf-tester on the installed launchers.
  process.env['TANDEM_AGENT_BUNDLE_DIR'] = agentEnv.TANDEM_AGENT_BUNDLE_DIR;
  const work = mkdtempSync(path.join(tmpdir(), 'tandem-rpm-svc-'));
  chmodSync(work, 0o755);
  const { holder, placement } = await holdNamespaces({ seconds: 600 });
  try {
    const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).split(':');
    for (const directory of ['data', 'sock']) {
      mkdirSync(path.join(work, directory));
      chownSync(path.join(work, directory), Number(uid), Number(gid));
    }
    execFileSync('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/initdb', '-A', 'trust', '-D', path.join(work, 'data')], { stdio: 'ignore' });
    const database = await runOcfTester('Database', { pgdata: path.join(work, 'data'), bindir: '/usr/lib/postgresql/15/bin', pgport: '55432', socketdir: path.join(work, 'sock'), listen_addresses: '127.0.0.1' }, {}, path.join(ocfRoot, 'resource.d/tandem/Database'));
    assert.equal(database.rc, 0, `ocf-tester on installed Database:\n${database.stdout}${database.stderr}`);

    const image = path.join(work, 'volume.img');
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    // The mount happens in the holder's namespace only (nothing leaks to the host's).
    const volume = await runOcfTester('PhysicalVolume', { device: image, directory: path.join(work, 'mnt') }, placement, path.join(ocfRoot, 'resource.d/tandem/PhysicalVolume'));
    assert.equal(volume.rc, 0, `ocf-tester on installed PhysicalVolume:\n${volume.stdout}${volume.stderr}`);
  } finally {
    delete process.env['TANDEM_AGENT_BUNDLE_DIR'];
    holder.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  // The package carries the tested bundles and launchers unchanged.
  for (const bundle of readdirSync(path.join(repoRoot, 'dist/ocf-bundle'))) {
    assert.ok(readFileSync(path.join(scratchRoot, 'usr/lib/tandem/ocf-bundle', bundle)).equals(readFileSync(path.join(repoRoot, 'dist/ocf-bundle', bundle))), `${bundle} installed unchanged`);
  }
  for (const agent of ['App', 'Database', 'Dummy', 'Mirror', 'PhysicalVolume', 'VirtualIP']) {
    const installedLines = readFileSync(path.join(ocfRoot, 'resource.d/tandem', agent), 'utf8').split('\n');
    const sourceLines = readFileSync(path.join(repoRoot, 'ocf/resource.d/tandem', agent), 'utf8').split('\n');
    assert.deepEqual(installedLines.slice(1), sourceLines.slice(1), `${agent} launcher installed unchanged but for its interpreter line`);
  }

  const daemonHelp = await execa('node', [path.join(scratchRoot, 'usr/lib/tandem/dist/src/daemon/main.js'), '--help']);
  assert.match(daemonHelp.stdout, /--state-dir/);

  // The unit against the installed tree: ExecStart must exist there. Errors
  // of units it pulls in (sysinit.target is absent from a scratch root) are
  // not ours to judge, hence --recursive-errors=no.
  assert.ok(installed.includes('usr/sbin/tandemd'));
  assert.ok(installed.includes('usr/lib/systemd/system/tandem.service'));
  const verify = await execa('systemd-analyze', ['verify', `--root=${scratchRoot}`, '--man=no', '--recursive-errors=no', '/usr/lib/systemd/system/tandem.service'], { all: true, reject: false });
  assert.equal(verify.exitCode, 0, verify.all);

  await execa('rpm', ['-e', '--root', scratchRoot, ...dbPath, '--nodeps', '--noscripts', 'tandem']);
  const left = filesUnder(scratchRoot, (relative) => relative.startsWith('var/lib/rpm'));
  assert.deepEqual(left, [], `files left after rpm -e: ${left.join(', ')}`);
});
