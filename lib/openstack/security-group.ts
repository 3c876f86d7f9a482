import { Construct } from 'constructs';
import {
  Connections,
  IConnectable,
  ISecurityGroup,
  RuleDirection,
  RuleSet,
  SecurityGroupRule,
} from '../core/connections';
import { IPeer, Peer } from '../core/peer';
import { Port } from '../core/port';
import { ValidationError } from '../core/errors';
import { checkName, checkObject } from '../core/validate';
import { isUnresolved } from '../core/tokens';
import { NetworkingSecgroupV2 } from '../../.gen/providers/openstack/networking-secgroup-v2';
import { NetworkingSecgroupRuleV2 } from '../../.gen/providers/openstack/networking-secgroup-rule-v2';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';
import { checkCloudText } from './cloud-text';

/** Props of {@link SecurityGroup}. */
export interface SecurityGroupProps {
  /**
   * Name in the cloud.
   * @default - derived from the construct path, unique in the stack
   */
  readonly name?: string;
  /**
   * What the group is for (shows in Horizon and `openstack security group list`).
   * @default - "managed by webfarm: <construct path>"
   */
  readonly description?: string;
  /**
   * Allow every outbound connection (IPv4 and IPv6), as explicit rules. Instances need it for
   * package installs, DNS and NTP; turn it off to declare egress rule by rule (then
   * `connections.allowTo`/`allowFrom` add the egress side of each path).
   * @default true
   */
  readonly allowAllOutbound?: boolean;
  /**
   * Also write IPv6 rules for group-to-group paths (dual-stack networks). CIDR rules always
   * follow the CIDR's own IP version.
   * @default false
   */
  readonly ipv6?: boolean;
}

/**
 * A Neutron security group that holds exactly what is declared: the cloud's default rules are
 * deleted (`delete_default_rules`), every rule is its own `openstack_networking_secgroup_rule_v2`
 * with a construct id derived from the rule (so adding one never renames another), and the
 * same rule declared twice is one rule. Wire it by intent through `connections`.
 */
export class SecurityGroup extends Construct implements ISecurityGroup, IConnectable {
  /** Always `group`: a security group can be the peer of another group's rule. */
  public readonly peerKind = 'group';
  /** A group is never the whole internet. */
  public readonly isWorld = false;
  /** The group id. */
  public readonly securityGroupId: string;
  /** Stable key for rule de-duplication. */
  public readonly uniqueId: string;
  /** `group <path>`. */
  public readonly label: string;
  /** The connections of this group alone. */
  public readonly connections: Connections;
  /** The L1 group. */
  public readonly resource: NetworkingSecgroupV2;
  /** Whether every outbound connection is allowed. */
  public readonly allowAllOutbound: boolean;
  private readonly ruleSet = new RuleSet();
  private readonly ipv6: boolean;
  /** Stable names of the CIDRs that are Terraform references, by their token text. */
  private readonly referenceCidrNames = new Map<string, string>();

  constructor(scope: Construct, id: string, props: SecurityGroupProps = {}) {
    super(scope, id);
    if (props !== undefined) checkObject(this.node.path, 'props', props, '{ description: "web servers" }');
    ensureProvider(this, OPENSTACK_PROVIDER);
    const name = props.name ?? this.node.path.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    if (props.name !== undefined && !isUnresolved(props.name)) checkName(this.node.path, 'name', props.name);
    checkCloudText(
      this.node.path,
      'description',
      props.description,
      'shorten the description (when webfarm wrote it, it names the construct path: shorten the construct ids)',
    );
    this.resource = new NetworkingSecgroupV2(this, 'Resource', {
      name,
      description: props.description ?? `managed by webfarm: ${this.node.path}`,
      deleteDefaultRules: true,
    });
    this.securityGroupId = this.resource.id;
    this.uniqueId = `group:${this.node.path}`;
    this.label = `group ${this.node.path}`;
    this.ipv6 = props.ipv6 ?? false;
    this.allowAllOutbound = props.allowAllOutbound ?? true;
    this.connections = new Connections({ securityGroups: [this], path: this.node.path });
    if (this.allowAllOutbound) {
      this.addRule('egress', Peer.anyIpv4(), Port.allTraffic(), 'all outbound IPv4');
      this.addRule('egress', Peer.anyIpv6(), Port.allTraffic(), 'all outbound IPv6');
    }
  }

  /** The rules declared so far, in order. */
  public get rules(): readonly SecurityGroupRule[] {
    return this.ruleSet.rules;
  }

  /** Allows traffic from `peer` into this group on `port`. */
  public addIngressRule(peer: IPeer, port: Port, description?: string): void {
    this.addRule('ingress', peer, port, description);
  }

  /** Allows traffic from this group to `peer` on `port` (a no-op when all outbound is allowed). */
  public addEgressRule(peer: IPeer, port: Port, description?: string): void {
    if (this.allowAllOutbound) return;
    this.addRule('egress', peer, port, description);
  }

  private addRule(direction: RuleDirection, peer: IPeer, port: Port, description?: string): void {
    const ethertypes = this.ethertypesOf(peer, port);
    const rule = this.ruleSet.add(direction, peer, port, description);
    if (!rule) return;
    for (const ethertype of ethertypes) {
      // The IPv4 rule keeps the plain id, so turning `ipv6` on later only adds the IPv6 twins.
      const id =
        ruleConstructId(rule, this.peerIdOf(peer)) +
        (peer.peerKind === 'group' && ethertype === 'IPv6' ? '-IPv6' : '');
      new NetworkingSecgroupRuleV2(this, id, {
        securityGroupId: this.securityGroupId,
        direction,
        ethertype,
        description: rule.description,
        ...protocolAttributes(port, ethertype),
        ...(peer.peerKind === 'group'
          ? { remoteGroupId: peer.securityGroupId }
          : { remoteIpPrefix: peer.cidr }),
      });
    }
  }

  /**
   * The part of a rule's construct id that names the peer. A CIDR that is a Terraform reference
   * (`${bastion.privateAddress}/32`) is a token whose text is numbered in creation order across
   * the whole program: any construct added earlier would rename the rule, and Terraform would
   * delete and re-create it (closing SSH while a push runs). Such a CIDR is named by the order in
   * which it first reached this group instead: `cidr-ref-1`, `cidr-ref-2`, ….
   */
  private peerIdOf(peer: IPeer): string {
    if (
      peer.peerKind === 'cidr' &&
      peer.cidr !== undefined &&
      isUnresolved(peer.cidr) &&
      peer.uniqueId === peer.cidr
    ) {
      let name = this.referenceCidrNames.get(peer.cidr);
      if (name === undefined) {
        name = `cidr-ref-${this.referenceCidrNames.size + 1}`;
        this.referenceCidrNames.set(peer.cidr, name);
      }
      return name;
    }
    return peer.uniqueId;
  }

  /**
   * The ethertypes one declared rule becomes: a CIDR peer's own; IPv4 (and IPv6 when the group
   * has `ipv6`) for a group peer. ICMP of a given type is bound to its IP version (ping is type
   * 8 in ICMPv4 and 128 in ICMPv6), so a typed ICMP port on the other version is refused.
   */
  private ethertypesOf(peer: IPeer, port: Port): Array<'IPv4' | 'IPv6'> {
    const typed = port.fromPort !== undefined;
    if (peer.peerKind === 'group') {
      if (port.protocol === 'ipv6-icmp') return ['IPv6'];
      if (port.protocol === 'icmp' && typed) return ['IPv4'];
      return this.ipv6 ? ['IPv4', 'IPv6'] : ['IPv4'];
    }
    const ethertype = peer.ethertype ?? 'IPv4';
    const mismatch =
      (port.protocol === 'ipv6-icmp' && ethertype === 'IPv4') ||
      (port.protocol === 'icmp' && typed && ethertype === 'IPv6');
    if (mismatch) {
      throw new ValidationError({
        path: this.node.path,
        what: `${port} rule for ${ethertype} peer`,
        value: peer.cidr,
        allowed: `ICMP types of the peer's IP version (${ethertype === 'IPv6' ? 'Port.icmp(type, code, true), e.g. 128 for ping' : 'Port.icmp(type, code), e.g. 8 for ping'})`,
        fix:
          ethertype === 'IPv6'
            ? 'use Port.icmp(128, 0, true) for IPv6 ping'
            : 'use Port.icmpPing() for IPv4 ping',
      });
    }
    return [ethertype];
  }
}

/** `Rule-ingress-tcp-8080-from-<peer>`: stable per rule, independent of declaration order. */
function ruleConstructId(rule: SecurityGroupRule, peerId: string): string {
  const peer = peerId.replace(/^group:/, 'group-').replace(/:/g, '-');
  return `Rule-${rule.direction}-${rule.port.toString()}-${rule.direction === 'ingress' ? 'from' : 'to'}-${peer}`.replace(
    /[^A-Za-z0-9_.-]+/g,
    '_',
  );
}

function protocolAttributes(
  port: Port,
  ethertype: 'IPv4' | 'IPv6',
): { protocol?: string; portRangeMin?: number; portRangeMax?: number } {
  if (port.protocol === 'any') return {};
  const protocol = port.protocol === 'icmp' && ethertype === 'IPv6' ? 'ipv6-icmp' : port.protocol;
  if (port.fromPort === undefined || port.toPort === undefined) return { protocol };
  return { protocol, portRangeMin: port.fromPort, portRangeMax: port.toPort };
}
