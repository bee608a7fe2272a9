/**
 * CIB versions as Pacemaker counts them: (admin_epoch, epoch, num_updates),
 * compared in that order. A configuration change bumps epoch and resets
 * num_updates; a status-only change bumps num_updates; admin_epoch only
 * changes by hand.
 */
import { cibHeader, type CibVersion } from './model.js';
import { canonicalEqual } from './canonical.js';
import { child, type XmlElement } from './xml.js';

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareVersions(a: CibVersion, b: CibVersion): number {
  return a.adminEpoch - b.adminEpoch || a.epoch - b.epoch || a.numUpdates - b.numUpdates;
}

export function formatVersion(version: CibVersion): string {
  return `${version.adminEpoch}.${version.epoch}.${version.numUpdates}`;
}

export function setVersion(cib: XmlElement, version: CibVersion): void {
  cib.attrs['admin_epoch'] = String(version.adminEpoch);
  cib.attrs['epoch'] = String(version.epoch);
  cib.attrs['num_updates'] = String(version.numUpdates);
}

/** The section that changed between two CIBs, which decides the counter to bump. */
export function changeScope(before: XmlElement, after: XmlElement): 'configuration' | 'status' | 'none' {
  const configBefore = child(before, 'configuration');
  const configAfter = child(after, 'configuration');
  const headerKeys = (cib: XmlElement): XmlElement => {
    const attrs = { ...cib.attrs };
    for (const counter of ['admin_epoch', 'epoch', 'num_updates', 'cib-last-written', 'update-origin', 'update-client', 'update-user', 'have-quorum', 'dc-uuid']) delete attrs[counter];
    return { name: cib.name, attrs, children: [] };
  };
  if (!canonicalEqual(headerKeys(before), headerKeys(after))) return 'configuration';
  if ((configBefore === undefined) !== (configAfter === undefined)) return 'configuration';
  if (configBefore && configAfter && !canonicalEqual(configBefore, configAfter)) return 'configuration';
  const statusBefore = child(before, 'status') ?? { name: 'status', attrs: {}, children: [] };
  const statusAfter = child(after, 'status') ?? { name: 'status', attrs: {}, children: [] };
  if (!canonicalEqual(statusBefore, statusAfter)) return 'status';
  if (before.attrs['have-quorum'] !== after.attrs['have-quorum'] || before.attrs['dc-uuid'] !== after.attrs['dc-uuid']) return 'status';
  return 'none';
}

/**
 * Gives `after` the version that follows `before` under Pacemaker's rules
 * (mutates `after`'s counters, keeps its admin_epoch if raised by hand).
 * Returns the scope of the change.
 */
export function bumpVersion(before: XmlElement, after: XmlElement): 'configuration' | 'status' | 'none' {
  const scope = changeScope(before, after);
  const old = cibHeader(before);
  const adminEpoch = Math.max(old.adminEpoch, cibHeader(after).adminEpoch);
  if (scope === 'configuration') setVersion(after, { adminEpoch, epoch: old.epoch + 1, numUpdates: 0 });
  else if (scope === 'status') setVersion(after, { adminEpoch, epoch: old.epoch, numUpdates: old.numUpdates + 1 });
  else setVersion(after, { adminEpoch, epoch: old.epoch, numUpdates: old.numUpdates });
  return scope;
}
