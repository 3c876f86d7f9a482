import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { OpenstackProvider } from '../.gen/providers/openstack/provider';
import { NetworkingSecgroupV2 } from '../.gen/providers/openstack/networking-secgroup-v2';
import { NetworkingSecgroupRuleV2 } from '../.gen/providers/openstack/networking-secgroup-rule-v2';
import { DataOpenstackNetworkingNetworkV2 } from '../.gen/providers/openstack/data-openstack-networking-network-v2';

/**
 * The smallest use of the generated OpenStack bindings: look up the network a research cloud
 * hands out, and a security group that admits SSH from one admin network only.
 */
export class HelloBindingsStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new OpenstackProvider(this, 'openstack');
    const network = new DataOpenstackNetworkingNetworkV2(this, 'network', { name: 'auto_allocated_network' });
    const group = new NetworkingSecgroupV2(this, 'admin', {
      name: 'hello-admin',
      description: 'SSH from the admin network',
      deleteDefaultRules: true,
    });
    new NetworkingSecgroupRuleV2(this, 'ssh', {
      securityGroupId: group.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      portRangeMin: 22,
      portRangeMax: 22,
      remoteIpPrefix: '198.51.100.0/24',
    });
    new TerraformOutput(this, 'network_id', { value: network.id });
  }
}
