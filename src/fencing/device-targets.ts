/**
 * Which fence device can fence which node, and under which plug name, as
 * Pacemaker's fencer decides it from the device's `pcmk_host_*` parameters:
 * - `pcmk_host_map` ("node1:plug1;node2:plug2"; `=` also separates, and
 *   space or comma separate pairs too) names the plug of each node;
 * - `pcmk_host_list` lists the nodes the device can fence;
 * - `pcmk_host_check`: `static-list` (the list/map decides), `dynamic-list`
 *   (the agent's `list` output decides), `status` (the agent's `status` for
 *   the plug decides), `none` (every node). Default: static-list when a list
 *   or map is set, else dynamic-list when the agent has a `list` action,
 *   else status when it has `status`, else none.
 * `pcmk_*` parameters are the fencer's and never reach the agent; the plug
 * goes in the parameter `pcmk_host_argument` names (default `plug`; `none`:
 * not passed). Pure: the agent's list output and status come from the caller.
 */
import { parseIntervalMs } from '../cib/values.js';

export type HostCheck = 'static-list' | 'dynamic-list' | 'status' | 'none';

export interface FenceDevice {
  id: string;
  /** The agent (fence_ipmilan ...). */
  type: string;
  /** Instance parameters, the fencer's `pcmk_*` ones included. */
  params: Readonly<Record<string, string>>;
}

/** Parses a host map: `node1:plug1;node2:plug2` (`=` also accepted, and space or comma between pairs). */
export function parseHostMap(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (text ?? '').split(/[;,\s]+/)) {
    const match = /^([^:=]+)[:=](.+)$/.exec(pair.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) map.set(match[1], match[2]);
  }
  return map;
}

/** The node names of `pcmk_host_list` (space, comma or semicolon separated). */
export function parseHostList(text: string | undefined): string[] {
  return (text ?? '').split(/[;,\s]+/).filter((name) => name !== '');
}

/**
 * How the device's targets are found (see the module comment).
 * @param agentActions the agent's actions from its meta-data, when known.
 */
export function hostCheckOf(device: FenceDevice, agentActions?: ReadonlySet<string>): HostCheck {
  const explicit = device.params.pcmk_host_check;
  if (explicit === 'static-list' || explicit === 'dynamic-list' || explicit === 'status' || explicit === 'none') return explicit;
  if (device.params.pcmk_host_list !== undefined || device.params.pcmk_host_map !== undefined) return 'static-list';
  if (agentActions?.has('list') === true) return 'dynamic-list';
  if (agentActions?.has('status') === true) return 'status';
  return 'none';
}

/** The plug (port) name of `target` on this device: its host-map entry, else the node name. */
export function plugFor(device: FenceDevice, target: string): string {
  return parseHostMap(device.params.pcmk_host_map).get(target) ?? target;
}

/** The plug names in an agent's `list` output: one per line, `plug[,alias]` or `plug alias`. */
export function parseListOutput(stdout: string): Set<string> {
  const plugs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const [first] = line.trim().split(/[,\s]+/);
    if (first !== undefined && first !== '') plugs.add(first);
  }
  return plugs;
}

export type Capability = { can: true; plug: string } | { can: false; reason: string };

/**
 * Whether `device` can fence `target`.
 * @param listed the plugs of the agent's `list` output (dynamic-list);
 * @param statusRc the agent's `status` exit for the plug (status: 0 on, 2 off
 * mean it knows the plug).
 */
export function canDeviceFence(device: FenceDevice, target: string, check: HostCheck, observed: { listed?: ReadonlySet<string>; statusRc?: number } = {}): Capability {
  const plug = plugFor(device, target);
  switch (check) {
    case 'none':
      return { can: true, plug };
    case 'static-list': {
      const known = parseHostList(device.params.pcmk_host_list).includes(target) || parseHostMap(device.params.pcmk_host_map).has(target);
      return known ? { can: true, plug } : { can: false, reason: `${target} is not in ${device.id}'s pcmk_host_list or pcmk_host_map` };
    }
    case 'dynamic-list':
      if (observed.listed === undefined) return { can: false, reason: `${device.id}: no list output` };
      return observed.listed.has(plug) ? { can: true, plug } : { can: false, reason: `${device.id}'s list does not name ${plug}` };
    case 'status':
      return observed.statusRc === 0 || observed.statusRc === 2 ? { can: true, plug } : { can: false, reason: `${device.id}'s status does not know ${plug}` };
  }
}

/** The options the agent gets: the device's parameters without the fencer's `pcmk_*`, and the plug. */
export function agentParams(device: FenceDevice, plug: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(device.params)) if (!name.startsWith('pcmk_')) params[name] = value;
  const argument = device.params.pcmk_host_argument ?? 'plug';
  // an explicit plug/port parameter wins, as with Pacemaker (a device for one fixed outlet)
  if (argument !== 'none' && params[argument] === undefined && (argument !== 'plug' || params.port === undefined)) params[argument] = plug;
  return params;
}

/**
 * The device's fixed delay before fencing `target`: `pcmk_delay_base` is one
 * time for every target, or a map `node1:5s;node2:0` (Pacemaker 2.1). A
 * target missing from the map or a bad value gives 0.
 */
export function delayBaseMs(device: FenceDevice, target: string): number {
  const text = device.params.pcmk_delay_base;
  if (text === undefined) return 0;
  const value = /[:=]/.test(text) ? parseHostMap(text).get(target) : text;
  return value === undefined ? 0 : parseIntervalMs(value) ?? 0;
}

/** The device's maximum random delay (`pcmk_delay_max`), 0 when unset or bad. */
export function delayMaxMs(device: FenceDevice): number {
  const text = device.params.pcmk_delay_max;
  return text === undefined ? 0 : parseIntervalMs(text) ?? 0;
}

/** The action names of a fence agent's meta-data (`<action name="list"/>` ...). */
export function agentActionsFromMetadata(xml: string): Set<string> {
  return new Set([...xml.matchAll(/<action\s+name="([^"]+)"/g)].map((match) => match[1] ?? ''));
}

/**
 * Time allowed to the agent for `action`: the device's `pcmk_<action>_timeout`
 * (off, reboot, list, status, monitor), else `defaultMs` (stonith-timeout).
 */
export function actionTimeoutMs(device: FenceDevice, action: string, defaultMs: number): number {
  const text = device.params[`pcmk_${action}_timeout`];
  const parsed = text === undefined ? undefined : parseIntervalMs(text);
  return parsed !== undefined && parsed > 0 ? parsed : defaultMs;
}
