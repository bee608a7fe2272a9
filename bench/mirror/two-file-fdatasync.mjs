// What this disk charges for a write and fdatasync on two files at once
// (the mirror's two legs on one disk, as in bench/mirror) against one file
// (nbdkit's): the floor under the 4k randwrite fsync=1 ratio. Prints
// microseconds per round: a 4k write at a random offset to each file, then
// fdatasync of each, in parallel (libuv's pool).
// Usage: node bench/mirror/two-file-fdatasync.mjs [DIR] (default: the temp dir)
import { closeSync, fdatasync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'tdm-fdatasync-'));
const ROUNDS = 400;
const fds = ['a.img', 'b.img'].map((name) => openSync(join(dir, name), 'w+'));
try {
  for (const fd of fds) ftruncateSync(fd, 256 << 20);
  const block = Buffer.alloc(4096, 7);
  const sync = (fd) => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  for (const files of [1, 2, 1, 2]) {
    const started = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      const offset = Math.floor(Math.random() * 65536) * 4096;
      for (const fd of fds.slice(0, files)) writeSync(fd, block, 0, 4096, offset);
      await Promise.all(fds.slice(0, files).map(sync));
    }
    console.log(`${files} file(s): ${((performance.now() - started) * 1000 / ROUNDS).toFixed(0)} us per write + fdatasync round`);
  }
} finally {
  for (const fd of fds) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
