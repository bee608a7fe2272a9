/**
 * Kills a real writer process (SIGKILL) at random points while it saves
 * CIBs in a loop, many times, and checks that the store always loads a
 * whole, valid CIB that is not older than the last one reported saved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CibStore } from '../../src/cib/store.js';
import { nodeDurableFs } from '../../src/cib/durable-fs.js';
import { validateCib } from '../../src/cib/validate.js';
import { cibHeader } from '../../src/cib/model.js';

const writerScript = fileURLToPath(new URL('./crash-writer.js', import.meta.url));

interface Run { lastSaved: number }

async function runAndKill(dir: string, firstEpoch: number, killAfterMs: number, waitForSave: boolean): Promise<Run> {
  const writer = spawn(process.execPath, [writerScript, dir, String(firstEpoch)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lastSaved = 0;
  let stderr = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { signalReady = resolve; });
  writer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const match of chunk.matchAll(/saved (\d+)/g)) lastSaved = Math.max(lastSaved, Number(match[1]));
    if (/ready/.test(chunk) && !waitForSave) signalReady();
    if (/saved/.test(chunk)) signalReady();
  });
  writer.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => writer.on('exit', (_code, signal) => resolve(signal)));
  await Promise.race([ready, exited]);
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  writer.kill('SIGKILL');
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `writer ended on its own: ${stderr}`);
  return { lastSaved };
}

test('a writer killed at random points always leaves a whole, valid CIB', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tdm-cib-crash-'));
  try {
    let epoch = 1;
    let lastSaved = 0;
    let loadsFromArchive = 0;
    const kills = 40;
    for (let round = 0; round < kills; round++) {
      // kill anywhere from before the first save to several saves in (one save takes a few ms);
      // the first round waits for a save so there is always something to find
      const run = await runAndKill(dir, epoch, Math.floor(Math.random() * 120), round === 0);
      lastSaved = Math.max(lastSaved, run.lastSaved);
      const loaded = await new CibStore(dir, nodeDurableFs).load();
      if (lastSaved === 0 && loaded === undefined) continue;
      assert.ok(loaded, `round ${round}: nothing loaded although epoch ${lastSaved} was saved`);
      assert.deepEqual(validateCib(loaded.cib), [], `round ${round}: loaded CIB from ${loaded.file} is not valid`);
      const loadedEpoch = cibHeader(loaded.cib).epoch;
      assert.ok(loadedEpoch >= lastSaved, `round ${round}: loaded epoch ${loadedEpoch} older than saved ${lastSaved}`);
      if (loaded.refused.length > 0) loadsFromArchive++;
      epoch = loadedEpoch + 1;
      lastSaved = loadedEpoch;
    }
    assert.ok(lastSaved > 0, 'the writer never completed a save');
    // The store must also refuse a damaged current file and fall back.
    await writeFile(join(dir, 'cib.xml'), '<cib epoch="999"><configuration>');
    const fallback = await new CibStore(dir, nodeDurableFs).load();
    assert.ok(fallback && fallback.refused.length === 1, 'truncated cib.xml was not refused');
    assert.match(fallback.refused[0] ?? '', /digest mismatch/);
    assert.ok(cibHeader(fallback.cib).epoch <= lastSaved);
    assert.ok((await readdir(dir)).filter((name) => /^cib-\d+\.xml$/.test(name)).length <= 5, 'old versions not pruned');
    process.stdout.write(`# crash test: ${kills} kills, last epoch ${lastSaved}, ${loadsFromArchive} loads fell back to an archived version\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
