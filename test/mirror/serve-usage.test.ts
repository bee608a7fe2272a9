/**
 * `tandem mirror serve` with bad tuning: a clear error naming the option,
 * the usage exit code, and the legs untouched (no claim written).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './helpers.js';

test('serve refuses bad tuning before touching the legs', async () => {
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
  } finally {
    await harness.cleanup();
  }
});
