import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { checkCidr, checkName, checkNotWorldSized, checkObject, parseIp } from '../core/validate';
import { isUnresolved } from '../core/tokens';
import { DataOpenstackNetworkingNetworkV2 } from '../../.gen/providers/openstack/data-openstack-networking-network-v2';
import { DataOpenstackNetworkingSubnetV2 } from '../../.gen/providers/openstack/data-openstack-networking-subnet-v2';
import { NetworkingNetworkV2 } from '../../.gen/providers/openstack/networking-network-v2';
import { NetworkingSubnetV2 } from '../../.gen/providers/openstack/networking-subnet-v2';
import { NetworkingRouterV2 } from '../../.gen/providers/openstack/networking-router-v2';
import { NetworkingRouterInterfaceV2 } from '../../.gen/providers/openstack/networking-router-interface-v2';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';

/** A subnet instances attach to. */
export interface ISubnet {
  /** Subnet id (a Terraform reference). */
  readonly subnetId: string;
  /** The network the subnet belongs to. */
  readonly networkId: string;
  /**
   * The subnet's CIDR: a literal when we know it (we created it, or the user said it), else a
   * Terraform reference read from the cloud.
   */
  readonly cidr: string;
  /** True when `cidr` is a literal known at synth time (validations can use it). */
  readonly cidrKnown: boolean;
}

/** A network with one subnet that webfarm places instances on. */
export interface INetwork {
  /** Network id (a Terraform reference). */
  readonly networkId: string;
  /** The subnet instances get their address from. */
  readonly subnet: ISubnet;
}

/** Options for `Network.fromId`. */
export interface NetworkImportOptions {
  /**
   * The subnet's CIDR if you know it: enables synth-time checks (e.g. "allowed CIDR does not
   * contain the workers' subnet") that an imported subnet otherwise cannot have.
   * @default - read from the cloud at plan time (by `fromName`), unknown at synth (by `fromId`)
   */
  readonly cidr?: string;
}

/** Options for {@link Network.fromName}. */
export interface NetworkLookupOptions extends NetworkImportOptions {
  /**
   * Name of the subnet to use, when the network has several.
   * @default - the network's IPv4 subnet
   */
  readonly subnetName?: string;
}

/** Props of a new {@link Network}. */
export interface NetworkProps {
  /** The subnet's IPv4 CIDR, e.g. `10.42.0.0/24`. */
  readonly cidr: string;
  /**
   * Name of the external (provider) network the router uplinks to, for floating IPs and egress.
   * @default - no router: the network is isolated
   */
  readonly externalNetworkName?: string;
  /**
   * DNS servers handed out by DHCP.
   * @default - the cloud's default
   */
  readonly dnsNameservers?: string[];
  /**
   * Name prefix of the cloud resources.
   * @default - the construct id
   */
  readonly name?: string;
}

/**
 * A network + subnet (+ router to an external network) that webfarm creates, or, with
 * {@link Network.fromName} / `Network.fromId`, one the cloud already has. Most research
 * clouds hand users a network (`auto_allocated_network`): that path is one line.
 */
export class Network extends Construct implements INetwork {
  /**
   * An existing network looked up by name (data sources), with its IPv4 subnet:
   * `Network.fromName(this, 'Net', 'auto_allocated_network')`.
   */
  public static fromName(
    scope: Construct,
    id: string,
    networkName: string,
    options: NetworkLookupOptions = {},
  ): INetwork {
    ensureProvider(scope, OPENSTACK_PROVIDER);
    const holder = new Construct(scope, id);
    checkNonEmpty(
      holder.node.path,
      'network name',
      networkName,
      'give the name `openstack network list` shows',
    );
    if (options.subnetName !== undefined) {
      checkNonEmpty(
        holder.node.path,
        'subnetName',
        options.subnetName,
        'give the name `openstack subnet list` shows',
      );
    }
    if (options.cidr !== undefined) checkCidr(holder.node.path, 'cidr', options.cidr);
    const network = new DataOpenstackNetworkingNetworkV2(holder, 'Network', { name: networkName });
    const subnet = new DataOpenstackNetworkingSubnetV2(holder, 'Subnet', {
      networkId: network.id,
      // The IPv4 subnet unless one is named.
      ...(options.subnetName ? { name: options.subnetName } : { ipVersion: 4 }),
      ...(options.cidr ? { cidr: options.cidr } : {}),
    });
    return {
      networkId: network.id,
      subnet: {
        subnetId: subnet.id,
        networkId: network.id,
        cidr: options.cidr ?? subnet.cidr,
        cidrKnown: options.cidr !== undefined,
      },
    };
  }

  /**
   * An existing network and subnet by id: no lookup and no resource (`id` names the import in
   * messages). Give `options.cidr` to enable synth-time checks:
   * `Network.fromId(this, 'Net', networkId, subnetId, { cidr: '10.0.0.0/24' })`.
   */
  public static fromId(
    scope: Construct,
    id: string,
    networkId: string,
    subnetId: string,
    options?: NetworkImportOptions,
  ): INetwork;
  /**
   * An existing network and subnet by id, without a scope.
   *
   * @deprecated Use `Network.fromId(scope, id, networkId, subnetId, { cidr })` instead: every
   * import takes `(scope, id, …)`. Still accepted.
   */
  public static fromId(networkId: string, subnetId: string, cidr?: string): INetwork;
  public static fromId(...args: unknown[]): INetwork {
    let path = 'Network.fromId';
    let [networkId, subnetId, cidr] = args as [string, string, string | undefined];
    if (Construct.isConstruct(args[0])) {
      const [scope, id, nid, sid, options] = args as [
        Construct,
        string,
        string,
        string,
        NetworkImportOptions?,
      ];
      path = new Construct(scope, id).node.path;
      [networkId, subnetId, cidr] = [nid, sid, options?.cidr];
    }
    if (cidr !== undefined) checkCidr(path, 'cidr', cidr);
    return {
      networkId,
      subnet: { subnetId, networkId, cidr: cidr ?? '', cidrKnown: cidr !== undefined },
    };
  }

  /** The network id. */
  public readonly networkId: string;
  /** The subnet. */
  public readonly subnet: ISubnet;
  /** The router, when an external network was given. */
  public readonly router?: NetworkingRouterV2;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    checkObject(this.node.path, 'props', props, '{ cidr: "10.42.0.0/24" }');
    ensureProvider(this, OPENSTACK_PROVIDER);
    const path = this.node.path;
    const parsed = checkCidr(path, 'cidr', props.cidr, 4);
    // A "private" network of /0 or /1 would make every listener documented as "only the networks
    // the balancer is on" open to the world.
    checkNotWorldSized(
      path,
      'cidr',
      props.cidr,
      'use a private block such as "10.42.0.0/24" (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)',
    );
    if (parsed && parsed.prefix > 29) {
      throw new ValidationError({
        path,
        what: 'cidr',
        value: props.cidr,
        allowed: 'a prefix of /29 or shorter (room for the gateway, DHCP and instances)',
        fix: 'use a larger block, e.g. a /24',
      });
    }
    const name = props.name ?? id.toLowerCase();
    if (!isUnresolved(name)) checkName(path, 'name', name);
    if (props.externalNetworkName !== undefined) {
      checkNonEmpty(
        path,
        'externalNetworkName',
        props.externalNetworkName,
        'give the external network, e.g. "public" (`openstack network list --external`)',
      );
    }
    for (const server of props.dnsNameservers ?? []) {
      if (!isUnresolved(server) && parseIp(server)?.version !== 4) {
        throw new ValidationError({
          path,
          what: 'DNS name server',
          value: server,
          allowed: 'an IPv4 address (the subnet is IPv4)',
          fix: 'give the resolver address, e.g. "192.0.2.53"',
        });
      }
    }
    const network = new NetworkingNetworkV2(this, 'Resource', { name, adminStateUp: true });
    const subnet = new NetworkingSubnetV2(this, 'Subnet', {
      name,
      networkId: network.id,
      cidr: props.cidr,
      enableDhcp: true,
      ...(props.dnsNameservers ? { dnsNameservers: props.dnsNameservers } : {}),
    });
    if (props.externalNetworkName) {
      const external = new DataOpenstackNetworkingNetworkV2(this, 'External', {
        name: props.externalNetworkName,
        external: true,
      });
      this.router = new NetworkingRouterV2(this, 'Router', { name, externalNetworkId: external.id });
      new NetworkingRouterInterfaceV2(this, 'RouterInterface', {
        routerId: this.router.id,
        subnetId: subnet.id,
      });
    }
    this.networkId = network.id;
    this.subnet = { subnetId: subnet.id, networkId: network.id, cidr: props.cidr, cidrKnown: true };
  }
}

/**
 * Throws unless `network` is an {@link INetwork} (a JavaScript caller may pass `null`, a name or
 * a construct without a subnet): the one check every construct that places hosts or a VIP runs
 * before reading the network's subnet.
 */
export function checkNetwork(path: string, network: unknown): void {
  const given = network as { subnet?: unknown } | null | undefined;
  if (
    given === null ||
    typeof given !== 'object' ||
    given.subnet === null ||
    typeof given.subnet !== 'object'
  ) {
    throw new ValidationError({
      path,
      what: 'network',
      value: typeof network === 'object' && network !== null ? 'an object without a subnet' : network,
      allowed: 'a network: new Network(…), Network.fromName(…) or Network.fromId(…)',
      fix: 'pass the network the hosts are on, e.g. Network.fromName(this, "Net", "auto_allocated_network")',
    });
  }
}

function checkNonEmpty(path: string, what: string, value: string, fix: string): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError({ path, what, value, allowed: 'a non-empty name', fix });
  }
}
