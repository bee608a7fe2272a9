import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompletionHub } from './completion-hub.js';

/** A source with `pending` requests in flight; `finished` of them are done and wait to be drained. */
function fakeSource(pending: number): { inFlight: number; finished: number; done: number; drainCompletions(): void } {
  return {
    inFlight: pending,
    finished: 0,
    done: 0,
    drainCompletions(): void {
      this.done += this.finished;
      this.inFlight -= this.finished;
      this.finished = 0;
    },
  };
}

/** Finishes one request of `source` as an I/O thread does: bumps the doorbell, and notifies unless the wake-up is to be lost. */
function post(hub: CompletionHub, source: { finished: number }, notify: boolean): void {
  const doorbell = new Int32Array(hub.doorbellMemory);
  source.finished++;
  Atomics.add(doorbell, 0, 1);
  if (notify) Atomics.notify(doorbell, 0);
}

test('a completion whose notify is lost is still delivered, by the stall check, and counted', async () => {
  const hub = new CompletionHub();
  const source = fakeSource(1);
  hub.register(source);
  hub.arm();
  post(hub, source, false); // posted, but never notified: the lost wake-up
  await sleep(400);
  assert.equal(source.done, 1, 'the completion was delivered');
  assert.equal(hub.stallRecoveries, 1);
  hub.unregister(source);
});

test('a notified completion is delivered at once, with no stall recovery', async () => {
  const hub = new CompletionHub();
  const source = fakeSource(2);
  hub.register(source);
  hub.arm();
  post(hub, source, true);
  await sleep(20);
  assert.equal(source.done, 1);
  // The second request stays in flight across several checks with nothing posted: not a stall.
  await sleep(350);
  assert.equal(hub.stallRecoveries, 0);
  post(hub, source, true);
  await sleep(20);
  assert.equal(source.done, 2);
  assert.equal(hub.stallRecoveries, 0);
  hub.unregister(source);
});
