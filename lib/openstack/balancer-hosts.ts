import { Construct } from 'constructs';
import { Annotations } from '../core/cdk';
import {
  checkOptionsObject,
  IBalancerListener,
  IBalancerPool,
  IBalancerTarget,
  ListenerOptions,
  PoolOptions,
} from '../core/balancer';
import { BalancerModel, listenerPorts } from '../core/balancer-model';
import { Connections, IConnectable } from '../core/connections';
import { ValidationError } from '../core/errors';
import { HostFile, RuntimeManifest } from '../core/host-files';
import { Peer } from '../core/peer';
import { listenerTopology, poolTopology, recordTopology, resourceAddress } from '../core/topology';
import { Port } from '../core/port';
import { checkName } from '../core/validate';
import { CloudConfig } from '../config/cloud-init';
import { RenderedFile } from '../config/files';
import { BalancerDaemon, RUNTIME_LOCK_DIR } from '../hosting/balancer-daemon';
import { IAdminAccess, keyPairNameOf, warnOnWorld } from './admin-access';
import { ConfigDelivery, SshAccess } from './config-delivery';
import { FloatingIp } from './floating-ip';
import { Host } from './host';
import { KeepalivedPair } from './keepalived-pair';
import { SecurityGroup } from './security-group';
import {
  BalancerDelivery,
  BalancerHostsProps,
  checkExtraFiles,
  checkProps,
  extraFiles,
} from './balancer-host-props';
import { ServerGroup } from './server-group';

const SSHD_HARDENING = [
  '# webfarm balancer host: keys only.',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'PermitRootLogin prohibit-password',
  'X11Forwarding no',
  '',
].join('\n');

/** Daily package lists and unattended security upgrades. */
const AUTO_UPGRADES = [
  'APT::Periodic::Update-Package-Lists "1";',
  'APT::Periodic::Unattended-Upgrade "1";',
  '',
].join('\n');

/**
 * The host-building part every self-hosted balancer shares (composed by `NginxBalancer` and
 * `HaproxyBalancer`): the pools and listeners (a `BalancerModel`), the balancer's security
 * group (listener ports from `allowedCidrs` only, SSH from `adminAccess` only, the status page
 * from `statusAllowedCidrs` only), one host or a keepalived pair (anti-affinity server group,
 * virtual IP port, VRRP between the pair), the floating IP, the cloud-init bootstrap and the
 * in-place pushes of the configuration.
 */
export class BalancerHosts extends Construct implements IConnectable {
  /** Pools and listeners. @internal */
  public readonly model: BalancerModel;
  /** The balancer's group. */
  public readonly securityGroup: SecurityGroup;
  /** The balancer's connections (its group). */
  public readonly connections: Connections;
  /** The host, or the pair's two hosts (priority 150 first). */
  public readonly hosts: Host[];
  /** The keepalived pair (virtual IP port, password), when highly available. @internal */
  public readonly keepalived?: KeepalivedPair;
  /** The public address, when `floatingIpPool` is given. */
  public readonly floatingIp?: FloatingIp;
  /** The in-place pushes of the balancer configuration, one per host (`ssh` delivery). */
  public readonly deliveries: ConfigDelivery[];
  /** The in-place pushes of `keepalived.conf`, one per host (`ssh` delivery of a pair). */
  public readonly keepalivedDeliveries: ConfigDelivery[];
  /** How configuration reaches the hosts. */
  public readonly delivery: BalancerDelivery;
  /** The address clients inside the cloud use: the virtual IP of a pair, else the host's. */
  public readonly privateAddress: string;
  /** The public address, when `floatingIpPool` is given. */
  public readonly publicAddress?: string;

  /** The balancer software: packages, paths, check command and renderer. @internal */
  public readonly daemon: BalancerDaemon;
  private readonly props: BalancerHostsProps;
  /** The admin access object of the props (not a CIDR list), for the keypair. */
  private readonly adminAccess?: IAdminAccess;
  /** The last `pushedFiles()` and the model revision it was rendered from. */
  private pushed?: { readonly revision: number; readonly files: HostFile[] };

  /** Made by `NginxBalancer` and `HaproxyBalancer`. @internal */
  constructor(scope: Construct, id: string, props: BalancerHostsProps) {
    super(scope, id);
    const path = props.path;
    this.props = props;
    this.daemon = props.daemon;
    const { delivery, admin } = checkProps(path, props);
    this.delivery = delivery;
    checkExtraFiles(path, props, this.delivery);
    const name = props.name ?? scope.node.id.toLowerCase();
    checkName(path, 'name', name);

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `webfarm ${props.daemon.name} balancer ${path}`,
    });
    this.connections = this.securityGroup.connections;
    this.model = new BalancerModel({
      path,
      capabilities: props.daemon.capabilities,
      allowToTarget: (target, port, poolName) => this.allowToTarget(target, port, poolName),
    });
    this.adminAccess = admin.access;
    for (const cidr of admin.cidrs) {
      this.connections.allowFrom(Peer.cidr(cidr), Port.tcp(22), 'SSH from an admin network');
    }
    admin.access?.allowSshTo(this);
    for (const cidr of props.statusAllowedCidrs ?? []) {
      this.connections.allowFrom(
        Peer.cidr(cidr),
        Port.tcp(props.daemon.statusPort),
        `${props.daemon.name} status page`,
      );
    }
    warnOnWorld(this, admin.cidrs, admin.what);

    const ha = props.highAvailability;
    if (ha) {
      this.keepalived = new KeepalivedPair(this, 'VirtualIp', {
        network: props.network,
        securityGroups: [this.securityGroup],
        highAvailability: ha,
        name: `${name}-vip`,
        pidFile: props.daemon.pidFile,
      });
      this.connections.allowInternally(Port.vrrp(), 'VRRP between the balancer pair');
      const serverGroup = new ServerGroup(this, 'ServerGroup', { policy: 'anti-affinity' });
      const vip = this.keepalived.address;
      this.hosts = [
        this.createHost(0, 'Host', `${name}-1`, serverGroup, [vip]),
        this.createHost(1, 'PeerHost', `${name}-2`, serverGroup, [vip]),
      ];
      this.privateAddress = vip;
    } else {
      this.hosts = [this.createHost(0, 'Host', name)];
      this.privateAddress = this.hosts[0].privateAddress;
    }
    if (props.floatingIpPool !== undefined) {
      this.floatingIp = new FloatingIp(this, 'FloatingIp', {
        pool: props.floatingIpPool,
        portId: this.keepalived ? this.keepalived.port.id : this.hosts[0].port.id,
      });
      this.publicAddress = this.floatingIp.address;
    }

    this.deliveries = [];
    this.keepalivedDeliveries = [];
    this.recordTopology();
    if (this.delivery === 'ssh') {
      const ssh = withJumpHost(props.ssh as SshAccess, admin.access);
      if (!ssh.bastion && (this.keepalived || !this.floatingIp)) {
        Annotations.of(this).addWarning(
          "Terraform pushes the configuration to the hosts' private addresses: run it from inside " +
            'the network, or give ssh.bastion',
        );
      }
      this.hosts.forEach((host, i) => {
        const prefix = i === 0 ? '' : 'Peer';
        const address =
          ssh.bastion || !this.floatingIp || this.keepalived ? host.privateAddress : this.floatingIp.address;
        const dependsOn = [host.instance, ...(this.floatingIp ? [this.floatingIp.association] : [])];
        const instance = { id: host.instance.id, image: host.instance.imageName };
        this.deliveries.push(
          new ConfigDelivery(this, `${prefix}Delivery`, {
            instance,
            address,
            ssh,
            hostName: host.hostName,
            role: props.daemon.role,
            name: props.daemon.name,
            files: { produce: () => this.pushedFiles() },
            managedDirectories: props.daemon.managedDirectories,
            check: {
              produce: () => (this.hasRuntimePools() ? props.daemon.runtime.pushCheck : props.daemon.check),
            },
            reload: {
              produce: () =>
                this.hasRuntimePools()
                  ? props.daemon.runtime.pushReload
                  : `systemctl reload-or-restart ${props.daemon.name}`,
            },
            lockFile: {
              produce: () =>
                this.hasRuntimePools() ? `${RUNTIME_LOCK_DIR}/${props.daemon.name}.lock` : undefined,
            },
            runtime: { produce: () => this.runtimeManifest() },
            dependsOn,
          }),
        );
        if (this.keepalived) {
          this.keepalivedDeliveries.push(
            new ConfigDelivery(this, `${prefix}Keepalived`, {
              instance,
              address,
              ssh,
              hostName: host.hostName,
              role: 'keepalived',
              name: 'keepalived',
              files: this.keepalivedFiles(i).map((f) => toHostFile(f, this.keepalived?.check)),
              check: this.keepalived.check,
              reload: 'systemctl reload-or-restart keepalived',
              dependsOn,
            }),
          );
        }
      });
    }
  }

  /**
   * The balancer's topology record (hosts, listeners, pools, members, exposure), written on its
   * security group's resource at synth for `webfarm review`.
   */
  private recordTopology(): void {
    recordTopology(this.securityGroup.resource, () => {
      const subnet = this.props.network.subnet;
      const vip = this.keepalived?.port;
      return {
        balancer: this.props.path,
        backend: this.daemon.name,
        name: this.hosts.map((h) => h.hostName).join(' + '),
        hosts: this.hosts.map((h) => ({
          name: h.hostName,
          instance: resourceAddress(h.instance),
          port: resourceAddress(h.port),
        })),
        ...(vip ? { virtualIpPort: resourceAddress(vip) } : {}),
        entries: [...this.hosts.map((h) => resourceAddress(h.port)), ...(vip ? [resourceAddress(vip)] : [])],
        securityGroups: [resourceAddress(this.securityGroup.resource)],
        resources: [
          ...this.hosts.map((h) => resourceAddress(h.instance)),
          ...[...this.deliveries, ...this.keepalivedDeliveries].map((d) => resourceAddress(d.resource)),
        ].sort(),
        listeners: this.model.listeners.map((l) =>
          listenerTopology(l, l.options.allowedCidrs ?? [subnet.cidr]),
        ),
        pools: this.model.pools.map((p) => poolTopology(p)),
      };
    });
  }

  /** Adds a pool (checked against the daemon's capabilities and renderer at once). @internal */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    checkOptionsObject(`${this.props.path} pool '${id}'`, 'pool options', options);
    if (options.runtimeManaged === true && this.delivery !== 'ssh') {
      throw new ValidationError({
        path: `${this.props.path} pool '${id}'`,
        what: 'runtimeManaged with delivery',
        value: this.delivery,
        allowed:
          'delivery "ssh": with "user-data" every change replaces the host, and run-time nodes with it',
        fix: 'use delivery: "ssh", or let Terraform own the pool',
      });
    }
    // The renderer's own checks of the new pool, before it is registered (the others were
    // checked when added).
    return this.model.addPool(id, options, (pool) => this.daemon.render([pool], [], this.props.path));
  }

  /**
   * Adds a listener and opens its port(s) to `allowedCidrs`, or to the balancer's own subnet
   * when none are given.
   *
   * @internal
   */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    const path = `${this.props.path} listener '${id}'`;
    checkOptionsObject(path, 'listener options', options);
    for (const port of listenerPorts(options)) {
      if (port === 22 || port === this.daemon.statusPort) {
        throw new ValidationError({
          path,
          what: 'port',
          value: port,
          allowed: `a port other than 22 (SSH) and ${this.daemon.statusPort} (the ${this.daemon.name} status page)`,
          fix: 'move the listener to another port',
        });
      }
    }
    const subnet = this.props.network.subnet;
    if (!options.allowedCidrs && subnet.cidr === '') {
      throw new ValidationError({
        path,
        what: 'allowedCidrs',
        value: undefined,
        allowed: 'a list of CIDR blocks when the subnet CIDR is unknown (Network.fromId without cidr)',
        fix: 'give allowedCidrs, or the subnet CIDR to Network.fromId',
      });
    }
    // The renderer's own checks of the listener with the pools it routes to (their nodes too),
    // before it is registered; rendering every pool on every call would make building a big
    // balancer quadratic.
    const listener = this.model.addListener(id, options, (l) =>
      this.daemon.render(poolsOf(l), [l], this.props.path),
    );
    const peers = (options.allowedCidrs ?? [subnet.cidr]).map((c) => Peer.cidr(c));
    for (const port of listenerPorts(options)) {
      const rule = listener.protocol === 'udp' ? Port.udp(port) : Port.tcp(port);
      for (const peer of peers) this.connections.allowFrom(peer, rule, `listener '${id}'`);
    }
    return listener;
  }

  /**
   * The files pushed in place now (the pool and listener files), as the hosts receive them. The
   * same array is returned until the pools, their nodes or the listeners change (every push and
   * its trigger read it at synth). A run-time pool's file is installed only when the host has
   * none (`createOnly`).
   */
  public pushedFiles(): HostFile[] {
    const revision = this.model.revision;
    if (this.pushed?.revision !== revision) {
      const rendered = this.daemon.render(this.model.pools, this.model.listeners, this.props.path);
      const runtime = new Set(
        this.model.pools.filter((p) => p.options.runtimeManaged).map((p) => this.daemon.poolFile(p)),
      );
      const check = this.hasRuntimePools() ? this.daemon.runtime.pushCheck : this.daemon.check;
      const extra = this.hasRuntimePools() ? this.daemon.runtime.extraFiles : [];
      this.pushed = {
        revision,
        files: [
          // The user's files first: installed before the daemon's check, which may read them.
          ...extraFiles(this.props).map((f) => ({ ...f, check })),
          ...[...rendered.pools, ...extra].map((f) => ({
            ...toHostFile(f, check),
            ...(runtime.has(f.path) ? { createOnly: true } : {}),
          })),
        ],
      };
    }
    return this.pushed.files;
  }

  /** Whether any pool is run-time managed. */
  public hasRuntimePools(): boolean {
    return this.model.pools.some((p) => p.options.runtimeManaged === true);
  }

  /**
   * What `webfarm nodes` reads from the push's manifest: every pool with its file and owner
   * (run time or Terraform), the commands and the lock folder.
   */
  public runtimeManifest(): RuntimeManifest {
    const runtime = this.daemon.runtime;
    return {
      balancer: this.props.path,
      daemon: this.daemon.name === 'haproxy' ? 'haproxy' : 'nginx',
      pools: this.model.pools.map((p) => ({
        name: p.name,
        file: this.daemon.poolFile(p),
        runtimeManaged: p.options.runtimeManaged === true,
      })),
      check: runtime.check,
      reload: runtime.reload,
      ...(runtime.adminSocket ? { adminSocket: runtime.adminSocket } : {}),
      lockDir: RUNTIME_LOCK_DIR,
    };
  }

  /** The files cloud-init writes now (the base configuration; everything in `user-data` mode). */
  public bootstrapFiles(): HostFile[] {
    const rendered =
      this.delivery === 'user-data'
        ? this.daemon.render(this.model.pools, this.model.listeners, this.props.path)
        : this.daemon.render([], [], this.props.path);
    return [
      ...(this.delivery === 'user-data' ? extraFiles(this.props) : []),
      ...[...rendered.base, ...(this.delivery === 'user-data' ? rendered.pools : [])].map((f) =>
        toHostFile(f, f.path === this.daemon.mainConfig ? this.daemon.check : undefined),
      ),
    ];
  }

  private allowToTarget(target: IBalancerTarget, port: number, poolName: string): void {
    const protocol = this.model.pool(poolName).options.protocol;
    target.connections?.allowFrom(
      this,
      protocol === 'udp' ? Port.udp(port) : Port.tcp(port),
      `balancer ${this.props.path} to pool '${poolName}'`,
    );
  }

  private keepalivedFiles(index: number): RenderedFile[] {
    const pair = this.keepalived;
    if (!pair) return [];
    const self = this.hosts[index];
    const peer = this.hosts[1 - index];
    return pair.configFor(self, peer, index === 0 ? 150 : 100);
  }

  /** Host `index` of `hosts` (0 is the first, and the keepalived master of a pair). */
  private createHost(
    index: number,
    id: string,
    hostName: string,
    serverGroup?: ServerGroup,
    vips: string[] = [],
  ): Host {
    const props = this.props;
    const host = new Host(this, id, {
      network: props.network,
      image: props.image,
      flavor: props.flavor,
      securityGroups: [this.securityGroup],
      keyPairName: keyPairNameOf(props.keyPair, this.adminAccess),
      role: props.daemon.role,
      serverGroup,
      name: hostName,
      allowedAddressPairs: vips.length ? vips : undefined,
    });
    host.addCloudConfig({ produce: () => this.cloudConfig(index) });
    return host;
  }

  /** The first-boot configuration of host `index`: bootstrap only, unless `user-data` delivery. */
  private cloudConfig(index: number): CloudConfig {
    const daemon = this.daemon;
    const pair = this.keepalived !== undefined;
    const userData = this.delivery === 'user-data';
    const files: HostFile[] = [
      { path: '/etc/ssh/sshd_config.d/60-webfarm-balancer.conf', content: SSHD_HARDENING },
      { path: '/etc/apt/apt.conf.d/20auto-upgrades', content: AUTO_UPGRADES },
      ...this.bootstrapFiles().map((f) => ({
        path: f.path,
        content: f.content,
        mode: f.mode,
        ...(f.owner ? { owner: f.owner } : {}),
        // Written after the packages are installed, over their default configuration.
        defer: true,
      })),
      ...(pair && userData
        ? this.keepalivedFiles(index).map((f) => ({
            path: f.path,
            content: f.content,
            mode: f.mode,
            defer: true,
          }))
        : []),
    ];
    const service = daemon.name;
    const runcmd: Array<string | string[]> = [
      ['systemctl', 'try-reload-or-restart', 'ssh.service'],
      ['systemctl', 'enable', `${service}.service`],
      `${daemon.check} && systemctl reload-or-restart ${service}.service`,
    ];
    const keepalivedBoot = pair ? (this.keepalived?.bootstrap() ?? {}) : {};
    if (pair) {
      runcmd.push(...(keepalivedBoot.runcmd ?? []), ['systemctl', 'enable', 'keepalived.service']);
      if (userData) {
        runcmd.push(`${this.keepalived?.check} && systemctl reload-or-restart keepalived.service`);
      }
    }
    return {
      packages: [
        ...daemon.packages,
        ...(pair ? ['keepalived'] : []),
        'unattended-upgrades',
        ...(this.props.packages ?? []),
      ],
      writeFiles: [...files, ...(keepalivedBoot.writeFiles ?? [])],
      runcmd,
    };
  }
}

/** The pools a listener routes to: its default pool and its rules' pools, each once. */
function poolsOf(listener: IBalancerListener): IBalancerPool[] {
  const pools = [listener.options.defaultPool, ...(listener.options.rules ?? []).map((r) => r.pool)];
  return [...new Set(pools)];
}

function toHostFile(file: RenderedFile, check?: string): HostFile {
  return { path: file.path, content: file.content, mode: file.mode, ...(check ? { check } : {}) };
}

/**
 * `ssh` with the admin access's bastion as its jump host when it names none: targets of an
 * `AdminAccess` with a bastion admit SSH from the bastion's group only, so a direct push would
 * hang at apply.
 */
function withJumpHost(ssh: SshAccess, adminAccess: IAdminAccess | undefined): SshAccess {
  if (ssh.bastion || adminAccess?.jumpHost === undefined) return ssh;
  return { ...ssh, bastion: { host: adminAccess.jumpHost } };
}
