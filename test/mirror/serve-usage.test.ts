/**
 * `tandem mirror serve` with bad tuning, and the offline commands (status,
 * release, resolve) with a bad --open-timeout: a clear error naming the
 * option, the usage exit code, and the legs untouched (no claim written,
 * none released).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './helpers.js';

test('serve refuses bad tuning, and the offline commands a bad --open-timeout, before touching the legs', async () => {
  const harness = await Harness.create('serveusage');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    await harness.tandem(['mirror', 'create', ...legs, '--size', '8M', '--assume-clean']);
    const serve = ['mirror', 'serve', ...legs, '--socket', harness.path('nbd.sock'), '--node', 'n1'];
    for (const [option, value, message] of [
      ['--open-timeout', '0', /--open-timeout: must be at least 1 ms/],
      ['--open-timeout', 'soon', /--open-timeout: 'soon' is not a whole number/],
      ['--io-threads', '0', /--io-threads: 0 is outside 1\.\.64/],
      ['--io-timeout', '-5', /--io-timeout: '-5' is not a whole number/],
    ] as const) {
      const result = await harness.tandem([...serve, option, value], { reject: false });
      assert.equal(result.exitCode, 64, `${option} ${value}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const metas = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as { owner: { node: string } }[];
    assert.deepEqual(metas.map((meta) => meta.owner.node), ['', ''], 'no claim was written');

    for (const offline of [['status', ...legs], ['release', ...legs, '--node', 'n1'], ['resolve', ...legs, '--keep', '0', '--force']]) {
      for (const value of ['0', 'soon']) {
        const result = await harness.tandem(['mirror', ...offline, '--open-timeout', value], { reject: false });
        assert.equal(result.exitCode, 64, `${offline[0]} --open-timeout ${value}: ${result.stderr}`);
        assert.match(result.stderr, /--open-timeout: /);
      }
    }
    for (const [command, message] of [['status', /status needs --control SOCKET \(a running engine\) or the two legs/], ['replace', /replace needs --control SOCKET \(a running engine\) or the two legs/]] as const) {
      const bare = await harness.tandem(['mirror', command, ...(command === 'replace' ? ['--leg', '1'] : [])], { reject: false });
      assert.equal(bare.exitCode, 64, bare.stderr);
      assert.match(bare.stderr, message);
    }
    const after = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs, '--open-timeout', '2000'])).stdout) as { legStates: string[] }[];
    assert.deepEqual(after.map((meta) => meta.legStates), [['in-sync', 'in-sync'], ['in-sync', 'in-sync']], 'resolve with a bad --open-timeout did not mark a leg failed');
  } finally {
    await harness.cleanup();
  }
});
