import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CibStore, CibStoreError, cibDigest } from './store.js';
import type { DurableFs } from './durable-fs.js';
import { emptyCib } from './empty.js';
import { cibHeader } from './model.js';

/** An in-memory directory: enough to check the store's decisions without a disk. */
function memoryFs(): DurableFs & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    readText: async (path) => files.get(path),
    writeSynced: async (path, text) => { files.set(path, text); },
    rename: async (from, to) => {
      const text = files.get(from);
      if (text === undefined) throw new Error(`no ${from}`);
      files.delete(from);
      files.set(to, text);
    },
    syncDir: async () => undefined,
    remove: async (path) => { files.delete(path); },
    list: async (dir) => [...files.keys()].filter((path) => path.startsWith(`${dir}/`)).map((path) => path.slice(dir.length + 1)),
    mkdirp: async () => undefined,
  };
}

function cibWithEpoch(epoch: number): ReturnType<typeof emptyCib> {
  const cib = emptyCib();
  cib.attrs['epoch'] = String(epoch);
  return cib;
}

test('saves keep the last N versions and load returns the newest', async () => {
  const fs = memoryFs();
  const store = new CibStore('/cib', fs, { keepVersions: 3 });
  assert.equal(await store.load(), undefined);
  for (let epoch = 1; epoch <= 5; epoch++) await store.save(cibWithEpoch(epoch));
  assert.deepEqual([...fs.files.keys()].filter((name) => /cib-\d+\.xml$/.test(name)).sort(), ['/cib/cib-3.xml', '/cib/cib-4.xml', '/cib/cib-5.xml']);
  const loaded = await store.load();
  assert.equal(loaded && cibHeader(loaded.cib).epoch, 5);
  assert.equal(fs.files.get('/cib/cib.xml.sig'), `${cibDigest(fs.files.get('/cib/cib.xml') ?? '')}\n`);
});

test('a corrupt, truncated or unsigned cib.xml is refused and the last good version used', async () => {
  const fs = memoryFs();
  const store = new CibStore('/cib', fs);
  await store.save(cibWithEpoch(1));
  await store.save(cibWithEpoch(2));
  fs.files.set('/cib/cib.xml', (fs.files.get('/cib/cib.xml') ?? '').slice(0, 40));
  const truncated = await new CibStore('/cib', fs).load();
  assert.equal(truncated && cibHeader(truncated.cib).epoch, 2);
  assert.match(truncated?.refused.join() ?? '', /cib\.xml: digest mismatch/);
  assert.equal(truncated?.file, '/cib/cib-2.xml');
  fs.files.delete('/cib/cib-2.xml.sig');
  const unsigned = await new CibStore('/cib', fs).load();
  assert.equal(unsigned && cibHeader(unsigned.cib).epoch, 1);
  assert.match(unsigned?.refused.join('\n') ?? '', /cib-2\.xml: no digest file/);
  // a file whose digest matches but which is not a CIB is refused too
  const notCib = '<?xml version="1.0"?>\n<cob/>\n';
  fs.files.set('/cib/cib-1.xml', notCib);
  fs.files.set('/cib/cib-1.xml.sig', cibDigest(notCib));
  await assert.rejects(new CibStore('/cib', fs).load(), (error: unknown) => error instanceof CibStoreError && /no whole CIB in \/cib/.test(error.message) && /expected <cib>/.test(error.message));
});
