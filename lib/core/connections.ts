import { IPeer } from './peer';
import { Port } from './port';

/** Direction of a security-group rule, seen from the group that holds it. */
export type RuleDirection = 'ingress' | 'egress';

/** One declared rule, before it becomes a cloud resource. */
export interface SecurityGroupRule {
  /** Traffic into or out of the group. */
  readonly direction: RuleDirection;
  /** The other side. */
  readonly peer: IPeer;
  /** Protocol and ports. */
  readonly port: Port;
  /** Why the rule exists (shows in the cloud and in reviews). */
  readonly description: string;
  /** Stable key (`ingress tcp/8080 from <peer>`): rules with the same key are one rule. */
  readonly key: string;
}

/**
 * A security group: a set of rules, and itself a peer other rules can name.
 * The OpenStack implementation writes each rule as `openstack_networking_secgroup_rule_v2`.
 */
export interface ISecurityGroup extends IPeer {
  /** The group id (usually a Terraform reference). */
  readonly securityGroupId: string;
  /** The rules declared so far, in declaration order, without duplicates. */
  readonly rules: readonly SecurityGroupRule[];
  /** Allows traffic from `peer` into this group. Declaring the same rule twice is a no-op. */
  addIngressRule(peer: IPeer, port: Port, description?: string): void;
  /** Allows traffic from this group to `peer`. Declaring the same rule twice is a no-op. */
  addEgressRule(peer: IPeer, port: Port, description?: string): void;
}

/** Anything whose network access is governed by security groups (workers, balancers, Redis). */
export interface IConnectable {
  /** The groups and the default port of this thing. */
  readonly connections: Connections;
}

/**
 * Rule bookkeeping for one security group: declaration order, no duplicates. Implementations of
 * {@link ISecurityGroup} keep their rules here and create a cloud resource per new rule.
 */
export class RuleSet {
  private readonly byKey = new Map<string, SecurityGroupRule>();

  /** The rules in declaration order. */
  public get rules(): readonly SecurityGroupRule[] {
    return [...this.byKey.values()];
  }

  /**
   * Records a rule. Returns the rule when it is new, `undefined` when an equal rule
   * (same direction, peer and port) exists already.
   */
  public add(
    direction: RuleDirection,
    peer: IPeer,
    port: Port,
    description?: string,
  ): SecurityGroupRule | undefined {
    const key = ruleKey(direction, peer, port);
    if (this.byKey.has(key)) return undefined;
    const rule: SecurityGroupRule = {
      direction,
      peer,
      port,
      description: description ?? `${direction === 'ingress' ? 'from' : 'to'} ${peer.label} on ${port}`,
      key,
    };
    this.byKey.set(key, rule);
    return rule;
  }
}

/** The stable key of a rule: `ingress tcp/8080 <peer id>`. */
export function ruleKey(direction: RuleDirection, peer: IPeer, port: Port): string {
  return `${direction} ${port} ${peer.uniqueId}`;
}

/** Props of {@link Connections}. */
export interface ConnectionsProps {
  /**
   * The groups that govern this thing.
   * @default - none: rules have nowhere to go until a group is added with `addSecurityGroup`
   */
  readonly securityGroups?: ISecurityGroup[];
  /**
   * The port this thing serves on, used by the `…DefaultPort…` methods.
   * @default - no default port; those methods throw
   */
  readonly defaultPort?: Port;
}

/**
 * Intent-level network wiring, as aws-cdk's `Connections`: say who may talk to whom on which
 * port, and the rules land on the right groups on both sides.
 *
 * ```ts
 * workers.connections.allowFrom(balancer, Port.tcp(8080), 'balancer to app');
 * redis.connections.allowFrom(workers, Port.tcp(6379), 'app to redis');
 * balancer.connections.allowFrom(Peer.anyIpv4(), Port.tcp(443), 'public HTTPS');
 * ```
 */
export class Connections implements IConnectable {
  /** The default port, if any. */
  public readonly defaultPort?: Port;
  private readonly groups: ISecurityGroup[] = [];

  constructor(props: ConnectionsProps = {}) {
    this.defaultPort = props.defaultPort;
    for (const g of props.securityGroups ?? []) this.addSecurityGroup(g);
  }

  /** Itself, so a Connections can be passed wherever an IConnectable is wanted. */
  public get connections(): Connections {
    return this;
  }

  /** The groups, in the order they were added. */
  public get securityGroups(): readonly ISecurityGroup[] {
    return [...this.groups];
  }

  /** Adds a group (once). */
  public addSecurityGroup(...groups: ISecurityGroup[]): void {
    for (const g of groups) if (!this.groups.includes(g)) this.groups.push(g);
  }

  /**
   * Allows `other` to open connections to this thing on `port`: an ingress rule on each of our
   * groups and, when `other` has groups, an egress rule on each of theirs.
   */
  public allowFrom(other: IConnectable | IPeer, port: Port, description?: string): void {
    for (const peer of peersOf(other)) {
      for (const group of this.groups) group.addIngressRule(peer, port, description);
    }
    if (isConnectable(other)) {
      for (const theirs of other.connections.securityGroups) {
        for (const ours of this.groups) theirs.addEgressRule(ours, port, description);
      }
    }
  }

  /** Allows this thing to open connections to `other` on `port` (the mirror of `allowFrom`). */
  public allowTo(other: IConnectable | IPeer, port: Port, description?: string): void {
    if (isConnectable(other)) {
      other.connections.allowFrom(this, port, description);
      return;
    }
    for (const group of this.groups) group.addEgressRule(other, port, description);
  }

  /** Allows members of our own groups to reach each other on `port` (VRRP pairs, replication). */
  public allowInternally(port: Port, description?: string): void {
    this.allowFrom(this, port, description);
  }

  /** `allowFrom(other, defaultPort)`. */
  public allowDefaultPortFrom(other: IConnectable | IPeer, description?: string): void {
    this.allowFrom(other, this.requireDefaultPort('allowDefaultPortFrom'), description);
  }

  /** `allowTo(other, other's defaultPort)`. */
  public allowToDefaultPort(other: IConnectable, description?: string): void {
    this.allowTo(other, other.connections.requireDefaultPort('allowToDefaultPort'), description);
  }

  private requireDefaultPort(method: string): Port {
    if (!this.defaultPort) {
      throw new Error(
        `Connections.${method}: this thing has no default port; name the port with allowFrom/allowTo`,
      );
    }
    return this.defaultPort;
  }
}

function isConnectable(x: IConnectable | IPeer): x is IConnectable {
  return (x as IConnectable).connections instanceof Connections;
}

function peersOf(x: IConnectable | IPeer): IPeer[] {
  return isConnectable(x) ? [...x.connections.securityGroups] : [x];
}
