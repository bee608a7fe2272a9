/**
 * Child process of the crash-during-write test: saves CIBs with rising
 * epochs into a store directory forever, printing each epoch once it is
 * saved, until the test kills it with SIGKILL.
 */
import { CibStore } from '../../src/cib/store.js';
import { nodeDurableFs } from '../../src/cib/durable-fs.js';
import { emptyCib } from '../../src/cib/empty.js';
import { child } from '../../src/cib/xml.js';

const dir = process.argv[2];
const firstEpoch = Number(process.argv[3] ?? '1');
if (dir === undefined) throw new Error('usage: crash-writer DIR [FIRST_EPOCH]');
const store = new CibStore(dir, nodeDurableFs, { keepVersions: 5 });
// the test times its kill from here, so node's start-up time does not matter
process.stdout.write('ready\n');
for (let epoch = firstEpoch; ; epoch++) {
  const cib = emptyCib();
  cib.attrs['epoch'] = String(epoch);
  const resources = child(child(cib, 'configuration') ?? cib, 'resources');
  // enough primitives that a write takes a while and a kill lands inside it
  for (let index = 0; index < 300; index++) {
    resources?.children.push({ name: 'primitive', attrs: { id: `r${index}`, class: 'ocf', provider: 'heartbeat', type: 'Dummy' }, children: [
      { name: 'instance_attributes', attrs: { id: `r${index}-instance_attributes` }, children: [
        { name: 'nvpair', attrs: { id: `r${index}-instance_attributes-state`, name: 'state', value: `/run/r${index}-${epoch}` }, children: [] },
      ] },
    ] });
  }
  await store.save(cib);
  process.stdout.write(`saved ${epoch}\n`);
}
