/**
 * Pacemaker 2.1's cluster options (crm_config) with their types and
 * defaults, as `pacemaker-schedulerd metadata` and `pacemaker-controld
 * metadata` print them.
 */
import { parseBoolean, parseIntervalMs } from './values.js';
import { parseScore } from './score.js';

export type ClusterOptionType = 'boolean' | 'integer' | 'time' | 'select' | 'string' | 'percentage';

export interface ClusterOptionSpec {
  type: ClusterOptionType;
  default: string;
  /** Allowed values of a `select` option. */
  values?: readonly string[];
}

export const clusterOptionSpecs: Readonly<Record<string, ClusterOptionSpec>> = {
  'no-quorum-policy': { type: 'select', default: 'stop', values: ['stop', 'freeze', 'ignore', 'demote', 'suicide'] },
  'symmetric-cluster': { type: 'boolean', default: 'true' },
  'maintenance-mode': { type: 'boolean', default: 'false' },
  'start-failure-is-fatal': { type: 'boolean', default: 'true' },
  'enable-startup-probes': { type: 'boolean', default: 'true' },
  'shutdown-lock': { type: 'boolean', default: 'false' },
  'shutdown-lock-limit': { type: 'time', default: '0' },
  'stonith-enabled': { type: 'boolean', default: 'true' },
  'stonith-action': { type: 'select', default: 'reboot', values: ['reboot', 'off', 'poweroff'] },
  'stonith-timeout': { type: 'time', default: '60s' },
  'have-watchdog': { type: 'boolean', default: 'false' },
  'concurrent-fencing': { type: 'boolean', default: 'false' },
  'startup-fencing': { type: 'boolean', default: 'true' },
  'priority-fencing-delay': { type: 'time', default: '0' },
  'cluster-delay': { type: 'time', default: '60s' },
  'batch-limit': { type: 'integer', default: '0' },
  'migration-limit': { type: 'integer', default: '-1' },
  'stop-all-resources': { type: 'boolean', default: 'false' },
  'stop-orphan-resources': { type: 'boolean', default: 'true' },
  'stop-orphan-actions': { type: 'boolean', default: 'true' },
  'remove-after-stop': { type: 'boolean', default: 'false' },
  'pe-error-series-max': { type: 'integer', default: '-1' },
  'pe-warn-series-max': { type: 'integer', default: '5000' },
  'pe-input-series-max': { type: 'integer', default: '4000' },
  'node-health-strategy': { type: 'select', default: 'none', values: ['none', 'migrate-on-red', 'only-green', 'progressive', 'custom'] },
  'node-health-base': { type: 'integer', default: '0' },
  'node-health-green': { type: 'integer', default: '0' },
  'node-health-yellow': { type: 'integer', default: '0' },
  'node-health-red': { type: 'integer', default: '-INFINITY' },
  'placement-strategy': { type: 'select', default: 'default', values: ['default', 'utilization', 'minimal', 'balanced'] },
  'dc-version': { type: 'string', default: 'none' },
  'cluster-infrastructure': { type: 'string', default: 'corosync' },
  'cluster-name': { type: 'string', default: '' },
  'dc-deadtime': { type: 'time', default: '20s' },
  'cluster-recheck-interval': { type: 'time', default: '15min' },
  'load-threshold': { type: 'percentage', default: '80%' },
  'node-action-limit': { type: 'integer', default: '0' },
  'fence-reaction': { type: 'string', default: 'stop' },
  'election-timeout': { type: 'time', default: '2min' },
  'shutdown-escalation': { type: 'time', default: '20min' },
  'join-integration-timeout': { type: 'time', default: '3min' },
  'join-finalization-timeout': { type: 'time', default: '30min' },
  'transition-delay': { type: 'time', default: '0s' },
  'stonith-watchdog-timeout': { type: 'time', default: '0' },
  'stonith-max-attempts': { type: 'integer', default: '10' },
  'enable-acl': { type: 'boolean', default: 'false' },
  'cluster-ipc-limit': { type: 'integer', default: '500' },
};

/** A typed option value: booleans, integers (scores allowed), times in ms, or text. */
export type ClusterOptionValue = boolean | number | string;

/**
 * Converts the text of an option to its typed value. Returns undefined when
 * the text does not fit the option's type (unknown options stay text).
 */
export function typedClusterOption(name: string, text: string): ClusterOptionValue | undefined {
  const spec = clusterOptionSpecs[name];
  if (!spec) return text;
  switch (spec.type) {
    case 'boolean': return parseBoolean(text);
    case 'integer': return parseScore(text);
    case 'time': return parseIntervalMs(text);
    case 'select': return spec.values?.includes(text) ? text : undefined;
    case 'percentage': return /^\d+%?$/.test(text.trim()) ? text : undefined;
    case 'string': return text;
  }
}
