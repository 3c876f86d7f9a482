import { Construct } from 'constructs';
import { Annotations } from '../core/cdk';
import { Connections, IConnectable } from '../core/connections';
import { ValidationError } from '../core/errors';
import { Peer } from '../core/peer';
import { Port } from '../core/port';
import { checkCidr, checkObject, isWorldCidr } from '../core/validate';
import { FloatingIp } from './floating-ip';
import { Host } from './host';
import { IKeyPair } from './keypair';
import { INetwork } from './network';
import { SecurityGroup } from './security-group';

/** The SSH port. */
const SSH = Port.tcp(22);

/**
 * sshd settings of the bastion: keys only, no root, no agent or X11 forwarding (ProxyJump needs
 * none of them, only TCP forwarding). A drop-in read by the `Include` of Debian's and Ubuntu's
 * `sshd_config`, written before sshd first starts.
 */
export const BASTION_SSHD_CONFIG = [
  '# webfarm bastion: keys only, jump host only',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'PermitRootLogin no',
  'X11Forwarding no',
  'AllowAgentForwarding no',
  'AllowTcpForwarding yes',
  'PermitTunnel no',
  '',
].join('\n');

/** Something that can open SSH to a target for the administrators. */
export interface IAdminAccess {
  /** Lets the administrators reach `target` on tcp/22 (directly, or through the bastion). */
  allowSshTo(target: IConnectable): void;
  /**
   * The address to jump through to reach the targets over SSH (a bastion's public address), when
   * targets admit SSH only from a jump host. Balancer hosts push their configuration through it
   * unless `ssh.bastion` names another.
   * @default - none: targets admit SSH from the admin networks directly
   */
  readonly jumpHost?: string;
  /**
   * The administrators' Nova keypair: the default `keyPair` of every target given this admin
   * access (workers, balancer hosts, Redis, file servers, ZFS pairs).
   * @default - none: each target's own `keyPair`
   */
  readonly keyPair?: IKeyPair;
}

/**
 * The keypair name a host of a target gets: the target's own `keyPair`, else its admin access's.
 */
export function keyPairNameOf(
  keyPair: IKeyPair | undefined,
  adminAccess: IAdminAccess | undefined,
): string | undefined {
  return (keyPair ?? adminAccess?.keyPair)?.keyPairName;
}

/**
 * A target's `adminAccess` prop as an {@link IAdminAccess}: an `AdminAccess` (or any
 * `IAdminAccess`) as it is; a list of CIDR blocks, the administrators' networks, becomes SSH
 * from each of them (checked, and warned about on `scope` when one is the whole internet).
 * @internal
 */
export function adminAccessOf(
  scope: Construct,
  path: string,
  adminAccess: IAdminAccess | readonly string[] | undefined,
): IAdminAccess | undefined {
  if (!Array.isArray(adminAccess)) return checkAdminAccessObject(path, adminAccess);
  const cidrs = checkAdminCidrs(path, adminAccess, 'adminAccess');
  warnOnWorld(scope, cidrs, 'adminAccess');
  return cidrAdminAccess(cidrs);
}

/**
 * An `adminAccess` prop that is not a list, checked: left out (or `null`), or an
 * {@link IAdminAccess}. A JavaScript caller's single CIDR string, number or plain object is
 * refused here instead of failing later with a `TypeError` (`allowSshTo is not a function`).
 * @internal
 */
export function checkAdminAccessObject(path: string, adminAccess: unknown): IAdminAccess | undefined {
  if (adminAccess === undefined || adminAccess === null) return undefined;
  if (typeof (adminAccess as Partial<IAdminAccess>).allowSshTo === 'function')
    return adminAccess as IAdminAccess;
  throw new ValidationError({
    path,
    what: 'adminAccess',
    value: adminAccess,
    allowed: 'an AdminAccess (any IAdminAccess) or a list of CIDR blocks',
    fix: 'give a list such as ["198.51.100.0/24"], or new AdminAccess(this, "Admin", { adminCidrs: [...] })',
  });
}

/** SSH from each of `cidrs`, as `AdminAccess` without a bastion opens it. */
function cidrAdminAccess(cidrs: readonly string[]): IAdminAccess {
  return { allowSshTo: (target) => allowSshFromCidrs(target, cidrs) };
}

/** tcp/22 to `target` from each admin network. */
function allowSshFromCidrs(target: IConnectable, cidrs: readonly string[]): void {
  for (const cidr of cidrs) {
    target.connections.allowFrom(Peer.cidr(cidr), SSH, 'SSH from an admin network');
  }
}

/** Props of {@link Bastion}. */
export interface BastionProps {
  /** The network the bastion's port is on (the network of the hosts it reaches). */
  readonly network: INetwork;
  /** Image name. */
  readonly image: string;
  /** Flavor name (the smallest will do). */
  readonly flavor: string;
  /** External network to allocate the bastion's floating IP from, e.g. `public`. */
  readonly floatingIpPool: string;
  /** Who may SSH to the bastion. At least one CIDR: a bastion nobody may reach is refused. */
  readonly adminCidrs: string[];
  /**
   * Keypair for the bastion's default user.
   * @default - none (users from cloud-init only)
   */
  readonly keyPair?: IKeyPair;
  /**
   * Instance name.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
}

/**
 * A small jump host: its own security group admitting SSH from the admin CIDRs only, a floating
 * IP (a separate resource, so replacing the instance keeps the address), and sshd restricted to
 * keys. Reach the workers with `ssh -J <user>@<bastion address> <user>@<worker address>`.
 */
export class Bastion extends Construct implements IConnectable {
  /** The instance. */
  public readonly host: Host;
  /** The bastion's group. */
  public readonly securityGroup: SecurityGroup;
  /** The floating IP. */
  public readonly floatingIp: FloatingIp;
  /** The public address (a Terraform reference). */
  public readonly publicAddress: string;
  /** The private address (a Terraform reference). */
  public readonly privateAddress: string;
  /** The bastion's connections (its group). */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    const path = this.node.path;
    const cidrs = checkAdminCidrs(path, props.adminCidrs);
    if (cidrs.length === 0) {
      throw new ValidationError({
        path,
        what: 'adminCidrs',
        value: props.adminCidrs ?? [],
        allowed: 'at least one CIDR block (a bastion nobody may reach is of no use)',
        fix: 'give the networks your administrators connect from, e.g. ["198.51.100.0/24"]',
      });
    }
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `webfarm bastion ${path}: SSH from the admin networks`,
    });
    for (const cidr of cidrs) {
      this.securityGroup.connections.allowFrom(Peer.cidr(cidr), SSH, 'SSH from an admin network');
    }
    warnOnWorld(this, cidrs);
    this.host = new Host(this, 'Host', {
      network: props.network,
      image: props.image,
      flavor: props.flavor,
      securityGroups: [this.securityGroup],
      keyPairName: props.keyPair?.keyPairName,
      role: 'bastion',
      name: props.name ?? id.toLowerCase(),
      cloudConfig: {
        writeFiles: [
          {
            path: '/etc/ssh/sshd_config.d/60-webfarm-bastion.conf',
            content: BASTION_SSHD_CONFIG,
            mode: '0644',
          },
        ],
      },
    });
    this.floatingIp = new FloatingIp(this, 'FloatingIp', {
      pool: props.floatingIpPool,
      portId: this.host.port.id,
    });
    this.publicAddress = this.floatingIp.address;
    this.privateAddress = this.host.privateAddress;
    this.connections = this.securityGroup.connections;
  }
}

/** Props of {@link AdminAccess}. */
export interface AdminAccessProps {
  /**
   * The networks administrators connect from. There is deliberately no default: without CIDRs no
   * SSH rule is written anywhere (and never one from `0.0.0.0/0` unless you name it).
   * @default - none: no SSH access
   */
  readonly adminCidrs?: string[];
  /**
   * A bastion: SSH from `adminCidrs` reaches only the bastion, and targets admit SSH from the
   * bastion's group only.
   * @default - no bastion: targets admit SSH from `adminCidrs` directly
   */
  readonly bastion?: Omit<BastionProps, 'adminCidrs'>;
  /**
   * The administrators' Nova keypair: the bastion's unless it names its own, and the default
   * `keyPair` of every target given this admin access.
   * @default - none: each target's own `keyPair`
   */
  readonly keyPair?: IKeyPair;
}

/**
 * SSH for administrators, by intent: `admin.allowSshTo(workers)` (or a worker group's
 * `adminAccess` prop) opens tcp/22 to the target from the admin networks, or from the bastion
 * when there is one.
 *
 * ```ts
 * const admin = new AdminAccess(this, 'Admin', {
 *   adminCidrs: ['198.51.100.0/24'],
 *   bastion: { network, image: 'Featured-Ubuntu24', flavor: 'm3.tiny', floatingIpPool: 'public' },
 * });
 * ```
 */
export class AdminAccess extends Construct implements IAdminAccess {
  /** The admin networks. */
  public readonly adminCidrs: readonly string[];
  /** The bastion, when asked for. */
  public readonly bastion?: Bastion;
  /** The bastion's public address, when there is a bastion. */
  public readonly jumpHost?: string;
  /** The administrators' keypair, when given. */
  public readonly keyPair?: IKeyPair;

  constructor(scope: Construct, id: string, props: AdminAccessProps = {}) {
    super(scope, id);
    checkObject(this.node.path, 'props', props, '{ adminCidrs: ["198.51.100.0/24"] }');
    this.keyPair = props.keyPair;
    this.adminCidrs = checkAdminCidrs(this.node.path, props.adminCidrs ?? []);
    if (props.bastion) {
      this.bastion = new Bastion(this, 'Bastion', {
        ...props.bastion,
        keyPair: props.bastion.keyPair ?? props.keyPair,
        adminCidrs: [...this.adminCidrs],
      });
      this.jumpHost = this.bastion.publicAddress;
    } else {
      warnOnWorld(this, this.adminCidrs);
    }
  }

  /**
   * Opens tcp/22 to `target`: from the bastion's group when there is a bastion, else from each
   * admin CIDR. With no CIDRs and no bastion, it writes nothing.
   */
  public allowSshTo(target: IConnectable): void {
    if (this.bastion) {
      target.connections.allowFrom(this.bastion, SSH, 'SSH from the bastion');
      return;
    }
    allowSshFromCidrs(target, this.adminCidrs);
  }
}

/**
 * The one check of an `adminCidrs` prop (AdminAccess, Bastion, the balancer hosts): left out, or
 * a list of CIDR blocks; a JavaScript caller's single string is refused as a whole, not
 * character by character. Returns the list (empty when left out).
 */
export function checkAdminCidrs(
  path: string,
  cidrs: readonly string[] | undefined,
  what = 'adminCidrs',
): string[] {
  if (cidrs === undefined) return [];
  if (!Array.isArray(cidrs)) {
    throw new ValidationError({
      path,
      what,
      value: cidrs,
      allowed: 'a list of CIDR blocks',
      fix: `write ${what}: ["198.51.100.0/24"]`,
    });
  }
  for (const cidr of cidrs) checkCidr(path, `${what} entry`, cidr);
  return [...cidrs];
}

/**
 * The one warning for SSH opened to the whole internet by admin networks (`adminCidrs` of a
 * bastion or an `AdminAccess`, a target's `adminAccess` list): on `scope`, naming the world-sized
 * CIDRs given and the prop (`what`) that names them.
 */
export function warnOnWorld(scope: Construct, cidrs: readonly string[], what = 'adminCidrs'): void {
  const world = cidrs.filter(isWorldCidr);
  if (world.length) {
    Annotations.of(scope).addWarning(
      `SSH is open to the whole internet (${world.join(', ')}) because ${what} names it; ` +
        'prefer the networks your administrators use.',
    );
  }
}
