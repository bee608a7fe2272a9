import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { InlineGate } from './inline-gate.js';

const options = (clock: ManualClock) => ({ clock, maxBytes: 4096, slowCallMs: 1, windowCalls: 8, slowCallsToBackOff: 3, backoffMs: 1000, callsPerTurn: Infinity });

test('small requests run inline, large ones never', async () => {
  const gate = new InlineGate(options(new ManualClock()));
  assert.equal(gate.allows(4096), true);
  assert.equal(gate.allows(4097), false);
  assert.equal(await gate.run(() => 42), 42);
});

test('an inline call that throws becomes a rejected promise', async () => {
  const gate = new InlineGate(options(new ManualClock()));
  await assert.rejects(gate.run(() => { throw new Error('EIO'); }), /EIO/);
});

test('enough slow calls in one window send the leg to the pool until the backoff ends', async () => {
  const clock = new ManualClock();
  const gate = new InlineGate(options(clock));
  const slowCall = (): Promise<void> => gate.run(() => clock.advance(5));
  await slowCall();
  await slowCall();
  assert.equal(gate.allows(512), true, 'two slow calls may be preemptions');
  await slowCall();
  assert.equal(gate.allows(512), false);
  clock.advance(999);
  assert.equal(gate.allows(512), false);
  clock.advance(2);
  assert.equal(gate.allows(512), true);
});

test('slow calls spread over windows do not add up', async () => {
  const clock = new ManualClock();
  const gate = new InlineGate(options(clock));
  for (let window = 0; window < 4; window++) {
    await gate.run(() => clock.advance(5));
    await gate.run(() => clock.advance(5));
    for (let call = 0; call < 6; call++) await gate.run(() => undefined);
  }
  assert.equal(gate.allows(512), true);
});

test('only callsPerTurn calls per turn of the event loop run inline; the next turn may again', async () => {
  const gate = new InlineGate({ clock: new ManualClock(), callsPerTurn: 2 });
  await gate.run(() => undefined);
  assert.equal(gate.allows(512), true);
  await gate.run(() => undefined);
  assert.equal(gate.allows(512), false, 'a burst in one turn goes to the pool');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(gate.allows(512), true);
});
