/**
 * Notifications for clones with notify=true, as Pacemaker's
 * pcmk__create_notifications: around each of the clone's stop, start,
 * demote and promote pseudo-actions, a pre-notification to every instance
 * active before it and a post-notification to every instance active after
 * it, each bracketed by pseudo-actions (pre_notify / confirmed-pre,
 * post_notify / confirmed-post). The notify actions carry the lists an
 * agent reads (CRM_meta_notify_start_uname ...).
 */
import type { Clone, Primitive } from './model.js';
import { metaTrue, primitivesOf } from './unpack-resources.js';
import type { GraphAction, GraphBuilder } from './graph.js';

const tasks: [string, string][] = [['demote', 'demoted'], ['stop', 'stopped'], ['start', 'running'], ['promote', 'promoted']];

function list(items: string[]): string {
  return items.length === 0 ? ' ' : items.join(' ');
}

/** The CRM_meta_notify_* lists (without the CRM_meta_ prefix) for the clone's actions in this transition. */
function notifyLists(builder: GraphBuilder, instances: Primitive[]): Record<string, string> {
  const lists: Record<string, string> = {};
  for (const [task] of tasks) {
    const actions = instances.flatMap((p) => builder.primitiveActions(p).filter((a) => a.operation === task).map((a) => [p.id, a.node] as const));
    lists[`notify_${task}_resource`] = list(actions.map(([id]) => id));
    lists[`notify_${task}_uname`] = list(actions.map(([, node]) => node));
  }
  const active = instances.filter((p) => p.runningOn[0] !== undefined);
  lists.notify_active_resource = list(active.map((p) => p.id));
  lists.notify_active_uname = list(active.map((p) => p.runningOn[0] as string));
  lists.notify_inactive_resource = list(instances.filter((p) => p.runningOn.length === 0).map((p) => p.id));
  const promoted = active.filter((p) => p.role === 'Promoted');
  const unpromoted = active.filter((p) => p.role !== 'Promoted');
  for (const name of ['promoted', 'master']) {
    lists[`notify_${name}_resource`] = list(promoted.map((p) => p.id));
    lists[`notify_${name}_uname`] = list(promoted.map((p) => p.runningOn[0] as string));
  }
  for (const name of ['unpromoted', 'slave']) {
    lists[`notify_${name}_resource`] = list(unpromoted.map((p) => p.id));
    lists[`notify_${name}_uname`] = list(unpromoted.map((p) => p.runningOn[0] as string));
  }
  return lists;
}

function usable(builder: GraphBuilder, node: string): boolean {
  const clusterNode = builder.ws.nodes.get(node);
  return clusterNode !== undefined && clusterNode.online && !clusterNode.unclean && !builder.ws.fencing.has(node);
}

/** Where an instance runs once the transition is done (undefined: stopped). */
function nodeAfter(builder: GraphBuilder, rsc: Primitive): string | undefined {
  const actions = builder.primitiveActions(rsc);
  const start = actions.find((a) => a.operation === 'start');
  if (start) return start.node;
  const stopped = new Set(actions.filter((a) => a.operation === 'stop').map((a) => a.node));
  return rsc.runningOn.find((node) => !stopped.has(node));
}

function notifyClone(builder: GraphBuilder, clone: Clone): void {
  const instances = clone.instances.flatMap(primitivesOf);
  const lists = notifyLists(builder, instances);
  let previousConfirmed: GraphAction | undefined;
  for (const [task, done] of tasks) {
    const begin = builder.find(`${clone.id}_${task}_0`, '');
    const end = builder.find(`${clone.id}_${done}_0`, '');
    if (!begin || !end) continue;
    const pre = builder.pseudo(clone.id, `pre_notify_${task}`);
    const confirmedPre = builder.pseudo(clone.id, `confirmed-pre_notify_${task}`);
    const post = builder.pseudo(clone.id, `post_notify_${done}`);
    const confirmedPost = builder.pseudo(clone.id, `confirmed-post_notify_${done}`);
    builder.order(previousConfirmed, pre);
    builder.order(pre, confirmedPre);
    builder.order(confirmedPre, begin);
    builder.order(end, post);
    builder.order(confirmedPre, post);
    builder.order(post, confirmedPost);
    const notify = (rsc: Primitive, node: string, type: 'pre' | 'post'): GraphAction => builder.add({
      kind: 'notify', key: `${rsc.id}_${type}_notify_${task}_0`, rsc: rsc.id, node, operation: 'notify', intervalMs: 0, targetRc: 0, pseudo: false,
      meta: { ...lists, notify_type: type, notify_operation: task, notify_key_type: type, notify_key_operation: type === 'pre' ? task : done },
    });
    for (const rsc of instances) {
      const before = rsc.runningOn[0];
      if (before !== undefined && usable(builder, before)) {
        const action = notify(rsc, before, 'pre');
        builder.order(pre, action);
        builder.order(action, confirmedPre);
      }
      const after = nodeAfter(builder, rsc);
      if (after !== undefined && usable(builder, after)) {
        const action = notify(rsc, after, 'post');
        builder.order(post, action);
        builder.order(action, confirmedPost);
      }
    }
    previousConfirmed = confirmedPost;
  }
}

/** Adds the notifications of every clone with notify=true. */
export function addNotifications(builder: GraphBuilder): void {
  for (const rsc of builder.ws.resources) {
    if (rsc.kind === 'clone' && metaTrue(rsc.meta, 'notify', false)) notifyClone(builder, rsc);
  }
}
