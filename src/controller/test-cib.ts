/**
 * CIBs for the controller's unit tests: two online nodes and Dummy
 * primitives, built with the controller's own membership writer.
 */
import { parseXml, type XmlElement } from '../cib/xml.js';
import { applyMembership } from './node-membership.js';

export const node1 = { id: '1', uname: 'node1' };
export const node2 = { id: '2', uname: 'node2' };

/** A CIB with `resourcesXml` in its resources section, stonith off, both nodes members. */
export function twoNodeCib(resourcesXml: string, constraintsXml = ''): XmlElement {
  const cib = parseXml(`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="5" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
      <nvpair id="opt-quorum" name="no-quorum-policy" value="ignore"/>
    </cluster_property_set></crm_config>
    <nodes/>
    <resources>${resourcesXml}</resources>
    <constraints>${constraintsXml}</constraints>
  </configuration>
  <status/>
</cib>`, 'test-cib');
  applyMembership(cib, [{ node: node1, member: true }, { node: node2, member: true }]);
  return cib;
}

/** A tandem:Dummy primitive with a 10 s monitor. */
export function dummyXml(id: string, stateFile = `/tmp/${id}.state`): string {
  return `<primitive id="${id}" class="ocf" provider="tandem" type="Dummy">
    <instance_attributes id="${id}-ia"><nvpair id="${id}-state" name="state" value="${stateFile}"/></instance_attributes>
    <operations><op id="${id}-monitor-10s" name="monitor" interval="10s" timeout="20s"/></operations>
  </primitive>`;
}
