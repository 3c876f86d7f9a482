import { Testing } from '../../lib/core/cdk';
import { FloatingIp, FloatingIpProps, Host, SecurityGroup } from '../../lib/openstack';
import { StackJson, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools } from '../support/tools';
import { resourceNamed, stackOnNetwork, tfsimPlan } from './building-blocks-support';

/** A host with a public address; `motd` goes into its user data (changing it replaces the instance). */
function publicHost(motd: string, props: Partial<FloatingIpProps> = {}): StackJson {
  return synthStack(() => {
    const { stack, network } = stackOnNetwork(Testing.app());
    const host = new Host(stack, 'Web', {
      network,
      image: 'debian-12',
      flavor: 'm1.small',
      securityGroups: [new SecurityGroup(stack, 'Group')],
      cloudConfig: { writeFiles: [{ path: '/etc/motd', content: motd }] },
    });
    new FloatingIp(stack, 'PublicIp', { pool: 'public', portId: host.port.id, ...props });
    return stack;
  });
}

describe('FloatingIp', () => {
  it('is allocated on its own and associated to the port by a separate resource', () => {
    const json = publicHost('v1', { fixedIp: '10.0.0.5' });
    expect(resourceNamed(json, 'openstack_networking_floatingip_v2', 'PublicIp')).toEqual({
      pool: 'public',
      description: 'managed by webfarm: test/PublicIp',
    });
    expect(
      resourceNamed(json, 'openstack_networking_floatingip_associate_v2', 'PublicIp/Association'),
    ).toEqual({
      floating_ip: expect.stringMatching(
        /^\$\{openstack_networking_floatingip_v2\.PublicIp_[0-9A-F]+\.address\}$/,
      ),
      port_id: expect.stringMatching(/^\$\{openstack_networking_port_v2\.Web_Port_[0-9A-F]+\.id\}$/),
      fixed_ip: '10.0.0.5',
    });
    expect(tfcheckProblems(json)).toBe('');
  });

  it('does not change when the instance behind it is replaced', () => {
    // GIVEN the same stack with different user data (which replaces the instance)
    const before = publicHost('v1');
    const after = publicHost('v2');
    // THEN the instance differs, and the address, its association and the port do not
    const instance = (j: StackJson) => resourceNamed(j, 'openstack_compute_instance_v2', 'Web');
    expect(instance(after).user_data).not.toEqual(instance(before).user_data);
    for (const type of [
      'openstack_networking_floatingip_v2',
      'openstack_networking_floatingip_associate_v2',
      'openstack_networking_port_v2',
    ]) {
      expect(after.resource?.[type]).toEqual(before.resource?.[type]);
    }
  });

  describe('validation', () => {
    it('fails on an empty pool', () => {
      expect(() => publicHost('v1', { pool: '' })).toThrow(
        'test/PublicIp: pool "" is not allowed; allowed: the name of an external network. Fix: give the external network, e.g. "public" (`openstack network list --external`)',
      );
    });

    it('fails on an empty port id', () => {
      expect(() => publicHost('v1', { portId: '' })).toThrow(
        'test/PublicIp: portId "" is not allowed; allowed: the id of a Neutron port (e.g. `host.port.id`). Fix: pass the port of the instance or VIP, e.g. host.port.id',
      );
    });

    it('fails on a fixed IP that is not an address', () => {
      expect(() => publicHost('v1', { fixedIp: '10.0.0' })).toThrow(
        'test/PublicIp: fixedIp "10.0.0" is not allowed; allowed: an IP address of the port. Fix: give one of the port fixed IPs, or leave fixedIp unset',
      );
    });
  });
});

describeWithTools(['tfsim', 'terraform'], 'FloatingIp with Terraform (tfsim)', () => {
  it('Terraform replaces the instance and leaves the floating IP and its association alone', () => {
    // GIVEN a deployed stack (simulated) WHEN the user data changes
    const { changes } = tfsimPlan(publicHost('v2'), publicHost('v1'));
    // THEN only the instance is replaced
    const actions = Object.fromEntries(changes.map((c) => [c.type, c.change.actions.join(',')]));
    expect(actions).toMatchObject({
      openstack_compute_instance_v2: 'delete,create',
      openstack_networking_floatingip_v2: 'no-op',
      openstack_networking_floatingip_associate_v2: 'no-op',
      openstack_networking_port_v2: 'no-op',
    });
    const instance = changes.find((c) => c.type === 'openstack_compute_instance_v2');
    expect(instance?.change.replace_paths).toEqual([['user_data']]);
  });
});
