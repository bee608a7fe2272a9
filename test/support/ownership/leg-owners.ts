/**
 * The owner each mirror leg records in its metadata (the newer of its two
 * header copies), read from the leg files the arrays serve. Reads share the
 * page cache with nbdkit's writes, so they see what the engine wrote.
 */
import { open } from 'node:fs/promises';
import { HEADER_BYTES, decodeHeader, headerOffset } from '../../../src/mirror/superblock.js';

/** The node that leg `file` names as owner ('' when released), or undefined when no header is valid. */
export async function legOwner(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(2 * HEADER_BYTES);
    await handle.read(buffer, 0, buffer.length, headerOffset(size, 0));
    const headers = [0, 1].map((slot) => decodeHeader(buffer.subarray(slot * HEADER_BYTES, (slot + 1) * HEADER_BYTES)))
      .filter((header) => header !== undefined)
      .sort((a, b) => b.sequence - a.sequence);
    return headers[0]?.owner.node;
  } finally {
    await handle.close();
  }
}
