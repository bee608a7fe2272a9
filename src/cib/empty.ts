/** A new, empty CIB, as `cibadmin --empty` creates it. */
import type { XmlElement } from './xml.js';

/** Pacemaker 2.1.5's schema and feature set, what Debian 12 ships. */
export const DEFAULT_VALIDATE_WITH = 'pacemaker-3.9';
export const DEFAULT_CRM_FEATURE_SET = '3.16.1';

/** An empty CIB with all required sections; epoch 1 like cibadmin --empty. */
export function emptyCib(): XmlElement {
  const section = (name: string): XmlElement => ({ name, attrs: {}, children: [] });
  return {
    name: 'cib',
    attrs: { crm_feature_set: DEFAULT_CRM_FEATURE_SET, 'validate-with': DEFAULT_VALIDATE_WITH, epoch: '1', num_updates: '0', admin_epoch: '0' },
    children: [
      { name: 'configuration', attrs: {}, children: ['crm_config', 'nodes', 'resources', 'constraints'].map(section) },
      section('status'),
    ],
  };
}
