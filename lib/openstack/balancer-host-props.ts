/**
 * The props of a self-hosted balancer (nginx or HAProxy hosts on OpenStack) and their checks:
 * what `NginxBalancer` and `HaproxyBalancer` take, validated before anything is built.
 */
import { ValidationError } from '../core/errors';
import { HostFile } from '../core/host-files';
import { isUnresolved } from '../core/tokens';
import { checkCidr, checkNotWorldSized } from '../core/validate';
import { BalancerDaemon } from '../hosting/balancer-daemon';
import { IAdminAccess, checkAdminAccessObject, checkAdminCidrs } from './admin-access';
import { renamed } from '../core/renamed';
import { SshAccess } from './config-delivery';
import { IKeyPair } from './keypair';
import { BalancerHighAvailability } from './keepalived-pair';
import { INetwork } from './network';

/**
 * How pools and listeners reach a self-hosted balancer.
 *
 * - `ssh` (the default): cloud-init only bootstraps the host (packages, base configuration,
 *   hardening); the pool and listener files are pushed in place over SSH by a `terraform_data`
 *   whose trigger is their hash and the instance's id and image. A pool change replaces that
 *   `terraform_data` and nothing else; a replaced (or rebuilt) instance gets the files again.
 * - `user-data`: everything is written by cloud-init, for clouds where the machine that runs
 *   Terraform cannot reach the host over SSH. **Cost:** `user_data` is ForceNew, so EVERY pool,
 *   node or listener change REPLACES the balancer instance(s): a few minutes of downtime on a
 *   single host (the public address survives: the floating IP and the port are separate
 *   resources), open connections dropped, and anything on the host's disk lost.
 */
export type BalancerDelivery = 'ssh' | 'user-data';

/** Props shared by `NginxBalancer` and `HaproxyBalancer`. */
export interface SelfHostedBalancerProps {
  /** The network (and subnet) the balancer host's port is on: usually the workers' network. */
  readonly network: INetwork;
  /** Image name (Debian or Ubuntu), e.g. `Featured-Ubuntu24` or `debian-12`. */
  readonly image: string;
  /** Flavor name, e.g. `m3.small`. */
  readonly flavor: string;
  /**
   * Nova keypair of the image's default user: the key Terraform logs in with (`ssh.privateKey`)
   * must belong to it.
   * @default - no keypair (only users created by cloud-init can log in)
   */
  readonly keyPair?: IKeyPair;
  /**
   * How Terraform logs in to push configuration (user, private key, optional bastion). Required
   * with `delivery: 'ssh'`.
   * @default - none (only allowed with `delivery: 'user-data'`)
   */
  readonly ssh?: SshAccess;
  /**
   * Networks allowed to reach the balancer host(s) on tcp/22, as `adminAccess: [...]` does.
   *
   * @deprecated Use `adminAccess` instead (the one name of SSH for administrators on every
   * construct): `adminAccess: ['198.51.100.0/24']`. Still accepted; with an `adminAccess` list of
   * other CIDRs it is a `ValidationError`, with an `AdminAccess` both apply, as before.
   */
  readonly adminCidrs?: string[];
  /**
   * SSH for administrators, the one name on every construct: an `AdminAccess` (tcp/22 from its
   * bastion's group, or from its admin networks; a push jumps through its bastion), or a list of
   * CIDR blocks, the networks allowed to reach the host(s) on tcp/22 (where Terraform runs).
   * There is no default, and `0.0.0.0/0` only when you name it. Required with `delivery: 'ssh'`.
   * @default - no SSH rule
   */
  readonly adminAccess?: IAdminAccess | string[];
  /**
   * External network to allocate the public address from (a separate floating IP, associated
   * to the host's port, or to the virtual IP's port of a pair).
   * @default - no public address: listeners are reachable inside the cloud only
   */
  readonly floatingIpPool?: string;
  /**
   * How pools and listeners reach the host: pushed in place over SSH, or written by cloud-init
   * (which REPLACES the instance on every pool change; see {@link BalancerDelivery}).
   * @default 'ssh'
   */
  readonly delivery?: BalancerDelivery;
  /**
   * Networks besides the host itself that may read the status page (nginx `stub_status` on
   * 8081, HAProxy stats on 8404). The host itself always may.
   * @default - this host only (the page listens on 127.0.0.1)
   */
  readonly statusAllowedCidrs?: string[];
  /**
   * Two hosts sharing a virtual IP by keepalived instead of one host.
   * @default - one host
   */
  readonly highAvailability?: BalancerHighAvailability;
  /**
   * Instance name (lowercase letters, digits and `-`); a pair's hosts are `<name>-1` and
   * `<name>-2`.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Further files on the balancer host(s), e.g. the certificate a TLS listener names. With
   * `delivery: 'ssh'` they travel with every push, installed (owner, mode) before the daemon's
   * check runs, so the first push already finds them; a `secret` file is refused with
   * `delivery: 'user-data'` (user data is readable through the metadata service). `HostFile`s:
   * path, content, owner, mode (default '0600' for a secret, else '0644') and `secret`;
   * `check`, `createOnly` and `defer` are refused.
   * @default - none
   */
  readonly files?: HostFile[];
  /**
   * Further Debian/Ubuntu packages installed at first boot (e.g. `ssl-cert`).
   * @default - none
   */
  readonly packages?: string[];
}

/**
 * A further file on a balancer host.
 *
 * @deprecated Use `HostFile` instead (the one file type; the same fields).
 */
export type BalancerHostFile = HostFile;

/** Props of {@link BalancerHosts}. */
export interface BalancerHostsProps extends SelfHostedBalancerProps {
  /** The balancer software. */
  readonly daemon: BalancerDaemon;
  /** The construct path errors name (the balancer's). */
  readonly path: string;
}

/** SSH hardening of a balancer host: keys only, root only with a key, no forwarding of X11. */
/** The user's further files as host files (mode 0600 for secrets unless given). */
export function extraFiles(props: SelfHostedBalancerProps): HostFile[] {
  return (props.files ?? []).map((f) => ({
    path: f.path,
    content: f.content,
    owner: f.owner ?? 'root:root',
    mode: f.mode ?? (f.secret ? '0600' : '0644'),
  }));
}

/** Checks the further files: absolute paths, not the daemon's, no secret in user data. */
export function checkExtraFiles(path: string, props: BalancerHostsProps, delivery: BalancerDelivery): void {
  const taken = [props.daemon.mainConfig, ...props.daemon.managedDirectories.map((d) => `${d.path}/`)];
  const seen = new Set<string>();
  for (const file of props.files ?? []) {
    const where = `${path} file ${JSON.stringify(file.path)}`;
    if (
      typeof file.path !== 'string' ||
      !/^\/[A-Za-z0-9._/@+-]+$/.test(file.path) ||
      file.path.includes('/../')
    ) {
      throw new ValidationError({
        path,
        what: 'files entry path',
        value: file.path,
        allowed: 'an absolute path of letters, digits and ._/@+-',
        fix: 'give where the file goes on the host, e.g. /etc/haproxy/certs/site.pem',
      });
    }
    if (taken.some((t) => file.path === t || (t.endsWith('/') && file.path.startsWith(t)))) {
      throw new ValidationError({
        path: where,
        what: 'path',
        value: file.path,
        allowed: `a path outside ${props.daemon.name}'s own files (${taken.join(', ')})`,
        fix: 'put the file elsewhere, e.g. /etc/ssl/private/',
      });
    }
    if (seen.has(file.path)) {
      throw new ValidationError({
        path: where,
        what: 'path',
        value: file.path,
        allowed: 'each path once',
        fix: 'remove the duplicate',
      });
    }
    seen.add(file.path);
    if (file.mode !== undefined && !/^0?[0-7]{3}$/.test(file.mode)) {
      throw new ValidationError({
        path: where,
        what: 'mode',
        value: file.mode,
        allowed: 'an octal mode such as "0640"',
        fix: 'write the mode as 4 octal digits',
      });
    }
    for (const flag of ['check', 'createOnly', 'defer'] as const) {
      if (file[flag] !== undefined && file[flag] !== false) {
        throw new ValidationError({
          path: where,
          what: flag,
          value: file[flag],
          allowed: "path, content, owner, mode and secret in a balancer's files",
          fix: `leave ${flag} out: the file is installed with every push, before the daemon's check`,
        });
      }
    }
    if (file.secret && delivery === 'user-data') {
      throw new ValidationError({
        path: where,
        what: 'secret file with delivery',
        value: 'user-data',
        allowed: 'delivery "ssh": user data is readable on the host through the metadata service',
        fix: 'use delivery: "ssh" (the default), or deliver the secret another way',
      });
    }
  }
}

/** Checks the props; returns the delivery and who may SSH to the hosts. */
export function checkProps(
  path: string,
  props: SelfHostedBalancerProps,
): { delivery: BalancerDelivery; admin: BalancerAdmin } {
  const delivery = props.delivery ?? 'ssh';
  if (delivery !== 'ssh' && delivery !== 'user-data') {
    throw new ValidationError({
      path,
      what: 'delivery',
      value: delivery,
      allowed: '"ssh" (pushed in place) or "user-data" (cloud-init; replaces the host on every change)',
      fix: 'use "ssh" unless Terraform cannot reach the host over SSH',
    });
  }
  const admin = adminOf(path, props);
  for (const cidr of props.statusAllowedCidrs ?? []) {
    checkCidr(path, 'statusAllowedCidrs entry', cidr);
    // The status page names every node and its state: it is for operators, never for anyone.
    checkNotWorldSized(
      path,
      'statusAllowedCidrs entry',
      cidr,
      'list the operators\' networks, e.g. ["198.51.100.0/24"]; the status page is not for the internet',
    );
  }
  if (
    props.floatingIpPool !== undefined &&
    !isUnresolved(props.floatingIpPool) &&
    props.floatingIpPool.trim() === ''
  ) {
    throw new ValidationError({
      path,
      what: 'floatingIpPool',
      value: props.floatingIpPool,
      allowed: 'the name of an external network',
      fix: 'give the external network, e.g. "public" (`openstack network list --external`), or leave it out',
    });
  }
  if (delivery === 'ssh') {
    if (!props.ssh) {
      throw new ValidationError({
        path,
        what: 'ssh',
        value: undefined,
        allowed: 'SSH access (user, private key, optional bastion) with delivery "ssh"',
        fix: 'give ssh: { user: "ubuntu", privateKey: Fn.file("~/.ssh/id_ed25519") }, or delivery: "user-data"',
      });
    }
    const sshPort = props.ssh.port ?? 22;
    if (!isUnresolved(sshPort) && sshPort !== 22) {
      // The host's sshd listens on 22 and its security group opens 22 (directly or from the
      // bastion): Terraform connecting to another port would fail at the first push.
      throw new ValidationError({
        path,
        what: 'ssh.port',
        value: sshPort,
        allowed: "22 (the balancer host's sshd port, which its security group opens)",
        fix: 'leave ssh.port out; a bastion on another port is ssh.bastion.port',
      });
    }
    if (!admin.cidrs.length && !admin.access) {
      throw new ValidationError({
        path,
        what: 'adminCidrs',
        value: props.adminCidrs ?? [],
        allowed:
          'at least one CIDR block (or an adminAccess) with delivery "ssh": Terraform must reach tcp/22',
        fix: 'give the network Terraform connects from, e.g. ["198.51.100.0/24"], or adminAccess, or delivery: "user-data"',
      });
    }
  }
  return { delivery, admin };
}

/** Who may SSH to a balancer's hosts: CIDR blocks and an `IAdminAccess`. @internal */
export interface BalancerAdmin {
  /** tcp/22 from each of these. */
  readonly cidrs: string[];
  /** The prop that named `cidrs`, for messages. */
  readonly what: 'adminAccess' | 'adminCidrs';
  /** The admin access object, when one is given. */
  readonly access?: IAdminAccess;
}

/**
 * `adminAccess` (a list or an `IAdminAccess`) with the deprecated `adminCidrs`, checked: a list
 * under both names must be the same list; `adminCidrs` beside an `IAdminAccess` adds its CIDRs.
 * @internal
 */
function adminOf(path: string, props: SelfHostedBalancerProps): BalancerAdmin {
  const old = props.adminCidrs === undefined ? undefined : checkAdminCidrs(path, props.adminCidrs);
  if (Array.isArray(props.adminAccess)) {
    const given = checkAdminCidrs(path, props.adminAccess, 'adminAccess');
    return { cidrs: renamed(path, 'adminAccess', given, 'adminCidrs', old) ?? [], what: 'adminAccess' };
  }
  return {
    cidrs: old ?? [],
    what: 'adminCidrs',
    access: checkAdminAccessObject(path, props.adminAccess),
  };
}
