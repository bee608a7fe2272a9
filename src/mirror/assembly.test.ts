import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, checkReturningLeg } from './assembly.js';
import { ChunkBitmap } from './bitmap.js';
import type { LegMetadata, LegState } from './superblock.js';

function leg(legIndex: number, legStates: LegState[], options: Partial<LegMetadata> = {}, dirty: number[] = []): LegMetadata {
  const bitmap = new ChunkBitmap(16);
  for (const chunk of dirty) bitmap.set(chunk);
  return {
    volumeUuid: '11111111-2222-3333-4444-555555555555', legIndex, legCount: 2, dataSizeBytes: 16 * 4096, chunkSizeBytes: 4096,
    sequence: 1, eventCounter: 5, clean: true, legStates, owner: { node: '', epoch: 2, claimedAtMs: 0 }, createdAtMs: 0, bitmap, ...options,
  };
}

const me = { node: 'n1', force: false };

test('two clean current legs assemble in sync', () => {
  const result = assemble([leg(0, ['in-sync', 'in-sync']), leg(1, ['in-sync', 'in-sync'])], me);
  assert.deepEqual(result.roles, ['current', 'current']);
  assert.equal(result.crashed, false);
  assert.equal(result.claimEpoch, 2);
});

test('a leg the other recorded as failed is stale; dirty chunks are the union', () => {
  const result = assemble([leg(0, ['in-sync', 'failed'], { eventCounter: 9 }, [1, 2]), leg(1, ['in-sync', 'in-sync'], {}, [2, 3])], me);
  assert.deepEqual(result.roles, ['current', 'stale']);
  assert.deepEqual(result.dirty.setChunks(), [1, 2, 3]);
  assert.equal(result.sourceLeg, 0);
});

test('a missing leg leaves the other current; a crash is reported', () => {
  const result = assemble([undefined, leg(1, ['in-sync', 'in-sync'], { clean: false }, [4])], me);
  assert.deepEqual(result.roles, ['missing', 'current']);
  assert.equal(result.crashed, true);
});

test('split brain is refused', () => {
  assert.throws(() => assemble([leg(0, ['in-sync', 'failed']), leg(1, ['failed', 'in-sync'])], me), { code: 'E_SPLIT_BRAIN', exitCode: 107 });
});

test('after resolve (the dropped leg marks itself failed) the kept leg is the source', () => {
  const result = assemble([leg(0, ['in-sync', 'failed']), leg(1, ['in-sync', 'failed'])], me);
  assert.deepEqual(result.roles, ['current', 'stale']);
});

test('a claim held by another node is refused unless forced', () => {
  const claimed = [leg(0, ['in-sync', 'in-sync'], { owner: { node: 'n2', epoch: 4, claimedAtMs: 0 } }), leg(1, ['in-sync', 'in-sync'])];
  assert.throws(() => assemble(claimed, me), { code: 'E_CLAIMED' });
  assert.equal(assemble(claimed, { node: 'n1', force: true }).claimEpoch, 4);
  assert.equal(assemble(claimed, { node: 'n2', force: false }).previousOwner, 'n2');
});

test('only a stale leg present is refused; legs of different volumes are refused', () => {
  assert.throws(() => assemble([undefined, leg(1, ['in-sync', 'failed'])], me), { code: 'E_ONLY_STALE' });
  assert.throws(() => assemble([leg(0, ['in-sync', 'in-sync']), leg(1, ['in-sync', 'in-sync'], { volumeUuid: '99999999-2222-3333-4444-555555555555' })], me), { code: 'E_METADATA' });
  assert.throws(() => assemble([leg(1, ['in-sync', 'in-sync']), leg(0, ['in-sync', 'in-sync'])], me), { code: 'E_METADATA' });
  assert.throws(() => assemble([undefined, undefined], me), { code: 'E_NO_LEG' });
});

test('a returning leg is admitted unless it is another leg or was written alone', () => {
  const expected = { volumeUuid: '11111111-2222-3333-4444-555555555555', legIndex: 1, dataSizeBytes: 16 * 4096 };
  const ours = leg(0, ['in-sync', 'failed']);
  assert.doesNotThrow(() => checkReturningLeg(ours, leg(1, ['in-sync', 'in-sync']), expected));
  assert.throws(() => checkReturningLeg(ours, leg(1, ['failed', 'in-sync']), expected), { code: 'E_SPLIT_BRAIN' });
  assert.throws(() => checkReturningLeg(ours, leg(0, ['in-sync', 'in-sync']), expected), { code: 'E_WRONG_LEG' });
});
