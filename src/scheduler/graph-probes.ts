/**
 * Probes, as Pacemaker's pcmk__schedule_probes: on every online node that
 * is not to be fenced, each resource whose state there is unknown (no
 * history) is probed (monitor, interval 0, expecting "not running") before
 * it may start anywhere. A probe on a node that has not finished joining
 * (pending) cannot run, so the resource cannot start in this transition.
 * enable-startup-probes=false turns probing off.
 * An anonymous clone is probed once per node (the instance placed there,
 * else the first); a unique clone instance by instance.
 */
import type { Clone, Primitive, Resource, WorkingSet } from './model.js';
import { primitivesOf, topOf } from './unpack-resources.js';
import type { GraphBuilder } from './graph.js';

export interface ProbeTarget {
  rsc: Primitive;
  node: string;
  /** False on a pending node: the probe cannot run and the resource cannot start. */
  runnable: boolean;
}

function anonymousInstanceFor(clone: Clone, node: string): Resource | undefined {
  return clone.instances.find((i) => primitivesOf(i).some((p) => p.assignedTo === node)) ?? clone.instances[0];
}

function knownOn(rsc: Resource, node: string): boolean {
  return primitivesOf(rsc).some((p) => primitiveKnownOn(p, node));
}

function primitiveKnownOn(rsc: Primitive, node: string): boolean {
  const history = rsc.history.get(node);
  return history !== undefined && history.unknown !== true;
}

function probesOf(rsc: Resource, node: string, out: ProbeTarget[], runnable: boolean): void {
  if (rsc.kind === 'primitive') {
    if (!rsc.orphan && !primitiveKnownOn(rsc, node)) out.push({ rsc, node, runnable });
    return;
  }
  if (rsc.kind === 'group') {
    for (const child of rsc.children) probesOf(child, node, out, runnable);
    return;
  }
  if (rsc.uniqueInstances) {
    for (const instance of rsc.instances) probesOf(instance, node, out, runnable);
    return;
  }
  // An anonymous clone's state on a node is known once any instance was seen there.
  if (rsc.instances.some((i) => knownOn(i, node))) return;
  const instance = anonymousInstanceFor(rsc, node);
  if (instance) probesOf(instance, node, out, runnable);
}

/** The probes the transition needs, node by node in configuration order. */
export function probeTargets(ws: WorkingSet): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  if (!ws.options.startupProbes) return out;
  for (const name of ws.nodeOrder) {
    const node = ws.nodes.get(name);
    if (!node || !node.online || node.unclean || ws.fencing.has(name)) continue;
    for (const rsc of ws.resources) probesOf(rsc, name, out, !node.pending);
  }
  return out;
}

/** Top-level resources that cannot start because a probe of theirs cannot run. */
export function unprobeable(targets: ProbeTarget[]): Set<Resource> {
  const blocked = new Set<Resource>();
  for (const target of targets) if (!target.runnable) blocked.add(topOf(target.rsc));
  return blocked;
}

/** Adds the runnable probes, each ordered before the start of its top-level resource. */
export function addProbes(builder: GraphBuilder, targets: ProbeTarget[]): void {
  for (const { rsc, node, runnable } of targets) {
    if (!runnable) continue;
    const probe = builder.add({ kind: 'probe', key: `${rsc.id}_monitor_0`, rsc: rsc.id, node, operation: 'monitor', intervalMs: 0, targetRc: 7, pseudo: false });
    builder.order(builder.find(`stonith-${node}-on`, node), probe);
    const top = topOf(rsc);
    if (top.kind === 'primitive') {
      for (const start of builder.primitiveActions(top).filter((a) => a.operation === 'start')) builder.order(probe, start);
    } else {
      builder.order(probe, builder.find(`${top.id}_start_0`, ''));
    }
  }
}
