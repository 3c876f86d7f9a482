import { ValidationError } from '../../core/errors';
import { IPeer, Peer } from '../../core/peer';
import { isUnresolved } from '../../core/tokens';
import { checkCidr } from '../../core/validate';
import { ISubnet } from '../network';

/**
 * The VIP subnet as a peer: where the amphorae reach members from (and where listener ports
 * are open when no `allowedCidrs` are given).
 */
export function vipSubnetPeer(path: string, subnet: ISubnet): IPeer {
  const { cidr, cidrKnown } = subnet;
  if (cidrKnown) {
    checkCidr(path, 'VIP subnet cidr', cidr);
    return Peer.cidr(cidr);
  }
  if (!isUnresolved(cidr)) {
    throw new ValidationError({
      path,
      what: 'VIP subnet cidr',
      value: cidr,
      allowed: "a known CIDR or a Terraform reference to the subnet's cidr",
      fix: 'the amphorae reach members from the VIP subnet, so its CIDR opens the workers\' port: give it, e.g. Network.fromId(this, "Net", networkId, subnetId, { cidr: "10.0.0.0/24" }), or use Network.fromName',
    });
  }
  // A looked-up CIDR is a token whose text changes between synths: key the rule by the
  // balancer instead, so construct ids of the rules it makes stay stable.
  return {
    peerKind: 'cidr',
    cidr,
    ethertype: 'IPv4',
    isWorld: false,
    uniqueId: `vip-subnet-of:${path}`,
    label: `VIP subnet of ${path}`,
  };
}

/**
 * Who may connect to listener `listenerId` of the balancer at `path` (named `lbName`): the VIP
 * subnet when no `allowedCidrs` are given. A CIDR that is a Terraform reference gets a key of
 * its own (listener and position): the token's text changes between synths and would rename the
 * rule.
 */
export function listenerPeers(
  vipPeer: IPeer,
  path: string,
  lbName: string,
  listenerId: string,
  allowedCidrs: string[] | undefined,
): IPeer[] {
  if (!allowedCidrs) return [vipPeer];
  return allowedCidrs.map((cidr, i) =>
    isUnresolved(cidr)
      ? {
          peerKind: 'cidr',
          cidr,
          ethertype: 'IPv4',
          isWorld: false,
          uniqueId: `allowed-cidr:${lbName}-${listenerId}-${i + 1}`,
          label: `allowed CIDR ${i + 1} of listener '${listenerId}' of ${path}`,
        }
      : Peer.cidr(cidr),
  );
}
