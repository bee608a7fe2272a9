/**
 * `tandem mirror create` over devices that already hold legs (a runbook's
 * create run again, a wrong device name) is refused, naming the volume it
 * would discard, and writes nothing, not even the other leg's new file;
 * --force creates the volume anyway.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Harness } from './helpers.js';

interface OfflineLeg { volumeUuid: string; legIndex?: number; legStates: string[] }

test('create refuses devices that hold a leg unless --force, and then writes nothing', async () => {
  const harness = await Harness.create('create');
  try {
    const legs = [harness.path('a.img'), harness.path('b.img')];
    const created = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'create', ...legs, '--size', '8M'])).stdout) as { volumeUuid: string };
    const status = async (): Promise<OfflineLeg[]> => JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'status', ...legs])).stdout) as OfflineLeg[];
    const before = await status();

    const again = await harness.tandem(['mirror', 'create', ...legs, '--size', '8M'], { reject: false });
    assert.equal(again.exitCode, 107, again.stderr);
    assert.match(again.stderr, new RegExp(`leg 0 \\(.*a\\.img\\) already holds leg 0 of volume ${created.volumeUuid} \\(released\\); creating a volume on it discards that volume's data: use --force`));
    // A new file for leg 0, the old leg 1: refused before the new file is made.
    const fresh = harness.path('fresh.img');
    const mixed = await harness.tandem(['mirror', 'create', fresh, legs[1]!, '--size', '8M'], { reject: false });
    assert.equal(mixed.exitCode, 107, mixed.stderr);
    assert.match(mixed.stderr, /leg 1 .* already holds leg 1 of volume/);
    assert.equal(existsSync(fresh), false, 'the other leg\'s file was not created');
    assert.deepEqual(await status(), before, 'the legs were not touched');

    const forced = JSON.parse((await harness.tandem(['--output', 'json', 'mirror', 'create', ...legs, '--size', '8M', '--force'])).stdout) as { volumeUuid: string };
    assert.notEqual(forced.volumeUuid, created.volumeUuid);
    assert.deepEqual((await status()).map((meta) => meta.volumeUuid), [forced.volumeUuid, forced.volumeUuid]);
  } finally {
    await harness.cleanup();
  }
});
