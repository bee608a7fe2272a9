import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { withTempDir } from '../../../test/support/temp-dir.js';
import { FileBlockDevice } from '../file-device.js';
import { ioArena, ioBuffers } from '../buffer-pool.js';
import { LegIoError } from '../errors.js';
import { IoOp } from './ring-layout.js';
import { UringFileIo } from './uring-file-io.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('tdm-uring-', run);

test('libuv runs this kernel\'s file calls on io_uring only when the process starts with UV_USE_IO_URING=1, and the engine sees which', async () => {
  const probe = `import(${JSON.stringify(new URL('./uring-file-io.js', import.meta.url).href)}).then((m) => console.log(m.ioUringActive()))`;
  const on = await execa(process.execPath, ['-e', probe], { env: { UV_USE_IO_URING: '1' } });
  assert.equal(on.stdout.trim(), 'true', 'UV_USE_IO_URING=1: the main loop polls an io_uring (this kernel has io_uring and it is not disabled)');
  const off = await execa(process.execPath, ['-e', probe], { env: { UV_USE_IO_URING: '0' } });
  assert.equal(off.stdout.trim(), 'false');
});

test('io_uring requests: writes, FUA writes, flushes and reads land byte for byte; a read past the end reads zeroes', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'leg.img');
    const handle = await open(path, 'w+');
    const io = new UringFileIo('leg', handle.fd, handle.fd);
    const block = ioArena().tryTake(8192)!;
    try {
      block.fill(0x5a);
      assert.equal(await io.submit(IoOp.write, block, 4096), 8192);
      block.fill(0x33, 0, 4096);
      assert.equal(await io.submit(IoOp.writeDurable, block.subarray(0, 4096), 0), 4096);
      assert.equal(await io.submit(IoOp.flush, undefined, 0), 0);
      const onDisk = await readFile(path);
      assert.ok(onDisk.equals(Buffer.concat([Buffer.alloc(4096, 0x33), Buffer.alloc(8192, 0x5a)])));
      // The file is 12 KiB: the read's last 4 KiB lie past its end.
      assert.equal(await io.submit(IoOp.read, block, 8192), 8192);
      assert.ok(Buffer.from(block).equals(Buffer.concat([Buffer.alloc(4096, 0x5a), Buffer.alloc(4096)])));
      assert.equal(io.inFlight, 0);
      assert.equal(await io.idle(10), true);
    } finally {
      ioArena().give(block);
      await handle.close();
    }
  });
});

test('a failed io_uring request rejects with a LegIoError naming the errno', async () => {
  await withDir(async (dir) => {
    const directory = await open(dir, 'r');
    const io = new UringFileIo('dir-leg', directory.fd, directory.fd);
    try {
      await assert.rejects(io.submit(IoOp.read, new Uint8Array(4096), 0), (error: unknown) => error instanceof LegIoError && /dir-leg: read at 0 failed: EISDIR/.test(error.message));
      assert.equal(io.inFlight, 0);
    } finally {
      await directory.close();
    }
  });
});

test('a file leg sends a busy queue-depth-1 stream through io_uring and a deep one to its threads, with the same data either way', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'leg.img');
    const handle = await open(path, 'w');
    await handle.truncate(16 * 1024 * 1024);
    await handle.close();
    // The stream's pace comes from this clock: 0.1 ms between requests, 10k a second, whatever this machine's load.
    const clock = { nowMs: 0 };
    const device = await FileBlockDevice.open(path, { ioThreads: 1, ioUring: true, nowMs: () => (clock.nowMs += 0.1) });
    try {
      for (let index = 0; index < 300; index++) await device.write(index * 4096, Buffer.alloc(4096, index % 256), false);
      assert.equal(device.routed.uring + device.routed.threads, 300);
      assert.ok(device.routed.uring >= 200, `one request at a time, back to back: through io_uring once shown busy (${JSON.stringify(device.routed)})`);
      const before = { ...device.routed };
      await Promise.all(Array.from({ length: 200 }, (_unused, index) => device.write((300 + index) * 4096, Buffer.alloc(4096, index % 256), false)));
      assert.ok(device.routed.threads - before.threads >= 190, `a burst of 200: nearly all to the threads (${JSON.stringify(device.routed)})`);
      for (const [index, fill] of [[0, 0], [299, 299 % 256], [499, 199]] as const) {
        const back = await device.read(index * 4096, 4096);
        assert.ok(back.equals(Buffer.alloc(4096, fill)), `block ${index}`);
        ioBuffers.give(back);
      }
    } finally {
      await device.close();
    }
  });
});
