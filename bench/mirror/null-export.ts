/**
 * bench/mirror's floor for the engine's NBD server: the same server and
 * buffers as `tandem mirror serve`, in front of an export that does no I/O
 * (writes are dropped, reads answer with whatever a pool block holds). What
 * it reaches is the most the engine can reach on this machine while its
 * requests go through Node's event loop, whatever its legs do.
 *
 * Usage: node null-export.js SOCKET_PATH SIZE_BYTES (runs until killed).
 */
import { ioBuffers } from '../../src/mirror/buffer-pool.js';
import type { BlockExport } from '../../src/mirror/nbd/export.js';
import { NbdServer } from '../../src/mirror/nbd/server.js';

const [socketPath, sizeText] = process.argv.slice(2);
if (!socketPath || !sizeText) {
  process.stderr.write('usage: null-export.js SOCKET_PATH SIZE_BYTES\n');
  process.exit(2);
}

const nullExport: BlockExport = {
  sizeBytes: Number(sizeText),
  flushCoversAllConnections: true,
  read: (_offsetBytes, lengthBytes) => Promise.resolve(ioBuffers.take(lengthBytes)),
  write: (_offsetBytes, data) => { ioBuffers.give(data); return Promise.resolve(); },
  flush: () => Promise.resolve(),
  trim: () => Promise.resolve(),
  writeZeroes: () => Promise.resolve(),
  blockStatus: (_offsetBytes, lengthBytes) => Promise.resolve([{ lengthBytes, flags: 0 }]),
};

await new NbdServer(nullExport).listen({ socketPath });
