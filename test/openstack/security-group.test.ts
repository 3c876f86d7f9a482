import { Fn, TerraformStack, TerraformVariable, Token } from '../../lib/core/cdk';
import { Peer, Port } from '../../lib/core';
import { SecurityGroup, SecurityGroupProps } from '../../lib/openstack';
import { StackJson, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools } from '../support/tools';
import { tfsimValidateProblems } from './building-blocks-support';

type Rule = Record<string, unknown>;

function groups(
  build: (g: { a: SecurityGroup; b: SecurityGroup; stack: TerraformStack }) => void,
  props: SecurityGroupProps = {},
) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, 'test');
    const a = new SecurityGroup(stack, 'App', props);
    const b = new SecurityGroup(stack, 'Balancer', props);
    build({ a, b, stack });
    return stack;
  });
}

function rulesOf(json: StackJson, group: string): Array<[string, Rule]> {
  return Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(([name]) =>
    name.startsWith(`${group}_`),
  );
}

function ruleBodies(json: StackJson, group: string, direction = 'ingress'): Rule[] {
  return rulesOf(json, group)
    .map(([, r]) => r)
    .filter((r) => r.direction === direction)
    .map(({ security_group_id: _id, ...rest }) => rest);
}

/** Same items in any order (synthesized resources come sorted by logical name). */
function expectSameItems<T>(actual: T[], expected: T[]): void {
  expect(actual).toHaveLength(expected.length);
  expect(actual).toEqual(expect.arrayContaining(expected));
}

describe('SecurityGroup', () => {
  it('holds exactly what is declared: default rules deleted, explicit egress', () => {
    // GIVEN a group with defaults
    const json = groups(() => undefined);
    // THEN the cloud's default rules are deleted and all outbound traffic is two explicit rules
    expect(Object.values(resourcesOf(json, 'openstack_networking_secgroup_v2'))[0]).toEqual({
      name: 'test-app',
      description: 'managed by webfarm: test/App',
      delete_default_rules: true,
    });
    expectSameItems(ruleBodies(json, 'App', 'egress'), [
      {
        direction: 'egress',
        ethertype: 'IPv4',
        remote_ip_prefix: '0.0.0.0/0',
        description: 'all outbound IPv4',
      },
      { direction: 'egress', ethertype: 'IPv6', remote_ip_prefix: '::/0', description: 'all outbound IPv6' },
    ]);
    expect(ruleBodies(json, 'App')).toEqual([]);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('writes group-to-group rules with remote_group_id on both sides when egress is explicit', () => {
    // GIVEN two groups that declare egress rule by rule
    const json = groups(({ a, b }) => a.connections.allowFrom(b, Port.tcp(8080), 'balancer to app'), {
      allowAllOutbound: false,
    });
    // THEN the app admits the balancer's group, and the balancer may reach the app's group
    const appRef = expect.stringMatching(/^\$\{openstack_networking_secgroup_v2\.App_/);
    const lbRef = expect.stringMatching(/^\$\{openstack_networking_secgroup_v2\.Balancer_/);
    expect(ruleBodies(json, 'App')).toEqual([
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 8080,
        port_range_max: 8080,
        remote_group_id: lbRef,
        description: 'balancer to app',
      },
    ]);
    expect(ruleBodies(json, 'Balancer', 'egress')).toEqual([
      expect.objectContaining({
        direction: 'egress',
        protocol: 'tcp',
        port_range_min: 8080,
        remote_group_id: appRef,
      }),
    ]);
    expect(ruleBodies(json, 'App', 'egress')).toEqual([]);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('writes CIDR rules with remote_ip_prefix, IPv4 and IPv6', () => {
    const json = groups(({ a }) => {
      a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.tcp(443));
      a.connections.allowFrom(Peer.ipv6('2001:db8::/32'), Port.tcp(443));
      a.connections.allowFrom(Peer.cidr('198.51.100.0/24'), Port.udp(53));
    });
    expectSameItems(
      ruleBodies(json, 'App').map((r) => [r.ethertype, r.protocol, r.port_range_min, r.remote_ip_prefix]),
      [
        ['IPv4', 'tcp', 443, '203.0.113.0/24'],
        ['IPv6', 'tcp', 443, '2001:db8::/32'],
        ['IPv4', 'udp', 53, '198.51.100.0/24'],
      ],
    );
    for (const r of ruleBodies(json, 'App')) expect(r.remote_group_id).toBeUndefined();
  });

  it('writes port ranges, ICMP (typed and all, per IP version) and all traffic', () => {
    const json = groups(({ a }) => {
      a.connections.allowFrom(Peer.ipv4('10.0.0.0/8'), Port.tcpRange(30000, 30100));
      a.connections.allowFrom(Peer.ipv4('10.0.0.0/8'), Port.icmpPing());
      a.connections.allowFrom(Peer.ipv6('fd00::/8'), Port.icmp(128, 0, true));
      a.connections.allowFrom(Peer.ipv6('fd00::/8'), Port.allIcmp());
      a.connections.allowFrom(Peer.ipv4('10.1.0.0/16'), Port.allTraffic());
    });
    expectSameItems(
      ruleBodies(json, 'App').map((r) => [r.ethertype, r.protocol, r.port_range_min, r.port_range_max]),
      [
        ['IPv4', 'tcp', 30000, 30100],
        ['IPv4', 'icmp', 8, 0],
        ['IPv6', 'ipv6-icmp', 128, 0],
        ['IPv6', 'ipv6-icmp', undefined, undefined],
        ['IPv4', undefined, undefined, undefined],
      ],
    );
    expect(tfcheckProblems(json)).toBe('');
  });

  it('lets a keepalived pair speak VRRP to each other', () => {
    const json = groups(({ b }) => b.connections.allowInternally(Port.vrrp(), 'keepalived'), {
      allowAllOutbound: false,
    });
    const self = expect.stringMatching(/^\$\{openstack_networking_secgroup_v2\.Balancer_/);
    expect(ruleBodies(json, 'Balancer')).toEqual([
      {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'vrrp',
        remote_group_id: self,
        description: 'keepalived',
      },
    ]);
    expect(ruleBodies(json, 'Balancer', 'egress')).toEqual([
      {
        direction: 'egress',
        ethertype: 'IPv4',
        protocol: 'vrrp',
        remote_group_id: self,
        description: 'keepalived',
      },
    ]);
  });

  it('writes no duplicate rule when the same path is wired twice', () => {
    const json = groups(({ a, b }) => {
      a.connections.allowFrom(b, Port.tcp(8080), 'first');
      a.connections.allowFrom(b, Port.tcp(8080), 'second');
      b.connections.allowTo(a, Port.tcp(8080));
      a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.tcp(22));
      a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.tcp(22));
    });
    expectSameItems(
      ruleBodies(json, 'App').map((r) => r.description),
      ['first', 'from 203.0.113.0/24 on tcp/22'],
    );
  });

  it('writes IPv6 twins of group rules when ipv6 is on, without renaming the IPv4 ones', () => {
    // GIVEN the same wiring without and with ipv6
    const wire = ({ a, b }: { a: SecurityGroup; b: SecurityGroup }) =>
      a.connections.allowFrom(b, Port.tcp(8080));
    const v4 = groups(wire);
    const dual = groups(wire, { ipv6: true });
    // THEN the IPv4 rule keeps its address, and one IPv6 rule is added
    const v4Names = rulesOf(v4, 'App').map(([n]) => n);
    const dualRules = Object.fromEntries(rulesOf(dual, 'App'));
    for (const name of v4Names) expect(dualRules[name]).toEqual(Object.fromEntries(rulesOf(v4, 'App'))[name]);
    const added = Object.keys(dualRules).filter((n) => !v4Names.includes(n));
    expect(added).toEqual([
      expect.stringMatching(/^App_Rule-ingress-tcp_8080-from-group-test_Balancer-IPv6_/),
    ]);
    expect(dualRules[added[0]]).toMatchObject({ ethertype: 'IPv6', protocol: 'tcp', port_range_min: 8080 });
  });

  it('keys rule ids by the rule, so adding one renames no other', () => {
    const one = groups(({ a }) => a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.tcp(443)));
    const two = groups(({ a }) => {
      a.connections.allowFrom(Peer.ipv4('198.51.100.0/24'), Port.tcp(80));
      a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.tcp(443));
    });
    const before = Object.fromEntries(rulesOf(one, 'App'));
    const after = Object.fromEntries(rulesOf(two, 'App'));
    for (const [name, body] of Object.entries(before)) expect(after[name]).toEqual(body);
    expect(Object.keys(after)).toHaveLength(Object.keys(before).length + 1);
  });

  it('GIVEN a CIDR that is a Terraform reference WHEN the same stack is synthesized again THEN the rule keeps its address (no replacement on an unrelated change)', () => {
    // GIVEN an admin CIDR built from another resource's address, as the balancer examples do
    const build = () =>
      groups(({ a, b, stack }) => {
        const admin = new TerraformVariable(stack, 'admin', { type: 'string' });
        a.connections.allowFrom(Peer.cidr(`${admin.stringValue}/32`), Port.tcp(22), 'SSH from the bastion');
        a.connections.allowFrom(Peer.cidr(`${b.securityGroupId}/32`), Port.tcp(8081));
      });
    const first = build();
    // WHEN anything else in the program made tokens in between (another construct, another stack)
    for (let i = 0; i < 5; i++) Token.asString(Fn.timestamp());
    const second = build();
    // THEN the same resource addresses, holding the same references
    const names = (json: StackJson) => rulesOf(json, 'App').map(([name]) => name);
    expect(names(second)).toEqual(names(first));
    expect(Object.fromEntries(rulesOf(second, 'App'))).toEqual(Object.fromEntries(rulesOf(first, 'App')));
    expect(ruleBodies(first, 'App')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ remote_ip_prefix: '${var.admin}/32', port_range_min: 22 }),
      ]),
    );
  });

  describe('validation', () => {
    it('fails on a name that is not a DNS label', () => {
      expect(() => groups(() => undefined, { name: 'My Group' })).toThrow(
        'test/App: name "My Group" is not allowed; allowed: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters. Fix: rename it, e.g. "web" or "api-v2"',
      );
    });

    it('fails on an ICMPv4 type for an IPv6 peer', () => {
      expect(() =>
        groups(({ a }) => a.connections.allowFrom(Peer.ipv6('2001:db8::/32'), Port.icmpPing())),
      ).toThrow(
        'test/App: icmp/8:0 rule for IPv6 peer "2001:db8::/32" is not allowed; allowed: ICMP types of the peer\'s IP version (Port.icmp(type, code, true), e.g. 128 for ping). Fix: use Port.icmp(128, 0, true) for IPv6 ping',
      );
    });

    it('fails on an ICMPv6 type for an IPv4 peer', () => {
      expect(() =>
        groups(({ a }) => a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.icmp(128, 0, true))),
      ).toThrow(
        'test/App: ipv6-icmp/128:0 rule for IPv4 peer "203.0.113.0/24" is not allowed; allowed: ICMP types of the peer\'s IP version (Port.icmp(type, code), e.g. 8 for ping). Fix: use Port.icmpPing() for IPv4 ping',
      );
    });

    it('skips an unresolved name', () => {
      expect(() =>
        synthStack((app) => {
          const stack = new TerraformStack(app, 'test');
          const other = new SecurityGroup(stack, 'Other');
          new SecurityGroup(stack, 'App', { name: other.securityGroupId });
          return stack;
        }),
      ).not.toThrow();
    });
  });
});

describeWithTools(['tfsim', 'terraform'], 'SecurityGroup with Terraform (tfsim)', () => {
  it('every kind of rule passes terraform validate with the provider schema', () => {
    const json = groups(
      ({ a, b }) => {
        a.connections.allowFrom(b, Port.tcp(8080));
        a.connections.allowFrom(Peer.ipv6('2001:db8::/32'), Port.tcpRange(30000, 30100));
        a.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.icmpPing());
        a.connections.allowFrom(Peer.ipv6('2001:db8::/32'), Port.allIcmp());
        b.connections.allowInternally(Port.vrrp());
        b.connections.allowTo(Peer.ipv4('192.0.2.0/24'), Port.udp(514));
        a.connections.allowFrom(Peer.ipv4('10.0.0.0/8'), Port.allTraffic());
      },
      { allowAllOutbound: false, ipv6: true },
    );
    expect(tfcheckProblems(json)).toBe('');
    expect(tfsimValidateProblems(json)).toBe('');
  });
});
