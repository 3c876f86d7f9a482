import { TerraformStack } from '../../lib/core/cdk';
import {
  AdminAccess,
  Bastion,
  FloatingIp,
  Host,
  KeyPair,
  Network,
  SecurityGroup,
  ServerGroup,
  WorkerGroup,
} from '../../lib/openstack';
import { WorkerApp } from '../../lib/hosting';
import { resourcesOf, synthStack, tfcheckProblems } from '../support/synth';

describe('defaults are closed to the world', () => {
  it('no construct of this library opens an ingress rule from 0.0.0.0/0 or ::/0 by default', () => {
    // GIVEN every construct with its defaults (only required props; a bastion needs admin CIDRs)
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'defaults');
      const existing = Network.fromName(stack, 'Existing', 'auto_allocated_network');
      const network = new Network(stack, 'Created', { cidr: '10.42.0.0/24', externalNetworkName: 'public' });
      const group = new SecurityGroup(stack, 'Group');
      const host = new Host(stack, 'Host', {
        network,
        image: 'debian-12',
        flavor: 'm1.small',
        securityGroups: [group],
      });
      new ServerGroup(stack, 'ServerGroup');
      new FloatingIp(stack, 'FloatingIp', { pool: 'public', portId: host.port.id });
      new KeyPair(stack, 'GeneratedKey');
      const admin = new AdminAccess(stack, 'Admin');
      new Bastion(stack, 'Bastion', {
        network: existing,
        image: 'debian-12',
        flavor: 'm1.tiny',
        floatingIpPool: 'public',
        adminCidrs: ['198.51.100.0/24'],
      });
      new WorkerGroup(stack, 'Workers', {
        network: existing,
        image: 'debian-12',
        flavor: 'm1.small',
        appPort: 8080,
        app: WorkerApp.systemd({ execStart: '/opt/app/bin/server' }),
        adminAccess: admin,
      });
      return stack;
    });
    // THEN no ingress rule names the whole internet
    const rules = Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'));
    const ingress = rules.filter(([, r]) => r.direction === 'ingress');
    const open = ingress.filter(
      ([, r]) => r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0',
    );
    expect(open.map(([name]) => name)).toEqual([]);
    // AND the only ingress at all is SSH to the bastion from the admin network it was given
    expect(ingress.map(([, r]) => [r.protocol, r.port_range_min, r.remote_ip_prefix])).toEqual([
      ['tcp', 22, '198.51.100.0/24'],
    ]);
    // AND no security group keeps the cloud's default rules
    for (const g of Object.values(resourcesOf(json, 'openstack_networking_secgroup_v2'))) {
      expect(g.delete_default_rules).toBe(true);
    }
    expect(tfcheckProblems(json)).toBe('');
  });
});
