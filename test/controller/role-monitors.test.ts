/**
 * The controller with real executors (one ActionScheduler per node, real
 * agent processes, real timers), in-process: after a promote the
 * unpromoted role's recurring monitor is no longer run (it would answer 8,
 * "running promoted", which its rc 0 expectation counts as a failure), and
 * after a demote the promoted role's monitor is no longer run. The test
 * agent logs every call with its node and interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/clock.js';
import { logger } from '../../src/log.js';
import { ActionScheduler } from '../../src/executor/action-scheduler.js';
import { AgentLocator, defaultAgentPaths } from '../../src/executor/agent-locator.js';
import { ProcessActionRunner } from '../../src/executor/process-runner.js';
import { Controller } from '../../src/controller/controller.js';
import { NodeExecutor } from '../../src/controller/node-executor.js';
import { lrmOps } from '../../src/controller/op-history.js';
import { transientAttributes } from '../../src/controller/cib-edit.js';
import { twoNodeCib } from '../../src/controller/test-cib.js';
import { serializeXml, type XmlElement } from '../../src/cib/xml.js';
import { repoRoot } from '../support/paths.js';

const unpromotedMs = 1000;
const promotedMs = 2000;

function promotableXml(stateDir: string, calls: string): string {
  return `<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/><nvpair id="ms-c" name="clone-max" value="1"/></meta_attributes>
  <primitive id="s" class="ocf" provider="tdmtest" type="Promotable">
    <instance_attributes id="s-ia"><nvpair id="s-dir" name="state_dir" value="${stateDir}"/><nvpair id="s-calls" name="calls" value="${calls}"/></instance_attributes>
    <operations>
      <op id="s-mon-u" name="monitor" interval="${unpromotedMs / 1000}s" role="Unpromoted" timeout="10s"/>
      <op id="s-mon-p" name="monitor" interval="${promotedMs / 1000}s" role="Promoted" timeout="10s"/>
    </operations></primitive></clone>`;
}

/** Sets (or with undefined, removes) the location preference for the promoted role on `node`. */
function preferPromotedOn(cib: XmlElement, node: string, score: string | undefined): void {
  const constraints = cib.children.find((c) => c.name === 'configuration')?.children.find((c) => c.name === 'constraints');
  assert.ok(constraints);
  constraints.children = constraints.children.filter((c) => c.attrs.id !== 'prefer-promoted');
  if (score !== undefined) constraints.children.push({ name: 'rsc_location', attrs: { id: 'prefer-promoted', rsc: 'ms', role: 'Promoted', node, score }, children: [] });
}

/** The agent's call log: `NODE ACTION INTERVAL_MS RC` a line. */
function calls(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

test('after a promote the unpromoted monitor stops, after a demote the promoted one: no late result counts as a failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tdm-role-monitors-'));
  const callsPath = join(dir, 'calls');
  const locator = new AgentLocator({ ...defaultAgentPaths({}), ocfAgentDirs: [join(repoRoot, 'test/controller/fixtures/ocf')] });
  const runner = new ProcessActionRunner({ locator, killGraceMs: 500 });
  let controller: Controller | undefined;
  const executors = new Map(['node1', 'node2'].map((name) => [name, new NodeExecutor(new ActionScheduler({ runner }), (change) => controller?.recurringChanged(change.action, change.key, change.result))]));
  try {
    controller = new Controller(twoNodeCib(promotableXml(dir, callsPath)), {
      clock: systemClock, log: logger('role-monitors-test'), uuid: 'test-uuid', commit: async () => {},
      execute: async (action, key) => {
        const executor = executors.get(action.node);
        if (executor === undefined) throw new Error(`no node ${action.node}`);
        return executor.execute(action, key);
      },
    });
    controller.trigger('test');
    await controller.settled();
    const node = calls(callsPath).find((line) => line.includes(' start '))?.split(' ')[0] ?? '';
    assert.ok(node !== '', calls(callsPath).join('\n'));
    await sleep(unpromotedMs * 1.5);
    assert.ok(calls(callsPath).filter((line) => line === `${node} monitor ${unpromotedMs} 0`).length >= 2, calls(callsPath).join('\n'));

    controller.update((cib) => preferPromotedOn(cib, node, '100'), 'test: promote');
    await controller.settled();
    const promoted = calls(callsPath).lastIndexOf(`${node} promote 0 0`);
    assert.ok(promoted >= 0, calls(callsPath).join('\n'));
    await sleep(promotedMs * 2);
    const afterPromote = calls(callsPath).slice(promoted + 1);
    assert.deepEqual(afterPromote.filter((line) => line.includes(` monitor ${unpromotedMs} `)), [], `the unpromoted monitor ran after the promote:\n${afterPromote.join('\n')}`);
    assert.ok(afterPromote.filter((line) => line === `${node} monitor ${promotedMs} 8`).length >= 2, afterPromote.join('\n'));
    assert.deepEqual((lrmOps(controller.cib, node, 's:0') ?? []).map((op) => op.attrs.id).sort(), ['s:0_last_0', `s:0_monitor_${promotedMs}`], serializeXml(controller.cib));

    controller.update((cib) => preferPromotedOn(cib, node, '-INFINITY'), 'test: demote');
    await controller.settled();
    const demoted = calls(callsPath).lastIndexOf(`${node} demote 0 0`);
    assert.ok(demoted > promoted, calls(callsPath).join('\n'));
    await sleep(promotedMs * 1.5);
    const afterDemote = calls(callsPath).slice(demoted + 1);
    assert.deepEqual(afterDemote.filter((line) => line.includes(` monitor ${promotedMs} `)), [], `the promoted monitor ran after the demote:\n${afterDemote.join('\n')}`);
    assert.ok(afterDemote.filter((line) => line === `${node} monitor ${unpromotedMs} 0`).length >= 2, afterDemote.join('\n'));
    // Never a failure: no fail count, no failure entry, and the instance never stopped.
    assert.deepEqual([...transientAttributes(controller.cib, node).keys()].filter((name) => name.startsWith('fail-count-')), []);
    assert.ok(!(lrmOps(controller.cib, node, 's:0') ?? []).some((op) => op.attrs.id === 's:0_last_failure_0'));
    assert.deepEqual(calls(callsPath).filter((line) => line.includes(' stop ')), []);
  } finally {
    controller?.halt();
    for (const executor of executors.values()) executor.cancelAll();
    await controller?.settled();
    rmSync(dir, { recursive: true, force: true });
  }
});
