import { Connections, IPeer, ISecurityGroup, Peer, Port, RuleSet, SecurityGroupRule } from '../../lib/core';

/** A group that only records rules: the core bookkeeping, without a cloud. */
class RecordingGroup implements ISecurityGroup {
  public readonly peerKind = 'group';
  public readonly isWorld = false;
  public readonly uniqueId: string;
  public readonly label: string;
  public readonly securityGroupId: string;
  private readonly set = new RuleSet();
  constructor(name: string) {
    this.uniqueId = `group:${name}`;
    this.label = `group ${name}`;
    this.securityGroupId = `${name}-id`;
  }
  get rules(): readonly SecurityGroupRule[] {
    return this.set.rules;
  }
  addIngressRule(peer: IPeer, port: Port, description?: string): void {
    this.set.add('ingress', peer, port, description);
  }
  addEgressRule(peer: IPeer, port: Port, description?: string): void {
    this.set.add('egress', peer, port, description);
  }
}

describe('Connections', () => {
  it('allowFrom writes ingress on ours and egress on theirs, group to group', () => {
    // GIVEN workers and a balancer, each with a group
    const workerGroup = new RecordingGroup('workers');
    const lbGroup = new RecordingGroup('lb');
    const workers = new Connections({ securityGroups: [workerGroup] });
    const lb = new Connections({ securityGroups: [lbGroup] });
    // WHEN the workers allow the balancer on 8080
    workers.allowFrom(lb, Port.tcp(8080), 'balancer to app');
    // THEN
    expect(
      workerGroup.rules.map((r) => [r.direction, r.peer.uniqueId, r.port.toString(), r.description]),
    ).toEqual([['ingress', 'group:lb', 'tcp/8080', 'balancer to app']]);
    expect(lbGroup.rules.map((r) => [r.direction, r.peer.uniqueId, r.port.toString()])).toEqual([
      ['egress', 'group:workers', 'tcp/8080'],
    ]);
  });

  it('a group added later to either side gets the paths declared before (order of calls does not matter)', () => {
    // GIVEN workers that allow the balancer on 8080 and reach a CIDR on 443, before more groups exist
    const workerGroup = new RecordingGroup('workers');
    const lbGroup = new RecordingGroup('lb');
    const workers = new Connections({ securityGroups: [workerGroup] });
    const lb = new Connections({ securityGroups: [lbGroup] });
    workers.allowFrom(lb, Port.tcp(8080));
    workers.allowTo(Peer.ipv4('203.0.113.0/24'), Port.tcp(443));
    // WHEN each side gets a second group afterwards
    const extraWorkers = new RecordingGroup('workers-extra');
    const extraLb = new RecordingGroup('lb-extra');
    workers.addSecurityGroup(extraWorkers);
    lb.addSecurityGroup(extraLb);
    // THEN every group holds the rules it would hold had it been there from the start
    const keys = (g: RecordingGroup) => g.rules.map((r) => r.key).sort();
    expect(keys(workerGroup)).toEqual([
      'egress tcp/443 203.0.113.0/24',
      'ingress tcp/8080 group:lb',
      'ingress tcp/8080 group:lb-extra',
    ]);
    expect(keys(extraWorkers)).toEqual([
      'egress tcp/443 203.0.113.0/24',
      'ingress tcp/8080 group:lb',
      'ingress tcp/8080 group:lb-extra',
    ]);
    expect(keys(lbGroup)).toEqual(['egress tcp/8080 group:workers', 'egress tcp/8080 group:workers-extra']);
    expect(keys(extraLb)).toEqual(['egress tcp/8080 group:workers', 'egress tcp/8080 group:workers-extra']);
  });

  it('a group added later writes the same rules as the same group given up front', () => {
    // GIVEN the same wiring, once with the groups up front and once with a group added after the call
    const wire = (late: boolean) => {
      const a = new RecordingGroup('a');
      const b = new RecordingGroup('b');
      const redis = new Connections({ securityGroups: late ? [] : [a] });
      const app = new Connections({ securityGroups: [b] });
      redis.allowFrom(app, Port.tcp(6379), 'app to redis');
      redis.allowInternally(Port.tcp(16379));
      if (late) redis.addSecurityGroup(a);
      return [a, b].map((g) => g.rules.map((r) => `${r.key} (${r.description})`).sort());
    };
    // THEN
    expect(wire(true)).toEqual(wire(false));
  });

  it('does not duplicate a rule wired twice', () => {
    const g = new RecordingGroup('redis');
    const redis = new Connections({ securityGroups: [g] });
    const app = new Connections({ securityGroups: [new RecordingGroup('app')] });
    redis.allowFrom(app, Port.tcp(6379));
    redis.allowFrom(app, Port.tcp(6379), 'again, other words');
    expect(g.rules).toHaveLength(1);
  });

  it('allowFrom a CIDR writes only our ingress', () => {
    const g = new RecordingGroup('lb');
    new Connections({ securityGroups: [g] }).allowFrom(Peer.ipv4('198.51.100.0/24'), Port.tcp(443));
    expect(g.rules).toHaveLength(1);
    expect(g.rules[0]).toMatchObject({ direction: 'ingress', key: 'ingress tcp/443 198.51.100.0/24' });
    expect(g.rules[0].description).toBe('from 198.51.100.0/24 on tcp/443');
  });

  it('allowTo is the mirror of allowFrom', () => {
    const a = new RecordingGroup('a');
    const b = new RecordingGroup('b');
    new Connections({ securityGroups: [a] }).allowTo(
      new Connections({ securityGroups: [b] }),
      Port.tcp(2049),
    );
    expect(b.rules.map((r) => r.key)).toEqual(['ingress tcp/2049 group:a']);
    expect(a.rules.map((r) => r.key)).toEqual(['egress tcp/2049 group:b']);
  });

  it('allowInternally lets members of a group reach each other (VRRP pairs)', () => {
    const g = new RecordingGroup('pair');
    new Connections({ securityGroups: [g] }).allowInternally(Port.vrrp());
    expect(g.rules.map((r) => r.key)).toEqual(['ingress vrrp group:pair', 'egress vrrp group:pair']);
  });

  it('uses the default port, and refuses when there is none', () => {
    const g = new RecordingGroup('web');
    const web = new Connections({ securityGroups: [g], defaultPort: Port.tcp(80) });
    web.allowDefaultPortFrom(Peer.ipv4('203.0.113.0/24'));
    expect(g.rules[0].key).toBe('ingress tcp/80 203.0.113.0/24');
    expect(() => new Connections().allowDefaultPortFrom(Peer.anyIpv4())).toThrow(
      /Connections: default port \(not set\) is not allowed; allowed: a default port for allowDefaultPortFrom/,
    );
  });

  it('keeps groups unique and in order', () => {
    const a = new RecordingGroup('a');
    const c = new Connections({ securityGroups: [a] });
    c.addSecurityGroup(a, new RecordingGroup('b'));
    expect(c.securityGroups.map((g) => g.uniqueId)).toEqual(['group:a', 'group:b']);
  });
});
