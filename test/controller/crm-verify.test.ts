/** The status the controller writes is valid for Pacemaker's own checker (crm_verify as oracle). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { serializeXml } from '../../src/cib/xml.js';
import { opDigest } from '../../src/cib/op-digest.js';
import { OpStatus, recordOperation } from '../../src/controller/op-history.js';
import { dummyXml, node1, node2, twoNodeCib } from '../../src/controller/test-cib.js';

test('crm_verify accepts a CIB with recorded results, failures and fail counts', async () => {
  const cib = twoNodeCib(dummyXml('d1') + dummyXml('d2'));
  const rsc = (id: string) => ({ id, cls: 'ocf', provider: 'tandem', type: 'Dummy' });
  const base = { opStatus: OpStatus.done, opDigest: opDigest({ state: '/tmp/d1.state' }), startedAtMs: 1_700_000_000_000, execTimeMs: 5, queueTimeMs: 1 };
  recordOperation(cib, node1, rsc('d1'), { ...base, operation: 'start', intervalMs: 0, rc: 0, callId: 1, key: { actionId: 1, transitionId: 2, targetRc: 0, uuid: 'c0ffee' } });
  recordOperation(cib, node1, rsc('d1'), { ...base, operation: 'monitor', intervalMs: 10_000, rc: 7, callId: 2, exitReason: 'state file gone', key: { actionId: 2, transitionId: 2, targetRc: 0, uuid: 'c0ffee' } });
  recordOperation(cib, node2, rsc('d2'), { ...base, operation: 'monitor', intervalMs: 0, rc: 7, callId: 1, key: { actionId: 3, transitionId: 2, targetRc: 7, uuid: 'c0ffee' } });
  const dir = await mkdtemp(path.join(tmpdir(), 'tdm-controller-verify-'));
  try {
    const file = path.join(dir, 'cib.xml');
    await writeFile(file, serializeXml(cib, { declaration: true }));
    const verify = await execa('crm_verify', ['-V', '-x', file], { reject: false });
    assert.equal(verify.exitCode, 0, `crm_verify failed:\n${verify.stdout}\n${verify.stderr}`);
    // crm_simulate reads the same status: d1 failed on node1 and is recovered there
    const simulate = await execa('crm_simulate', ['-S', '-x', file], { reject: false, env: { LC_ALL: 'C' } });
    assert.equal(simulate.exitCode, 0, simulate.stderr);
    assert.match(simulate.stdout, /Recover\s+d1\s+\(\s*node1\s*\)/);
    assert.match(simulate.stdout, /d1\t\(ocf:tandem:Dummy\):\s+FAILED node1/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
