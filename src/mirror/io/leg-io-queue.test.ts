import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../../../test/support/temp-dir.js';
import { FileBlockDevice } from '../file-device.js';
import { ioArena, ioBuffers } from '../buffer-pool.js';
import { LegIoError } from '../errors.js';
import { LegIoQueue } from './leg-io-queue.js';
import { IoOp } from './ring-layout.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('tdm-legio-', run);

/** `data` copied into a buffer of the pool, as an NBD write payload arrives (an arena block when one fits). */
function inPoolBuffer(data: Buffer): Buffer {
  const block = ioBuffers.take(data.length);
  data.copy(block);
  return block;
}

for (const ioUring of [false, true]) {
  const way = ioUring ? 'io_uring for shallow streams' : 'threads only';
  test(`writes and reads of every size come back byte for byte, from arena blocks and plain buffers alike (${way})`, async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'leg.img');
      const handle = await open(path, 'w');
      await handle.truncate(32 * 1024 * 1024);
      await handle.close();
      const device = await FileBlockDevice.open(path, { ioThreads: 3, ioUring });
      const blocksBefore = ioArena().blocksInUse;
      try {
        // 9 MiB is larger than the largest arena block: it goes in pieces.
        const cases = [{ offset: 0, bytes: 4096 }, { offset: 65536 + 512, bytes: 1000 }, { offset: 1 << 20, bytes: 1 << 20 }, { offset: 3 << 20, bytes: 9 << 20 }];
        await Promise.all(cases.map(async ({ offset, bytes }, index) => {
          const data = randomBytes(bytes);
          // Half the writes come from an arena block, as NBD payloads do; the rest are copied in by the device.
          const payload = index % 2 === 0 ? inPoolBuffer(data) : data;
          await device.write(offset, payload, index === 3);
          ioBuffers.give(payload);
          const back = await device.read(offset, bytes);
          assert.ok(back.equals(data), `${bytes} bytes at ${offset}`);
          ioBuffers.give(back);
        }));
        await device.flush();
        const onDisk = await readFile(path);
        assert.equal(onDisk.length, 32 * 1024 * 1024);
      } finally {
        await device.close();
      }
      assert.equal(ioArena().blocksInUse, blocksBefore, 'every block went back to the arena');
    });
  });

  test(`a read past the end of the file reads as zeroes (${way})`, async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'short.img');
      const handle = await open(path, 'w');
      await handle.write(Buffer.alloc(4096, 0xab), 0, 4096, 0);
      await handle.close();
      const device = await FileBlockDevice.open(path, { ioThreads: 1, ioUring });
      try {
        const back = await device.read(2048, 4096);
        assert.ok(back.subarray(0, 2048).equals(Buffer.alloc(2048, 0xab)));
        assert.ok(back.subarray(2048).equals(Buffer.alloc(2048)));
        ioBuffers.give(back);
      } finally {
        await device.close();
      }
    });
  });

}

test('a failed call rejects with a LegIoError naming the errno, and the queue goes on', async () => {
  await withDir(async (dir) => {
    // A directory's descriptor: pread fails with EISDIR, as a dead array fails with EIO.
    const directory = await open(dir, 'r');
    const queue = new LegIoQueue({ description: 'dir-leg', fd: directory.fd, durableFd: directory.fd, arena: ioArena(), threads: 1 });
    const block = ioArena().tryTake(4096)!;
    try {
      await assert.rejects(queue.submit(IoOp.read, block, 0), (error: unknown) => error instanceof LegIoError && /dir-leg: read at 0 failed: EISDIR/.test(error.message));
      await assert.rejects(queue.submit(IoOp.read, block, 4096), /EISDIR/);
      assert.equal(queue.inFlight, 0);
    } finally {
      ioArena().give(block);
      await queue.close();
      await directory.close();
    }
  });
});

test('a block not from the arena is refused; after close, requests are refused', async () => {
  await withDir(async (dir) => {
    const handle = await open(join(dir, 'leg.img'), 'w+');
    const queue = new LegIoQueue({ description: 'leg', fd: handle.fd, durableFd: handle.fd, arena: ioArena(), threads: 2 });
    try {
      await assert.rejects(queue.submit(IoOp.write, Buffer.alloc(4096), 0), RangeError);
      await queue.close();
      const block = ioArena().tryTake(4096)!;
      await assert.rejects(queue.submit(IoOp.write, block, 0), /closed/);
      ioArena().give(block);
    } finally {
      await queue.close();
      await handle.close();
    }
  });
});

test('many requests at once: more than the ring has slots, all complete', async () => {
  await withDir(async (dir) => {
    const handle = await open(join(dir, 'leg.img'), 'w+');
    await handle.truncate(8 * 1024 * 1024);
    const queue = new LegIoQueue({ description: 'leg', fd: handle.fd, durableFd: handle.fd, arena: ioArena(), threads: 2, slotCount: 8 });
    try {
      const blocks = Array.from({ length: 64 }, (_unused, index) => { const block = ioArena().tryTake(4096)!; block.fill(index); return block; });
      const written = await Promise.all(blocks.map((block, index) => queue.submit(IoOp.write, block, index * 4096)));
      assert.deepEqual(written, blocks.map(() => 4096));
      const check = Buffer.alloc(64 * 4096);
      await handle.read(check, 0, check.length, 0);
      for (let index = 0; index < 64; index++) assert.equal(check[index * 4096 + 100], index, `block ${index}`);
      for (const block of blocks) ioArena().give(block);
    } finally {
      await queue.close();
      await handle.close();
    }
  });
});
