/**
 * The three agents under real Pacemaker: a single-node corosync + pacemaker
 * started in the test's own network and mount namespace, with private
 * /etc/corosync, /var/lib/pacemaker, /var/lib/corosync, /var/log/pacemaker,
 * /dev/shm and /run, and the tandem agents visible under
 * /usr/lib/ocf/resource.d/tandem in that mount namespace only. The group
 * PhysicalVolume → Database → App → VirtualIP is configured with cibadmin,
 * starts, and recovers after the postmaster is killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/paths.js';
import { holdNamespaces, runIn, show, wrap } from './agent-runner.js';

const vip = '198.18.9.100';

function setupScript(root: string): string {
  return `set -e
mount --make-rprivate /
for d in /etc/corosync /var/lib/pacemaker /var/lib/corosync /var/log/pacemaker /dev/shm /run; do mount -t tmpfs tdm-agents $d; done
mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores /run/pacemaker
chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
chmod 750 /var/lib/pacemaker/*; chmod 770 /var/log/pacemaker
mkdir -p ${root}/resource.d ${root}/mnt ${root}/sock
ln -s /usr/lib/ocf/resource.d/heartbeat ${root}/resource.d/heartbeat
ln -s /usr/lib/ocf/resource.d/pacemaker ${root}/resource.d/pacemaker
ln -s ${repoRoot}/ocf/resource.d/tandem ${root}/resource.d/tandem
mount --bind ${root}/resource.d /usr/lib/ocf/resource.d
ip link set lo up
ip link add eth0 type veth peer name eth1
ip link set eth0 up; ip link set eth1 up
ip addr add 198.18.9.1/24 dev eth0
cat > /etc/corosync/corosync.conf <<EOC
totem {
  version: 2
  cluster_name: tdm-agents
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: 1000
}
nodelist {
  node {
    ring0_addr: 198.18.9.1
    name: ${hostname()}
    nodeid: 1
  }
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_stderr: yes
  to_logfile: no
  to_syslog: no
}
EOC
truncate -s 128M ${root}/vol.img
mkfs.ext4 -q -F ${root}/vol.img
chown postgres:postgres ${root}/sock
export OCF_ROOT=/usr/lib/ocf OCF_RESKEY_device=${root}/vol.img OCF_RESKEY_directory=${root}/mnt
/usr/lib/ocf/resource.d/tandem/PhysicalVolume start
mkdir ${root}/mnt/pgdata
chown postgres:postgres ${root}/mnt/pgdata
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -A trust -D ${root}/mnt/pgdata > /dev/null
/usr/lib/ocf/resource.d/tandem/PhysicalVolume stop
`;
}

function groupXml(root: string): string {
  const primitive = (id: string, type: string, params: Record<string, string>, monitor: string) => [
    `  <primitive id="${id}" class="ocf" provider="tandem" type="${type}">`,
    `    <instance_attributes id="${id}-params">`,
    ...Object.entries(params).map(([name, value]) => `      <nvpair id="${id}-${name}" name="${name}" value="${value}"/>`),
    '    </instance_attributes>',
    `    <operations><op id="${id}-monitor" name="monitor" ${monitor}/></operations>`,
    '  </primitive>',
  ].join('\n');
  return ['<group id="svc">',
    primitive('vol', 'PhysicalVolume', { device: `${root}/vol.img`, directory: `${root}/mnt` }, 'interval="10s" timeout="40s"'),
    primitive('db', 'Database', { pgdata: `${root}/mnt/pgdata`, socketdir: `${root}/sock` }, 'interval="3s" timeout="30s"'),
    primitive('app', 'App', { command: 'sleep', args: '3600', pidfile: `${root}/app.pid` }, 'interval="10s" timeout="20s"'),
    primitive('vip', 'VirtualIP', { ip: vip, arp_count: '1', dad_probes: '1' }, 'interval="10s" timeout="20s"'),
    '</group>', ''].join('\n');
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function loopsOf(file: string): string[] {
  const listing = execFileSync('losetup', ['--json', '--list', '--associated', file], { encoding: 'utf8' }).trim();
  return listing === '' ? [] : (JSON.parse(listing) as { loopdevices: { name: string }[] }).loopdevices.map((entry) => entry.name);
}

/** Pids whose network namespace is `netns` (the test's own: everything in it was started by the test). */
function pidsInNetns(netns: string): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) === netns;
    } catch {
      return false; // exited
    }
  });
}

test('under real Pacemaker: the group PhysicalVolume → Database → App → VirtualIP starts and recovers from a killed postmaster', async () => {
  const root = mkdtempSync('/tmp/tdm-agents-pcmk-');
  chmodSync(root, 0o755);
  const { holder, placement: inside } = await holdNamespaces({ network: true, seconds: 1800 });
  const netns = readlinkSync(`/proc/${holder.pid}/ns/net`);
  const sh = (script: string) => runIn(inside, ['sh', '-c', script]);
  const daemons: ChildProcess[] = [];
  const daemon = (name: string, argv: string[]): ChildProcess => {
    const log = openSync(path.join(root, `${name}.log`), 'a');
    const [file, ...args] = wrap(inside, argv);
    const child = spawn(file!, args, { stdio: ['ignore', log, log], env: { ...process.env, PCMK_logfile: '/var/log/pacemaker/pacemaker.log' } });
    daemons.push(child);
    return child;
  };
  const resourceRole = async (id: string): Promise<string> => {
    const xml = (await sh('crm_mon -1 --output-as=xml')).stdout;
    const element = new RegExp(`<resource id="${id}"[^>]*?\\srole="(\\w+)"`).exec(xml);
    return element?.[1] ?? 'unknown';
  };
  const postmaster = async (): Promise<number> => Number((await sh(`head -1 ${root}/mnt/pgdata/postmaster.pid`)).stdout.trim());
  try {
    const setup = await sh(setupScript(root));
    assert.equal(setup.rc, 0, show(setup));
    daemon('corosync', ['corosync', '-f']);
    await until('corosync quorum', 30_000, async () => /Quorate:\s+Yes/.test((await sh('corosync-quorumtool -s')).stdout));
    const pacemakerd = daemon('pacemakerd', ['pacemakerd', '-f']);
    await until('a DC', 60_000, async () => /Current DC: .* partition with quorum/.test((await sh('crm_mon -1')).stdout));
    writeFileSync(path.join(root, 'group.xml'), groupXml(root));
    const configured = await sh(`crm_attribute -t crm_config -n stonith-enabled -v false && crm_attribute -t crm_config -n dc-deadtime -v 2s && cibadmin -C -o resources -x ${root}/group.xml`);
    assert.equal(configured.rc, 0, show(configured));
    await until('the group to start', 120_000, async () => (await resourceRole('vip')) === 'Started');
    for (const id of ['vol', 'db', 'app']) assert.equal(await resourceRole(id), 'Started', id);
    assert.match((await sh(`findmnt -n -o FSTYPE ${root}/mnt`)).stdout, /ext4/);
    assert.match((await sh('ip -4 addr show dev eth0')).stdout, new RegExp(`inet ${vip.replace(/\./g, '\\.')}/24`));
    const query = await sh(`runuser -u postgres -- psql -X -A -t -h ${root}/sock -d postgres -c 'SELECT 40 + 2'`);
    assert.equal(query.stdout.trim(), '42', show(query));

    const killed = await postmaster();
    process.kill(killed, 'SIGKILL');
    await until('pacemaker to notice the failure', 60_000, async () => /value=1/.test((await sh('crm_failcount -G -r db -N "$(crm_node -n)"')).stdout));
    await until('the database to be restarted', 90_000, async () => (await resourceRole('db')) === 'Started' && (await postmaster()) !== killed);
    const failed = (await sh('crm_mon -1 -r')).stdout;
    // 'not running' normally; 'error' when the monitor caught the postmaster dying (pid there, socket gone).
    assert.match(failed, new RegExp(`db 3s-interval monitor on .* returned '(not running|error)' \\(postmaster pid ${killed} `), failed);
    assert.equal((await sh(`runuser -u postgres -- psql -X -A -t -h ${root}/sock -d postgres -c 'SELECT 1'`)).stdout.trim(), '1');
    // The group restarts what follows db (app, vip) after it.
    await until('app and vip to restart after db', 60_000, async () => (await resourceRole('vip')) === 'Started');
    assert.equal(await resourceRole('app'), 'Started');

    assert.equal((await sh('crm_resource -r svc --meta -p target-role -v Stopped')).rc, 0);
    await until('the group to stop', 120_000, async () => (await resourceRole('vol')) === 'Stopped');
    assert.equal((await sh(`findmnt ${root}/mnt`)).rc, 1, 'the volume is unmounted');
    assert.deepEqual(loopsOf(`${root}/vol.img`), [], 'the loop device is detached');
    pacemakerd.kill('SIGTERM');
  } finally {
    const [corosync, pacemakerd] = daemons;
    if (pacemakerd !== undefined && pacemakerd.exitCode === null) {
      pacemakerd.kill('SIGTERM');
      await until('pacemakerd to exit', 60_000, async () => pacemakerd.exitCode !== null || pacemakerd.signalCode !== null).catch((error: unknown) => console.error(error));
    }
    corosync?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const pid of pidsInNetns(netns)) if (pid !== holder.pid) process.kill(pid, 'SIGKILL');
    holder.kill('SIGKILL');
    try {
      for (const loop of loopsOf(`${root}/vol.img`)) execFileSync('losetup', ['--detach', loop]);
    } catch (error) {
      console.error('cleanup: losetup', error);
    }
    rmSync(root, { recursive: true, force: true });
  }
});
