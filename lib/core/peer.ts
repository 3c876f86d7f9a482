import { checkCidr, isWorldCidr } from './validate';

/** Something a security-group rule can name as the other side: a CIDR block or a group. */
export interface IPeer {
  /** `cidr` for an address block, `group` for a security group. */
  readonly peerKind: 'cidr' | 'group';
  /** The CIDR block, for `cidr` peers. */
  readonly cidr?: string;
  /** The security group id (a token), for `group` peers. */
  readonly securityGroupId?: string;
  /** The ethertype of a `cidr` peer; group peers are both. */
  readonly ethertype?: 'IPv4' | 'IPv6';
  /** True for `0.0.0.0/0` and `::/0`: the whole internet. */
  readonly isWorld: boolean;
  /** A stable key for de-duplicating rules. */
  readonly uniqueId: string;
  /** How the peer reads in a review: `203.0.113.0/24`, `group web/Workers`. */
  readonly label: string;
}

class CidrPeer implements IPeer {
  public readonly peerKind = 'cidr';
  public readonly isWorld: boolean;
  public readonly uniqueId: string;
  public readonly label: string;
  constructor(
    public readonly cidr: string,
    public readonly ethertype: 'IPv4' | 'IPv6',
  ) {
    this.isWorld = isWorldCidr(cidr);
    this.uniqueId = cidr;
    this.label = this.isWorld ? `${cidr} (anyone)` : cidr;
  }
}

/**
 * The other side of a rule. There is deliberately no default "anywhere": world access is
 * asked for by name (`Peer.anyIpv4()`), and only balancer listeners should ask for it.
 */
export class Peer {
  /** An IPv4 CIDR block, e.g. `203.0.113.0/24`. */
  public static ipv4(cidr: string): IPeer {
    checkCidr('Peer.ipv4', 'CIDR', cidr, 4);
    return new CidrPeer(cidr, 'IPv4');
  }

  /** An IPv6 CIDR block, e.g. `2001:db8::/32`. */
  public static ipv6(cidr: string): IPeer {
    checkCidr('Peer.ipv6', 'CIDR', cidr, 6);
    return new CidrPeer(cidr, 'IPv6');
  }

  /** An IPv4 or IPv6 CIDR block, whichever it is (tokens are taken as IPv4). */
  public static cidr(cidr: string): IPeer {
    const parsed = checkCidr('Peer.cidr', 'CIDR', cidr);
    return new CidrPeer(cidr, parsed?.version === 6 ? 'IPv6' : 'IPv4');
  }

  /** Every IPv4 address: the internet. */
  public static anyIpv4(): IPeer {
    return new CidrPeer('0.0.0.0/0', 'IPv4');
  }

  /** Every IPv6 address: the internet. */
  public static anyIpv6(): IPeer {
    return new CidrPeer('::/0', 'IPv6');
  }
}
