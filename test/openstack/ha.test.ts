import { AnnotationMetadataEntryType, App, TerraformStack } from '../../lib/core/cdk';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { Network } from '../../lib/openstack/network';
import { resourcesOf, tfcheckProblems } from '../support/synth';
import {
  SUBNET,
  baseProps,
  buildBalancerStack,
  manifestOf,
  resourcesNamed,
  synthBalancer,
} from '../e2e/balancer-fixture';

type Body = Record<string, unknown>;

function haStack(ha: Body) {
  const stack = new TerraformStack(new App(), 's');
  const network = new Network(stack, 'Network', { cidr: SUBNET });
  return new NginxBalancer(stack, 'Balancer', {
    ...baseProps(network),
    highAvailability: { vrrp: true, ...ha } as never,
  });
}

describe('HA pair: GIVEN an nginx balancer with highAvailability { vrrp: true }', () => {
  const json = synthBalancer({
    ha: true,
    props: { highAvailability: { vrrp: true, virtualIp: '10.20.0.250' } },
  });
  const instances = resourcesNamed(json, 'openstack_compute_instance_v2', 'Balancer_');
  const ports = Object.fromEntries(resourcesNamed(json, 'openstack_networking_port_v2', 'Balancer_'));
  const hostPorts = Object.entries(ports).filter(([n]) => !n.startsWith('Balancer_Hosts_VirtualIp_'));
  const [vipName, vip] = Object.entries(ports).find(([n]) => n.startsWith('Balancer_Hosts_VirtualIp_')) ?? [];
  const keepalived = resourcesNamed(json, 'terraform_data', 'Balancer_Hosts_')
    .filter(([n]) => n.includes('Keepalived'))
    .map(([, d]) => manifestOf(d));

  it('THEN it is tfcheck-clean', () => {
    expect(tfcheckProblems(json)).toBe('');
  });

  it('THEN two hosts run in one anti-affinity server group', () => {
    expect(instances.map(([, i]) => i.name).sort()).toEqual(['lb-1', 'lb-2']);
    const groups = resourcesNamed(json, 'openstack_compute_servergroup_v2', 'Balancer_');
    expect(groups).toEqual([[expect.any(String), expect.objectContaining({ policies: ['anti-affinity'] })]]);
    for (const [, instance] of instances) {
      expect(instance.scheduler_hints).toEqual([
        { group: `\${openstack_compute_servergroup_v2.${groups[0][0]}.id}` },
      ]);
    }
  });

  it("THEN the VIP is a Neutron port of its own with the fixed address, listed on both hosts' ports", () => {
    expect(vip).toMatchObject({
      name: 'lb-vip',
      fixed_ip: [
        {
          subnet_id: expect.stringContaining('openstack_networking_subnet_v2.Network_Subnet_'),
          ip_address: '10.20.0.250',
        },
      ],
    });
    expect(vip).not.toHaveProperty('device_id');
    expect(instances.map(([, i]) => i.network)).not.toContainEqual([
      { port: `\${openstack_networking_port_v2.${vipName}.id}` },
    ]);
    expect(hostPorts).toHaveLength(2);
    for (const [, port] of hostPorts)
      expect(port.allowed_address_pairs).toEqual([{ ip_address: '10.20.0.250' }]);
  });

  it('THEN the floating IP is associated to the VIP port', () => {
    const [[, association]] = resourcesNamed(
      json,
      'openstack_networking_floatingip_associate_v2',
      'Balancer_',
    );
    expect(association.port_id).toBe(`\${openstack_networking_port_v2.${vipName}.id}`);
  });

  it('THEN VRRP is allowed between the pair, and only between the pair', () => {
    const vrrp = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      (r) => r.protocol === 'vrrp',
    );
    expect(vrrp).toEqual([
      expect.objectContaining({
        direction: 'ingress',
        remote_group_id: expect.stringContaining(
          'openstack_networking_secgroup_v2.Balancer_Hosts_SecurityGroup_',
        ),
        security_group_id: expect.stringContaining(
          'openstack_networking_secgroup_v2.Balancer_Hosts_SecurityGroup_',
        ),
      }),
    ]);
  });

  it('THEN the VRRP password is a random_password of 8 characters, with its provider declared', () => {
    expect(Object.values(resourcesOf(json, 'random_password'))).toEqual([
      expect.objectContaining({ length: 8, special: false }),
    ]);
    expect(json.provider).toHaveProperty('random');
    expect((json.terraform as { required_providers: Body }).required_providers).toHaveProperty('random');
  });

  it('THEN each host gets its keepalived.conf: unicast to the other host, priority 150 / 100, a track script on nginx', () => {
    expect(keepalived.map((m) => [m.host, m.files.map((f) => [f.path, f.mode, f.check])])).toEqual([
      [
        'lb-1',
        [
          [
            '/etc/keepalived/keepalived.conf',
            '0600',
            'keepalived --config-test -f /etc/keepalived/keepalived.conf',
          ],
        ],
      ],
      [
        'lb-2',
        [
          [
            '/etc/keepalived/keepalived.conf',
            '0600',
            'keepalived --config-test -f /etc/keepalived/keepalived.conf',
          ],
        ],
      ],
    ]);
    const [first, second] = keepalived.map((m) => m.files[0].content);
    const address = (text: string, key: RegExp) => (key.exec(text) ?? [])[1];
    const src1 = address(first, /unicast_src_ip (.+)$/m);
    const peer1 = address(first, /unicast_peer \{\n\s+(.+)$/m);
    expect(src1).toContain('Balancer_Hosts_Host_Port_');
    expect(peer1).toContain('Balancer_Hosts_PeerHost_Port_');
    expect(address(second, /unicast_src_ip (.+)$/m)).toBe(peer1);
    expect(address(second, /unicast_peer \{\n\s+(.+)$/m)).toBe(src1);
    expect(first).toContain('priority 150');
    expect(second).toContain('priority 100');
    for (const text of [first, second]) {
      expect(text).toContain('script "/usr/bin/pgrep -F /run/nginx.pid"');
      expect(text).toContain('auth_pass "${random_password.Balancer_Hosts_VirtualIp_AuthPassword_');
      expect(text).toMatch(/virtual_ipaddress \{\n\s+10\.20\.0\.250\n/);
    }
  });

  it('THEN the balancer configuration is pushed to both hosts, at their private addresses', () => {
    const pushes = resourcesNamed(json, 'terraform_data', 'Balancer_Hosts_').filter(([n]) =>
      n.includes('Delivery'),
    );
    expect(pushes.map(([, d]) => manifestOf(d).host)).toEqual(['lb-1', 'lb-2']);
    expect(pushes.map(([, d]) => (d.connection as Body).host)).toEqual([
      expect.stringContaining('openstack_networking_port_v2.Balancer_Hosts_Host_Port_'),
      expect.stringContaining('openstack_networking_port_v2.Balancer_Hosts_PeerHost_Port_'),
    ]);
  });

  it('THEN cloud-init installs keepalived and enables it on both hosts', () => {
    for (const [, instance] of instances) {
      expect(instance.user_data).toContain('"keepalived"');
      expect(instance.user_data).toContain('"enable"\n    - "keepalived.service"');
    }
  });

  it('THEN with no interface given, each host finds its own at boot and keepalived.conf includes it', () => {
    for (const [, instance] of instances) {
      const userData = instance.user_data as string;
      expect(userData).toContain('path: "/etc/keepalived/webfarm-interface.conf"');
      expect(userData).toContain('ip -o route show default');
    }
    for (const manifest of keepalived) {
      const conf = manifest.files.find((f) => f.path === '/etc/keepalived/keepalived.conf')!;
      expect(conf.content).toContain('include /etc/keepalived/webfarm-interface.conf');
      expect(conf.content).not.toMatch(/^\s*interface /m);
    }
  });

  it('THEN a given interface is written as it is, with no detection', () => {
    const named = synthBalancer({ ha: true, props: { highAvailability: { vrrp: true, interface: 'eth1' } } });
    for (const [, instance] of resourcesNamed(named, 'openstack_compute_instance_v2', 'Balancer_')) {
      expect(instance.user_data).not.toContain('webfarm-interface.conf');
    }
    const pushes = resourcesNamed(named, 'terraform_data', 'Balancer_Hosts_').filter(([n]) =>
      n.includes('Keepalived'),
    );
    expect(pushes.length).toBe(2);
    for (const [, push] of pushes) {
      const conf = manifestOf(push).files.find((f) => f.path === '/etc/keepalived/keepalived.conf')!;
      expect(conf.content).toMatch(/^\s*interface eth1$/m);
    }
  });

  it('THEN it warns that Terraform reaches private addresses without a bastion', () => {
    const built = buildBalancerStack(new App(), 'warn', { ha: true });
    const warnings = built.lb.hosts.node.metadata
      .filter((m) => m.type === AnnotationMetadataEntryType.WARN)
      .map((m) => m.data);
    expect(warnings).toEqual([
      "Terraform pushes the configuration to the hosts' private addresses: run it from inside the network, or give ssh.bastion",
    ]);
  });
});

describe('HA pair with user-data delivery', () => {
  it('WHEN delivery is user-data THEN keepalived.conf is written by cloud-init and nothing is pushed', () => {
    const json = synthBalancer({
      ha: true,
      delivery: 'user-data',
      props: { ssh: undefined, adminCidrs: undefined },
    });
    expect(resourcesOf(json, 'terraform_data')).toEqual({});
    for (const [, instance] of resourcesNamed(json, 'openstack_compute_instance_v2', 'Balancer_')) {
      expect(instance.user_data).toContain('/etc/keepalived/keepalived.conf');
      expect(instance.user_data).toContain(
        'keepalived --config-test -f /etc/keepalived/keepalived.conf && systemctl reload-or-restart keepalived.service',
      );
    }
    expect(tfcheckProblems(json)).toBe('');
  });
});

describe('HA pair: validation', () => {
  it('fails when vrrp is not true', () => {
    expect(() => haStack({ vrrp: false })).toThrow(
      's/Balancer/Hosts/VirtualIp: highAvailability.vrrp false is not allowed; allowed: true (a keepalived pair sharing a virtual IP). Fix: write highAvailability: { vrrp: true }, or leave highAvailability out for one host',
    );
  });

  it('fails on a virtual IP that is not an IPv4 address', () => {
    expect(() => haStack({ virtualIp: '10.20.0.250/24' })).toThrow(
      's/Balancer/Hosts/VirtualIp: highAvailability.virtualIp "10.20.0.250/24" is not allowed; allowed: an IPv4 address of the balancer subnet, without a prefix length. Fix: pick a free address of that subnet (outside its DHCP allocation pool)',
    );
  });

  it('fails on a virtual IP outside the subnet', () => {
    expect(() => haStack({ virtualIp: '10.99.0.5' })).toThrow(
      's/Balancer/Hosts/VirtualIp: highAvailability.virtualIp "10.99.0.5" is not allowed; allowed: an address inside the balancer subnet 10.20.0.0/24. Fix: pick a free address of that subnet (outside its DHCP allocation pool)',
    );
  });

  it('fails on a router id outside 1–255', () => {
    expect(() => haStack({ virtualRouterId: 256 })).toThrow(
      's/Balancer/Hosts/VirtualIp: highAvailability.virtualRouterId 256 is not allowed; allowed: an integer from 1 to 255. Fix: pick 1–255, unique among the keepalived pairs on this subnet',
    );
  });

  it('fails on an interface name Linux cannot have', () => {
    expect(() => haStack({ interface: 'a-very-long-interface' })).toThrow(
      's/Balancer/Hosts/VirtualIp: highAvailability.interface "a-very-long-interface" is not allowed',
    );
  });
});
