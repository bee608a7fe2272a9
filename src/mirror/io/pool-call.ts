/**
 * One leg request on libuv's shared thread pool: the path a leg takes when
 * it is idle (see FileBlockDevice.run). A lone request answers sooner this
 * way than through the leg's own threads, because libuv tells the main
 * thread of its completion directly, without the V8 task Atomics.waitAsync
 * goes through (on 2 cores: about 10 us of a 4k write's 130 us round trip).
 */
import { fdatasync, read, write } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { LegIoError } from '../errors.js';
import { IoOp, type IoOpCode } from './ring-layout.js';

function failure(description: string, op: IoOpCode, offsetBytes: number, error: NodeJS.ErrnoException): LegIoError {
  const name = typeof error.errno === 'number' ? getSystemErrorName(error.errno) : (error.code ?? 'EIO');
  return new LegIoError(`${description}: ${op === IoOp.read ? 'read' : op === IoOp.flush ? 'flush' : 'write'} at ${offsetBytes} failed: ${name}`, { errno: error.errno }, error);
}

/**
 * Runs `op` on `block` at `offsetBytes` (whole length: short transfers are
 * continued, a read past the end of the file is zero-filled) and resolves
 * with the bytes moved. @throws LegIoError naming the errno.
 */
export function poolCall(description: string, fd: number, durableFd: number, op: IoOpCode, block: Uint8Array | undefined, offsetBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => reject(failure(description, op, offsetBytes, error));
    if (op === IoOp.flush || !block) {
      fdatasync(fd, (error) => (error ? fail(error) : resolve(0)));
      return;
    }
    const lengthBytes = block.length;
    const step = (done: number): void => {
      if (op === IoOp.read) {
        read(fd, block, done, lengthBytes - done, offsetBytes + done, (error, bytes) => {
          if (error) { fail(error); return; }
          if (bytes === 0) { block.fill(0, done); resolve(lengthBytes); return; }
          if (done + bytes < lengthBytes) step(done + bytes);
          else resolve(lengthBytes);
        });
        return;
      }
      write(op === IoOp.writeDurable ? durableFd : fd, block, done, lengthBytes - done, offsetBytes + done, (error, bytes) => {
        if (error) { fail(error); return; }
        if (done + bytes < lengthBytes) step(done + bytes);
        else resolve(lengthBytes);
      });
    };
    step(0);
  });
}
