import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionRequest, ActionRunner, RunOutcome } from './action.js';
import { parseAgentSpec } from './agent-spec.js';
import { RoutingActionRunner } from './routing-runner.js';

class NamedRunner implements ActionRunner {
  readonly seen: string[] = [];
  constructor(private readonly rc: number) {}
  async run(request: ActionRequest): Promise<RunOutcome> {
    this.seen.push(request.resource);
    return { rc: this.rc, status: 'done', stdoutTail: '', stderrTail: '', outputTruncated: false };
  }
}

test('tandem agents go to their route, the rest to the fallback', async () => {
  const worker = new NamedRunner(0);
  const processes = new NamedRunner(7);
  const router = new RoutingActionRunner([{ matches: (agent) => agent.provider === 'tandem', runner: worker }], processes);
  const run = (resource: string, agent: string) => router.run({ resource, agent: parseAgentSpec(agent), action: 'monitor', params: {}, timeoutMs: 1000 });
  assert.equal((await run('a', 'ocf:tandem:Dummy')).rc, 0);
  assert.equal((await run('b', 'ocf:heartbeat:Dummy')).rc, 7);
  assert.equal((await run('c', 'lsb:tandem')).rc, 7);
  assert.deepEqual([worker.seen, processes.seen], [['a'], ['b', 'c']]);
});
