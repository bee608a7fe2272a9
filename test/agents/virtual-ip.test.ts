/**
 * tandem:VirtualIP in network namespaces on one bridged segment: node-a and
 * node-b take turns holding the address, the peer watches (tcpdump, its
 * neighbour table) and answers DAD when it holds the address itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createLab, type Lab } from './netns-lab.js';
import { runAgent, runIn, runOcfTester, show } from './agent-runner.js';

const vip = '198.18.1.100';
const vip6 = '2001:db8:7::100';
const quick = { arp_count: '2', arp_interval_s: '1', dad_probes: '1' };

/** Starts tcpdump in host `name` and resolves once it listens; `done` gives what it printed. */
async function capture(lab: Lab, name: string, filter: string, packets: number): Promise<{ done: Promise<string> }> {
  const child = spawn('ip', ['netns', 'exec', lab.ns(name), 'timeout', '20', 'tcpdump', '-l', '-n', '-i', 'eth0', '-c', String(packets), filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  const done = new Promise<string>((resolve) => child.once('close', () => resolve(stdout)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { if (chunk.includes('listening on')) resolve(); });
    child.once('close', () => reject(new Error(`tcpdump in ${name} exited before listening`)));
  });
  return { done };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('VirtualIP: start/monitor/stop, announcements, moving between nodes, DAD, ocf-tester', async (t) => {
  const lab = createLab('vip', {
    a: ['198.18.1.1/24', '2001:db8:7::1/64'],
    b: ['198.18.1.2/24', '2001:db8:7::2/64'],
    peer: ['198.18.1.3/24', '2001:db8:7::3/64'],
  });
  const on = (name: string) => ({ placement: { netns: lab.ns(name) } });
  try {
    // Let the hosts' own IPv6 addresses finish DAD so that routes and sources exist.
    await waitFor(() => !['a', 'b', 'peer'].some((name) => lab.ip(name, ['-6', 'addr', 'show', 'tentative']).includes('inet6')), 'IPv6 DAD of the lab');

    await t.test('IPv4: the nic comes from the routing table; the peer sees gratuitous ARPs; idempotent', async () => {
      const params = { ip: vip, ...quick };
      assert.equal((await runAgent('VirtualIP', 'monitor', params, on('a'))).rc, 7);
      const arps = await capture(lab, 'peer', `arp and src host ${vip}`, 2);
      const started = await runAgent('VirtualIP', 'start', { ...params, label: 'eth0:vip', broadcast: '198.18.1.127' }, on('a'));
      assert.equal(started.rc, 0, show(started));
      const seen = await arps.done;
      const gratuitous = seen.split('\n').filter((line) => line.includes(`Request who-has ${vip} (ff:ff:ff:ff:ff:ff) tell ${vip}`));
      assert.equal(gratuitous.length, 2, seen);
      assert.match(lab.ip('a', ['addr', 'show', 'dev', 'eth0']), new RegExp(`inet ${vip.replace(/\./g, '\\.')}/24 brd 198\\.18\\.1\\.127 .*eth0:vip`));
      assert.equal((await runAgent('VirtualIP', 'start', params, on('a'))).rc, 0);
      assert.equal((await runAgent('VirtualIP', 'monitor', params, on('a'))).rc, 0);
      lab.ip('a', ['link', 'set', 'eth0', 'down']);
      const down = await runAgent('VirtualIP', 'monitor', params, on('a'));
      lab.ip('a', ['link', 'set', 'eth0', 'up']);
      // Link down flushed node-a's IPv6 address (keep_addr_on_down=0): put it back for the IPv6 case.
      lab.ip('a', ['addr', 'replace', '2001:db8:7::1/64', 'dev', 'eth0']);
      assert.equal(down.rc, 1, show(down));
      assert.match(down.exitReason ?? '', /interface eth0 carrying .* is down/);
    });

    await t.test('the address moves to node-b and the peer\'s neighbour entry follows', async () => {
      const params = { ip: vip, ...quick };
      const ping = await runIn({ netns: lab.ns('peer') }, ['ping', '-c', '1', '-W', '2', vip]);
      assert.equal(ping.rc, 0, ping.stdout);
      assert.match(lab.ip('peer', ['neigh', 'show', vip]), new RegExp(lab.mac('a')));
      assert.equal((await runAgent('VirtualIP', 'stop', params, on('a'))).rc, 0);
      assert.equal((await runAgent('VirtualIP', 'stop', params, on('a'))).rc, 0);
      assert.equal((await runAgent('VirtualIP', 'monitor', params, on('a'))).rc, 7);
      const replies = await capture(lab, 'peer', `arp and src host ${vip}`, 2);
      const started = await runAgent('VirtualIP', 'start', { ...params, arp_mode: 'reply' }, on('b'));
      assert.equal(started.rc, 0, show(started));
      assert.match(await replies.done, new RegExp(`Reply ${vip.replace(/\./g, '\\.')} is-at ${lab.mac('b')}`), 'arp_mode=reply sends ARP replies (arping -A)');
      assert.match(lab.ip('peer', ['neigh', 'show', vip]), new RegExp(lab.mac('b')), 'the gratuitous ARP updated the peer\'s entry');
      assert.equal((await runIn({ netns: lab.ns('peer') }, ['ping', '-c', '1', '-W', '2', vip])).rc, 0);
    });

    await t.test('IPv4 DAD: node-a refuses the address node-b holds unless allow_duplicate (ARP requests, and RFC 5227 probes)', async () => {
      for (const mode of ['request', 'rfc5227']) {
        const refused = await runAgent('VirtualIP', 'start', { ip: vip, ...quick, dad_mode: mode }, on('a'));
        assert.equal(refused.rc, 1, `${mode}: ${show(refused)}`);
        assert.match(refused.exitReason ?? '', new RegExp(`already in use .* by ${lab.mac('b')}`), mode);
        assert.doesNotMatch(lab.ip('a', ['addr', 'show', 'dev', 'eth0']), new RegExp(vip.replace(/\./g, '\\.')), mode);
        assert.doesNotMatch(lab.ip('a', ['neigh', 'show', vip]), /lladdr/, `${mode}: no neighbour entry left behind`);
      }
      const forced = await runAgent('VirtualIP', 'start', { ip: vip, ...quick, allow_duplicate: 'true' }, on('a'));
      assert.equal(forced.rc, 0, show(forced));
      assert.equal((await runAgent('VirtualIP', 'stop', { ip: vip }, on('a'))).rc, 0);
      assert.equal((await runAgent('VirtualIP', 'stop', { ip: vip }, on('b'))).rc, 0);
    });

    await t.test('IPv6: DAD passes, the peer sees unsolicited neighbour advertisements; DAD failure is refused', async () => {
      await waitFor(() => !lab.ip('a', ['-6', 'addr', 'show', 'tentative']).includes('inet6'), 'IPv6 DAD on node-a');
      const params = { ip: vip6, cidr_netmask: '64', ...quick };
      const adverts = await capture(lab, 'peer', `icmp6 and ip6[40] == 136 and src host ${vip6}`, 2);
      const started = await runAgent('VirtualIP', 'start', params, on('a'));
      assert.equal(started.rc, 0, show(started));
      assert.match(await adverts.done, new RegExp(`neighbor advertisement, tgt is ${vip6}`));
      assert.equal((await runAgent('VirtualIP', 'monitor', params, on('a'))).rc, 0);
      const taken = await runAgent('VirtualIP', 'start', params, on('b'));
      assert.equal(taken.rc, 1, show(taken));
      assert.match(taken.exitReason ?? '', /failed duplicate address detection/);
      assert.doesNotMatch(lab.ip('b', ['-6', 'addr', 'show', 'dev', 'eth0']), /2001:db8:7::100/);
      assert.equal((await runAgent('VirtualIP', 'stop', params, on('a'))).rc, 0);
      assert.equal((await runAgent('VirtualIP', 'monitor', params, on('a'))).rc, 7);
    });

    await t.test('no interface fits: a clear configuration error naming the parameters', async () => {
      const lost = await runAgent('VirtualIP', 'start', { ip: '198.19.200.1' }, on('a'));
      assert.equal(lost.rc, 6, show(lost));
      assert.match(lost.exitReason ?? '', /no interface has a connected route that contains 198\.19\.200\.1: set parameter 'nic'/);
      const bad = await runAgent('VirtualIP', 'validate-all', { ip: '198.18.1.300' }, on('a'));
      assert.equal(bad.rc, 6);
      assert.match(bad.exitReason ?? '', /parameter 'ip'/);
      const noNic = await runAgent('VirtualIP', 'validate-all', { ip: vip, nic: 'eth7', cidr_netmask: '24' }, on('a'));
      assert.equal(noNic.rc, 5);
      assert.match(noNic.exitReason ?? '', /parameter 'nic': interface 'eth7' does not exist/);
    });

    await t.test('ocf-tester passes inside a namespace', async () => {
      const tester = await runOcfTester('VirtualIP', { ip: '198.18.1.101', ...quick }, { netns: lab.ns('a') });
      assert.equal(tester.rc, 0, show(tester));
      assert.match(tester.stdout, /passed all tests/);
    });
  } finally {
    lab.destroy();
  }
});
