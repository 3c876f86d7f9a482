import { TerraformStack, Testing } from '../../lib/core/cdk';
import { Network, NetworkProps } from '../../lib/openstack';
import { StackJson, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools } from '../support/tools';
import { tfsimValidateProblems } from './building-blocks-support';

function only(json: StackJson, block: 'resource' | 'data', type: string): Record<string, unknown> {
  const all = Object.values(json[block]?.[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

function newNetwork(props: Partial<NetworkProps> = {}) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, 'test');
    new Network(stack, 'Net', { cidr: '10.42.0.0/24', ...props });
    return stack;
  });
}

describe('Network', () => {
  it('imports the network a research cloud hands out in one line', () => {
    // GIVEN the one line
    let network: ReturnType<typeof Network.fromName> | undefined;
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'test');
      network = Network.fromName(stack, 'Net', 'auto_allocated_network');
      return stack;
    });
    // THEN a network and its IPv4 subnet are looked up, and nothing is created
    expect(only(json, 'data', 'openstack_networking_network_v2')).toEqual({ name: 'auto_allocated_network' });
    expect(only(json, 'data', 'openstack_networking_subnet_v2')).toEqual({
      network_id: expect.stringMatching(/^\$\{data\.openstack_networking_network_v2\.Net_Network_/),
      ip_version: 4,
    });
    expect(json.resource).toBeUndefined();
    expect(network?.subnet.cidrKnown).toBe(false);
    expect(json.provider).toHaveProperty('openstack');
    expect(tfcheckProblems(json)).toBe('');
  });

  it('looks up a named subnet and keeps a CIDR the user knows', () => {
    let network: ReturnType<typeof Network.fromName> | undefined;
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'test');
      network = Network.fromName(stack, 'Net', 'lab', { subnetName: 'lab-v4', cidr: '10.1.0.0/16' });
      return stack;
    });
    expect(only(json, 'data', 'openstack_networking_subnet_v2')).toMatchObject({
      name: 'lab-v4',
      cidr: '10.1.0.0/16',
    });
    expect(network?.subnet).toMatchObject({ cidr: '10.1.0.0/16', cidrKnown: true });
  });

  it('refers to a network by ids without a lookup', () => {
    const network = Network.fromId('net-id', 'subnet-id', '10.0.0.0/24');
    expect(network).toEqual({
      networkId: 'net-id',
      subnet: { subnetId: 'subnet-id', networkId: 'net-id', cidr: '10.0.0.0/24', cidrKnown: true },
    });
  });

  it('creates a network, a subnet and a router to the external network', () => {
    // GIVEN a new network with an uplink
    const json = newNetwork({ externalNetworkName: 'public', dnsNameservers: ['192.0.2.53'] });
    // THEN
    expect(only(json, 'resource', 'openstack_networking_network_v2')).toEqual({
      name: 'net',
      admin_state_up: true,
    });
    expect(only(json, 'resource', 'openstack_networking_subnet_v2')).toEqual({
      name: 'net',
      network_id: expect.stringMatching(/^\$\{openstack_networking_network_v2\.Net_/),
      cidr: '10.42.0.0/24',
      enable_dhcp: true,
      dns_nameservers: ['192.0.2.53'],
    });
    expect(only(json, 'data', 'openstack_networking_network_v2')).toEqual({ name: 'public', external: true });
    expect(only(json, 'resource', 'openstack_networking_router_v2')).toEqual({
      name: 'net',
      external_network_id: expect.stringMatching(/^\$\{data\.openstack_networking_network_v2\.Net_External_/),
    });
    expect(only(json, 'resource', 'openstack_networking_router_interface_v2')).toEqual({
      router_id: expect.stringMatching(/^\$\{openstack_networking_router_v2\.Net_Router_/),
      subnet_id: expect.stringMatching(/^\$\{openstack_networking_subnet_v2\.Net_Subnet_/),
    });
    expect(tfcheckProblems(json)).toBe('');
  });

  it('creates an isolated network without a router when no external network is named', () => {
    const json = newNetwork();
    expect(json.resource?.openstack_networking_router_v2).toBeUndefined();
    expect(json.data).toBeUndefined();
  });

  describe('validation', () => {
    const fails = (props: Partial<NetworkProps>) => () => newNetwork(props);

    it('fails on a malformed CIDR', () => {
      expect(fails({ cidr: '10.42.0/24' })).toThrow(
        'test/Net: cidr "10.42.0/24" is not allowed; allowed: an IPv4 CIDR block such as "203.0.113.0/24". Fix: write the network address and prefix length',
      );
    });

    it('fails on a CIDR with host bits set', () => {
      expect(fails({ cidr: '10.42.0.1/24' })).toThrow(
        'test/Net: cidr "10.42.0.1/24" is not allowed; allowed: an IPv4 CIDR block such as "203.0.113.0/24" with the host bits zero. Fix: use the network address of that block (prefix /24)',
      );
    });

    it('fails on an IPv6 CIDR for the IPv4 subnet', () => {
      expect(fails({ cidr: '2001:db8::/64' })).toThrow(
        'test/Net: cidr "2001:db8::/64" is not allowed; allowed: an IPv4',
      );
    });

    it('fails on a subnet too small for instances', () => {
      expect(fails({ cidr: '10.42.0.0/30' })).toThrow(
        'test/Net: cidr "10.42.0.0/30" is not allowed; allowed: a prefix of /29 or shorter (room for the gateway, DHCP and instances). Fix: use a larger block, e.g. a /24',
      );
    });

    it('fails on a name that is not a DNS label', () => {
      expect(fails({ name: 'Lab Net' })).toThrow(
        'test/Net: name "Lab Net" is not allowed; allowed: lowercase letters',
      );
    });

    it('fails on an empty external network name', () => {
      expect(fails({ externalNetworkName: '' })).toThrow(
        'test/Net: externalNetworkName "" is not allowed; allowed: a non-empty name. Fix: give the external network, e.g. "public" (`openstack network list --external`)',
      );
    });

    it('fails on a DNS server that is not an IPv4 address', () => {
      expect(fails({ dnsNameservers: ['dns.example.org'] })).toThrow(
        'test/Net: DNS name server "dns.example.org" is not allowed; allowed: an IPv4 address (the subnet is IPv4). Fix: give the resolver address, e.g. "192.0.2.53"',
      );
    });

    it('fails on looking up an empty network name', () => {
      const stack = new TerraformStack(Testing.app(), 'test');
      expect(() => Network.fromName(stack, 'Net', ' ')).toThrow(
        'test/Net: network name " " is not allowed; allowed: a non-empty name. Fix: give the name `openstack network list` shows',
      );
    });

    it('fails on looking up an empty subnet name', () => {
      const stack = new TerraformStack(Testing.app(), 'test');
      expect(() => Network.fromName(stack, 'Net', 'lab', { subnetName: '' })).toThrow(
        'test/Net: subnetName "" is not allowed; allowed: a non-empty name. Fix: give the name `openstack subnet list` shows',
      );
    });

    it('fails on a malformed CIDR given for a looked-up subnet', () => {
      const stack = new TerraformStack(Testing.app(), 'test');
      expect(() => Network.fromName(stack, 'Net', 'lab', { cidr: '10.1.0.0' })).toThrow(
        'test/Net: cidr "10.1.0.0" is not allowed;',
      );
    });

    it('fails on a malformed CIDR given with ids', () => {
      expect(() => Network.fromId('n', 's', '300.0.0.0/8')).toThrow(
        'Network.fromId: cidr "300.0.0.0/8" is not allowed;',
      );
    });
  });
});

describeWithTools(['tfsim', 'terraform'], 'Network with Terraform (tfsim)', () => {
  it('a looked-up and a created network pass terraform validate', () => {
    const json = synthStack((app) => {
      const stack = new TerraformStack(app, 'test');
      Network.fromName(stack, 'Existing', 'auto_allocated_network');
      new Network(stack, 'Created', { cidr: '10.42.0.0/24', externalNetworkName: 'public' });
      return stack;
    });
    expect(tfsimValidateProblems(json)).toBe('');
  });
});
