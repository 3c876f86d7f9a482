import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { Fn, Token } from '../core/cdk';
import { ISecurityGroup } from '../core/connections';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { checkInteger, checkSubnetAddress } from '../core/validate';
import { RenderedFile } from '../config/files';
import { CloudConfig } from '../config/cloud-init';
import {
  KeepalivedInterfaceFile,
  keepalivedCheckCommand,
  renderInterfaceDetection,
  renderKeepalived,
} from '../config/keepalived';
import { NetworkingPortV2 } from '../../.gen/providers/openstack/networking-port-v2';
import { INetwork } from './network';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';
import { RANDOM_PROVIDER } from '../hosting/secrets';

/** A keepalived pair instead of one balancer host (DESIGN decision 9). */
export interface BalancerHighAvailability {
  /** Two hosts share a virtual IP by VRRP (keepalived, unicast between the pair). */
  readonly vrrp: true;
  /**
   * The virtual IP: a fixed address on the balancer's subnet, held by a Neutron port that no
   * instance uses.
   * @default - Neutron picks a free address of the subnet
   */
  readonly virtualIp?: string;
  /**
   * VRRP router id, 1–255: unique among the keepalived pairs on the subnet.
   * @default - a stable number from 1 to 255 derived from the construct path
   */
  readonly virtualRouterId?: number;
  /**
   * The hosts' network interface (VRRP runs on it and the VIP is added to it).
   * @default - the interface of the host's default route, found at boot (`ens3`, `enp1s0` or
   * `eth0` depending on image and machine type) and written to `/etc/keepalived/webfarm-interface.conf`,
   * which `keepalived.conf` includes
   */
  readonly interface?: string;
}

/** One member of the pair, as the keepalived configuration sees it. */
export interface KeepalivedMember {
  /** The host name (keepalived's `router_id`). */
  readonly hostName: string;
  /** The host's private address (a Terraform reference). */
  readonly privateAddress: string;
}

/** Props of {@link KeepalivedPair}. */
export interface KeepalivedPairProps {
  /** The subnet the VIP is taken from (the hosts' subnet). */
  readonly network: INetwork;
  /** Groups on the VIP port (the balancer's). */
  readonly securityGroups: ISecurityGroup[];
  /** VIP, router id and interface. */
  readonly highAvailability: BalancerHighAvailability;
  /** Name of the VIP port in the cloud. */
  readonly name: string;
  /**
   * The pid file of the balancer process. The track script (`pgrep -F <pidFile>`, every second)
   * fails as soon as that process is gone, and the host gives up the VIP at the first failure: the
   * other host holds it about 1.5 s later (measured in test/e2e/keepalived-failover.test.ts). A
   * graceful reload keeps the master process, so configuration pushes never move the VIP; a
   * restart does (and the VIP comes back after two good checks).
   */
  readonly pidFile: string;
}

/** Where keepalived's configuration lives on a host. */
export const KEEPALIVED_CONFIG_PATH = '/etc/keepalived/keepalived.conf';

/** Where a host writes its interface name at boot when none is given (`interface <name>`). */
export const KEEPALIVED_INTERFACE_FILE = '/etc/keepalived/webfarm-interface.conf';

/**
 * The shared part of a keepalived pair: the VIP's Neutron port (an address no instance owns; the
 * hosts' ports list it in `allowed_address_pairs`, and a floating IP can point at it), the VRRP
 * password (`random_password`, 8 characters: VRRP carries no more), and each host's
 * `keepalived.conf` (unicast to the other host, priority 150 on the first host and 100 on the
 * second, a track script on the balancer process).
 */
export class KeepalivedPair extends Construct {
  /** The VIP's port. */
  public readonly port: NetworkingPortV2;
  /** The virtual IP (a literal when given, else a Terraform reference). */
  public readonly address: string;
  /** The VRRP password. */
  public readonly password: Password;
  /** The VRRP router id. */
  public readonly virtualRouterId: number;
  /** The hosts' interface: a name, or the file the hosts write it to at boot. */
  public readonly interface: string | KeepalivedInterfaceFile;
  private readonly pidFile: string;

  constructor(scope: Construct, id: string, props: KeepalivedPairProps) {
    super(scope, id);
    ensureProvider(this, OPENSTACK_PROVIDER);
    ensureProvider(this, RANDOM_PROVIDER);
    const path = this.node.path;
    const ha = props.highAvailability;
    checkHighAvailability(path, props.network, ha);
    this.virtualRouterId = ha.virtualRouterId ?? defaultRouterId(path);
    this.interface = ha.interface ?? { file: KEEPALIVED_INTERFACE_FILE };
    this.pidFile = props.pidFile;
    this.port = new NetworkingPortV2(this, 'Resource', {
      name: props.name,
      description: `webfarm virtual IP of ${path} (keepalived)`,
      networkId: props.network.networkId,
      adminStateUp: true,
      securityGroupIds: props.securityGroups.map((g) => g.securityGroupId),
      fixedIp: [
        {
          subnetId: props.network.subnet.subnetId,
          ...(ha.virtualIp !== undefined ? { ipAddress: ha.virtualIp } : {}),
        },
      ],
    });
    this.address = ha.virtualIp ?? Token.asString(Fn.element(this.port.allFixedIps, 0));
    this.password = new Password(this, 'AuthPassword', { length: 8, special: false });
    // Checks interface, router id and addresses now.
    this.configFor(
      { hostName: 'check', privateAddress: '192.0.2.1' },
      { hostName: 'check', privateAddress: '192.0.2.2' },
      150,
    );
  }

  /**
   * What each host of the pair needs at first boot: with no interface given, the file naming
   * the interface (written with the usual first NIC, `ens3`, then rewritten from the host's
   * default route by a boot command). Empty when the interface was given.
   */
  public bootstrap(): CloudConfig {
    if (typeof this.interface === 'string') return {};
    return {
      writeFiles: [{ path: this.interface.file, content: 'interface ens3\n' }],
      runcmd: [renderInterfaceDetection(this.interface.file)],
    };
  }

  /** The command that checks a rendered `keepalived.conf` on a host. */
  public get check(): string {
    return keepalivedCheckCommand(KEEPALIVED_CONFIG_PATH);
  }

  /** `keepalived.conf` of `self`, peering with `peer`, at `priority` (150 first host, 100 second). */
  public configFor(self: KeepalivedMember, peer: KeepalivedMember, priority: number): RenderedFile[] {
    return renderKeepalived(
      {
        routerId: self.hostName,
        path: KEEPALIVED_CONFIG_PATH,
        trackScript: {
          command: ['/usr/bin/pgrep', '-F', this.pidFile],
          intervalSeconds: 1,
          timeoutSeconds: 1,
          fall: 1,
          rise: 2,
        },
        instances: [
          {
            name: 'balancer_vip',
            interface: this.interface,
            virtualRouterId: this.virtualRouterId,
            priority,
            sourceAddress: self.privateAddress,
            peers: [peer.privateAddress],
            password: this.password.result,
            virtualAddresses: [this.address],
          },
        ],
      },
      `${this.node.path} keepalived`,
    );
  }
}

function defaultRouterId(path: string): number {
  return (createHash('sha256').update(path).digest().readUInt32BE(0) % 255) + 1;
}

function checkHighAvailability(path: string, network: INetwork, ha: BalancerHighAvailability): void {
  if (ha.vrrp !== true) {
    throw new ValidationError({
      path,
      what: 'highAvailability.vrrp',
      value: ha.vrrp,
      allowed: 'true (a keepalived pair sharing a virtual IP)',
      fix: 'write highAvailability: { vrrp: true }, or leave highAvailability out for one host',
    });
  }
  if (ha.virtualRouterId !== undefined) {
    checkInteger(
      path,
      'highAvailability.virtualRouterId',
      ha.virtualRouterId,
      1,
      255,
      'pick 1–255, unique among the keepalived pairs on this subnet',
    );
  }
  if (ha.interface !== undefined && !/^[A-Za-z0-9._-]{1,15}$/.test(ha.interface)) {
    throw new ValidationError({
      path,
      what: 'highAvailability.interface',
      value: ha.interface,
      allowed: 'a Linux interface name of at most 15 letters, digits, ".", "_" and "-"',
      fix: 'give the name `ip link` shows on the image, e.g. "ens3" or "eth0"',
    });
  }
  const vip = ha.virtualIp;
  if (vip === undefined || isUnresolved(vip)) return;
  checkSubnetAddress(
    path,
    'highAvailability.virtualIp',
    vip,
    { cidr: network.subnet.cidrKnown ? network.subnet.cidr : undefined, label: 'balancer subnet' },
    'pick a free address of that subnet (outside its DHCP allocation pool)',
    4,
  );
}
