/**
 * Generated CIBs for the scheduler benchmark: 16 nodes, N Dummy primitives in
 * chains of four (each colocated with and ordered after the previous one),
 * a location preference per chain, and a status section where everything
 * already runs where it should (start and monitor recorded with matching
 * digests), so a correct scheduler decides "no actions".
 */
import { opDigest } from '../../src/cib/op-digest.js';

export const nodeCount = 16;

function nodeName(index: number): string {
  return `node${String(index + 1).padStart(2, '0')}`;
}

function rscName(index: number): string {
  return `rsc${String(index).padStart(5, '0')}`;
}

/** The node chain `index` runs on. */
function homeNode(index: number): number {
  return Math.floor(index / 4) % nodeCount;
}

export function generateCib(primitiveCount: number): string {
  const out: string[] = [];
  out.push('<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">');
  out.push('  <configuration>');
  out.push('    <crm_config>');
  out.push('      <cluster_property_set id="cib-bootstrap-options">');
  out.push('        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>');
  out.push('        <nvpair id="opt-no-quorum-policy" name="no-quorum-policy" value="ignore"/>');
  // Without probe results for every node, both would first probe every resource everywhere.
  out.push('        <nvpair id="opt-startup-probes" name="enable-startup-probes" value="false"/>');
  out.push('      </cluster_property_set>');
  out.push('    </crm_config>');
  out.push('    <nodes>');
  for (let n = 0; n < nodeCount; n++) out.push(`      <node id="${n + 1}" uname="${nodeName(n)}"/>`);
  out.push('    </nodes>');
  out.push('    <resources>');
  for (let i = 0; i < primitiveCount; i++) {
    const id = rscName(i);
    out.push(`      <primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">`);
    out.push(`        <instance_attributes id="${id}-params"><nvpair id="${id}-fake" name="fake" value="${i}"/></instance_attributes>`);
    out.push(`        <operations><op id="${id}-monitor" name="monitor" interval="10s" timeout="20s"/></operations>`);
    out.push('      </primitive>');
  }
  out.push('    </resources>');
  out.push('    <constraints>');
  for (let i = 0; i < primitiveCount; i++) {
    const id = rscName(i);
    if (i % 4 === 0) {
      out.push(`      <rsc_location id="loc-${id}" rsc="${id}" node="${nodeName(homeNode(i))}" score="100"/>`);
    } else {
      const previous = rscName(i - 1);
      out.push(`      <rsc_colocation id="col-${id}" rsc="${id}" with-rsc="${previous}" score="INFINITY"/>`);
      out.push(`      <rsc_order id="ord-${id}" first="${previous}" then="${id}" kind="Mandatory"/>`);
    }
  }
  out.push('    </constraints>');
  out.push('  </configuration>');
  out.push('  <status>');
  for (let n = 0; n < nodeCount; n++) {
    out.push(`    <node_state id="${n + 1}" uname="${nodeName(n)}" in_ccm="true" crmd="online" join="member" expected="member">`);
    out.push(`      <lrm id="${n + 1}"><lrm_resources>`);
    for (let i = n * 4; i < primitiveCount; i += 4 * nodeCount) {
      for (let k = i; k < Math.min(i + 4, primitiveCount); k++) {
        const id = rscName(k);
        const startDigest = opDigest({ fake: String(k) });
        const monitorDigest = opDigest({ fake: String(k), CRM_meta_timeout: '20000' });
        const key = (op: number, rc: number): string => `${op}:1:${rc}:00000000-0000-0000-0000-000000000000`;
        out.push(`        <lrm_resource id="${id}" class="ocf" provider="pacemaker" type="Dummy">`);
        out.push(`          <lrm_rsc_op id="${id}_last_0" operation_key="${id}_start_0" operation="start" crm-debug-origin="do_update_resource" crm_feature_set="3.16.2" transition-key="${key(k, 0)}" transition-magic="0:0;${key(k, 0)}" call-id="${2 * k + 1}" rc-code="0" op-status="0" interval="0" last-rc-change="1700000000" exec-time="10" queue-time="0" op-digest="${startDigest}"/>`);
        out.push(`          <lrm_rsc_op id="${id}_monitor_10000" operation_key="${id}_monitor_10000" operation="monitor" crm-debug-origin="do_update_resource" crm_feature_set="3.16.2" transition-key="${key(k, 0)}" transition-magic="0:0;${key(k, 0)}" call-id="${2 * k + 2}" rc-code="0" op-status="0" interval="10000" last-rc-change="1700000000" exec-time="10" queue-time="0" op-digest="${monitorDigest}"/>`);
        out.push('        </lrm_resource>');
      }
    }
    out.push('      </lrm_resources></lrm>');
    out.push('    </node_state>');
  }
  out.push('  </status>');
  out.push('</cib>');
  return out.join('\n') + '\n';
}
