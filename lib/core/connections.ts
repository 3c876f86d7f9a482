import { ValidationError } from './errors';
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
  /**
   * The construct path of the thing these connections belong to: errors name it.
   * @default 'Connections'
   */
  readonly path?: string;
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
  /** Where errors point: the owner's construct path. */
  private readonly path: string;
  private readonly groups: ISecurityGroup[] = [];
  /**
   * Every path declared on this thing, on either side. Kept so that a group added later (to us
   * or to the other side) gets the rules too, whatever the order of the calls.
   */
  private readonly paths: DeclaredPath[] = [];

  constructor(props: ConnectionsProps = {}) {
    this.defaultPort = props.defaultPort;
    this.path = props.path ?? 'Connections';
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

  /**
   * Adds a group (once). Every path declared before, on either side, is written onto it too, as
   * if the group had been there from the start.
   */
  public addSecurityGroup(...groups: ISecurityGroup[]): void {
    for (const g of groups) if (!this.groups.includes(g)) this.groups.push(g);
    for (const path of this.paths) writeRules(path);
  }

  /**
   * Allows `other` to open connections to this thing on `port`: an ingress rule on each of our
   * groups and, when `other` has groups, an egress rule on each of theirs — including groups
   * either side gets later.
   */
  public allowFrom(other: IConnectable | IPeer, port: Port, description?: string): void {
    const from = isConnectable(other) ? other.connections : other;
    this.declare({ to: this, from, port, description });
  }

  /** Allows this thing to open connections to `other` on `port` (the mirror of `allowFrom`). */
  public allowTo(other: IConnectable | IPeer, port: Port, description?: string): void {
    if (isConnectable(other)) {
      other.connections.allowFrom(this, port, description);
      return;
    }
    this.declare({ to: other, from: this, port, description });
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

  private declare(path: DeclaredPath): void {
    this.paths.push(path);
    for (const side of [path.to, path.from]) {
      if (side instanceof Connections && side !== this) side.paths.push(path);
    }
    writeRules(path);
  }

  private requireDefaultPort(method: string): Port {
    if (!this.defaultPort) {
      throw new ValidationError({
        path: this.path,
        what: 'default port',
        value: undefined,
        allowed: `a default port for ${method} (a worker group with appPort)`,
        fix: 'give the group an appPort, or name the port with allowFrom/allowTo',
      });
    }
    return this.defaultPort;
  }
}

/** One `allowFrom`/`allowTo`: traffic from `from` to `to` on `port`. */
interface DeclaredPath {
  readonly to: Connections | IPeer;
  readonly from: Connections | IPeer;
  readonly port: Port;
  readonly description?: string;
}

/**
 * Writes the rules of a path onto the groups both sides have now: ingress on the receiving
 * side's groups, egress on the sending side's. Rules already written are no-ops (`RuleSet`).
 */
function writeRules(path: DeclaredPath): void {
  const { to, from, port, description } = path;
  if (to instanceof Connections) {
    for (const peer of peersOf(from)) {
      for (const group of to.securityGroups) group.addIngressRule(peer, port, description);
    }
  }
  if (from instanceof Connections) {
    for (const theirs of from.securityGroups) {
      for (const target of peersOf(to)) theirs.addEgressRule(target, port, description);
    }
  }
}

function isConnectable(x: IConnectable | IPeer): x is IConnectable {
  return (x as IConnectable).connections instanceof Connections;
}

function peersOf(x: Connections | IConnectable | IPeer): IPeer[] {
  return isConnectable(x) ? [...x.connections.securityGroups] : [x as IPeer];
}
