import { Construct } from 'constructs';
import { Connections, IConnectable } from '../core/connections';
import { ValidationError } from '../core/errors';
import { Port } from '../core/port';
import { isUnresolved } from '../core/tokens';
import {
  checkCidr,
  checkInteger,
  checkName,
  checkObject,
  checkOneOf,
  cidrContains,
  parseCidr,
} from '../core/validate';
import { CloudConfig } from '../config/cloud-init';
import { NfsVersion, renderExports, renderNfsMountEntry, renderNfsServerConf } from '../config/nfs';
import { checkAbsolutePath } from '../config/systemd';
import {
  PREPARE_VOLUME_PATH,
  serviceRequiresMountDropIn,
  prepareVolumeCommand,
  renderPrepareVolumeScript,
} from '../config/systemd-volume';
import { IAdminAccess, adminAccessOf, keyPairNameOf } from './admin-access';
import { dataVolumeOf, Host, HostVolume, HostVolumeOptions } from './host';
import { IKeyPair } from './keypair';
import { checkNetwork, INetwork } from './network';
import { SecurityGroup } from './security-group';
import { ServerGroup } from './server-group';

/** Where the data volume is mounted on an NFS server; shares are directories below it. */
export const NFS_ROOT = '/srv/nfs';

/** The one port NFSv4 needs. */
const NFS_PORT = Port.tcp(2049);

/**
 * Machines that can mount a share: anything that takes a cloud-config fragment and has security
 * groups. A `WorkerGroup` (the fragment reaches every node) and a `Host` both are.
 */
export interface INfsClients extends IConnectable {
  /** Adds first-boot configuration to every machine. */
  addCloudConfig(fragment: CloudConfig): void;
  /**
   * The clients' network, when they expose it: `mountOn` then checks that the export covers
   * its subnet.
   */
  readonly network?: INetwork;
}

/** Props of {@link NfsServer}. */
export interface NfsServerProps {
  /** The network the server is on. */
  readonly network: INetwork;
  /** Image name: Debian or Ubuntu (`nfs-kernel-server`), e.g. `Featured-Ubuntu24`. */
  readonly image: string;
  /** Flavor name. */
  readonly flavor: string;
  /**
   * The shares, by name: each is the directory `/srv/nfs/<name>` on the data volume, exported
   * on its own. Names are lowercase DNS labels.
   */
  readonly shares: string[];
  /**
   * The data volume holding the shares: `sizeGiB` (required), `volumeType`, and
   * `preventDestroy` (default true: `lifecycle.prevent_destroy`, so `terraform destroy` stops
   * with an error instead of deleting the files; set `false` only for throw-away environments).
   * Replacing the instance never touches the volume either way.
   * @default - none: give `dataVolume.sizeGiB` (or the deprecated `volumeSizeGb`)
   */
  readonly dataVolume?: HostVolumeOptions;
  /**
   * The old name of `dataVolume.sizeGiB`.
   *
   * @deprecated Use `dataVolume.sizeGiB` instead (one volume shape, the unit is GiB). Still
   * accepted; giving both with different values is a `ValidationError`.
   */
  readonly volumeSizeGb?: number;
  /**
   * The old name of `dataVolume.volumeType`.
   *
   * @deprecated Use `dataVolume.volumeType` instead. Still accepted; giving both with different
   * values is a `ValidationError`.
   */
  readonly volumeType?: string;
  /**
   * The old name of `dataVolume.preventDestroy`.
   *
   * @deprecated Use `dataVolume.preventDestroy` instead (the name every construct uses). Still
   * accepted; giving both with different values is a `ValidationError`.
   */
  readonly retainData?: boolean;
  /**
   * The networks allowed to mount (the export's clients). Each must be a CIDR block; the world
   * (`0.0.0.0/0`, `*`) is refused. Security groups still decide who reaches tcp/2049: only the
   * groups `mountOn` names.
   * @default - the subnet of `network`
   */
  readonly exportTo?: string[];
  /**
   * `root`: the clients' root user becomes `nobody` (`root_squash`); `all`: every client user
   * does (`all_squash`).
   * @default 'root'
   */
  readonly squash?: 'root' | 'all';
  /**
   * Owner of a share directory when it is first created, `uid:gid` (numeric: the same numbers
   * mean the same users on the clients). The default lets the squashed client root write.
   * @default '65534:65534' (nobody:nogroup)
   */
  readonly shareOwner?: string;
  /**
   * NFSv4 minor version the clients mount with. The server speaks NFSv4.1 and 4.2 only (no
   * NFSv3, so no rpcbind/mountd/statd ports: tcp/2049 is the whole protocol).
   * @default '4.2'
   */
  readonly version?: NfsVersion;
  /**
   * nfsd threads.
   * @default 16
   */
  readonly threads?: number;
  /**
   * Instance name.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Keypair for the image's default user.
   * @default - none
   */
  readonly keyPair?: IKeyPair;
  /**
   * SSH for administrators (`AdminAccess`): tcp/22 from the admin networks or the bastion.
   * A list of CIDR blocks (`['198.51.100.0/24']`) is the administrators' networks: tcp/22 from
   * each of them, as an `AdminAccess` without a bastion opens it.
   * @default - no SSH rule
   */
  readonly adminAccess?: IAdminAccess | string[];
  /**
   * Server group for placement.
   * @default - none
   */
  readonly serverGroup?: ServerGroup;
}

/** Options of {@link NfsShare.mountOn}. */
export interface NfsMountOptions {
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * The clients' network, for the check that the export covers it (when the clients do not
   * expose `network` themselves).
   * @default - the clients' `network`, if any; otherwise unchecked
   */
  readonly clientNetwork?: INetwork;
}

/** One exported directory of an {@link NfsServer}. */
export class NfsShare {
  constructor(
    /** The server. */
    public readonly server: NfsServer,
    /** The share's name. */
    public readonly name: string,
    /** The directory on the server, `/srv/nfs/<name>`. */
    public readonly exportPath: string,
  ) {}

  /**
   * Mounts the share on every machine of `clients` at `mountPath` (fstab: `nfs4`, `_netdev`,
   * `nofail`, `x-systemd.automount`, `hard`; package `nfs-common`) and opens tcp/2049 from their
   * group to the server. The machines boot even while the server is down; the mount happens on
   * first access and is retried on each access until the server answers.
   */
  public mountOn(clients: INfsClients, mountPath: string, options: NfsMountOptions = {}): void {
    const path = `${this.server.node.path} share '${this.name}'`;
    checkAbsolutePath(path, 'mount path', mountPath);
    this.server.checkCovers(path, options.clientNetwork ?? clients.network);
    const entry = renderNfsMountEntry(
      {
        server: this.server.privateAddress,
        exportPath: this.exportPath,
        mountPoint: mountPath,
        version: this.server.version,
        readOnly: options.readOnly,
      },
      path,
    );
    clients.addCloudConfig({
      packages: ['nfs-common'],
      mounts: [entry],
      // After nfs-common is installed: (re)generate the automount unit and start it.
      runcmd: [
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'restart', 'remote-fs.target'],
      ],
    });
    this.server.connections.allowFrom(clients, NFS_PORT, `NFSv4 clients of ${this.name}`);
  }
}

/**
 * An NFS server (the seed NSBoot cluster's "NFS export" option): one instance with a separate
 * data volume, exporting directories of it to the clients' subnet only, `root_squash` and
 * `sync`, NFSv4.1/4.2 only. Its security group admits tcp/2049 only from the groups
 * `share.mountOn(workers, '/srv/images')` names.
 *
 * ```ts
 * const nfs = new NfsServer(this, 'Files', { network, image, flavor, shares: ['images'], dataVolume: { sizeGiB: 200 } });
 * nfs.share('images').mountOn(workers, '/srv/images');
 * ```
 *
 * The data volume is formatted only when blank and is `prevent_destroy` by default; replacing the
 * instance attaches the same volume again and re-exports it.
 */
export class NfsServer extends Construct implements IConnectable {
  /** The instance and its port. */
  public readonly host: Host;
  /** The server's security group. */
  public readonly securityGroup: SecurityGroup;
  /** The server's connections (default port tcp/2049). */
  public readonly connections: Connections;
  /** The data volume and its attachment. */
  public readonly volume: HostVolume;
  /** The private address (a Terraform reference). */
  public readonly privateAddress: string;
  /** The export's client networks. */
  public readonly exportTo: readonly string[];
  /** The NFS version clients mount with. */
  public readonly version: NfsVersion;
  /** The rendered `/etc/exports`. */
  public readonly exportsFile: string;

  private readonly shares = new Map<string, NfsShare>();

  constructor(scope: Construct, id: string, props: NfsServerProps) {
    super(scope, id);
    checkObject(
      this.node.path,
      'props',
      props,
      '{ network, image: "debian-12", flavor: "m1.small", shares: ["images"], dataVolume: { sizeGiB: 100 } }',
    );
    checkNetwork(this.node.path, props.network);
    const path = this.node.path;
    const adminAccess = adminAccessOf(this, path, props.adminAccess);
    if (!Array.isArray(props.shares) || props.shares.length === 0) {
      throw new ValidationError({
        path,
        what: 'shares',
        value: props.shares,
        allowed: 'at least one share name',
        fix: 'name the directories to export, e.g. ["images"]',
      });
    }
    for (const share of props.shares) {
      checkName(path, 'share name', share);
      if (this.shares.has(share)) {
        throw new ValidationError({
          path,
          what: 'share name',
          value: share,
          allowed: 'each name once',
          fix: 'remove the duplicate',
        });
      }
      this.shares.set(share, new NfsShare(this, share, `${NFS_ROOT}/${share}`));
    }
    const dataVolume = dataVolumeOf(path, props, { example: 100 });
    if (props.threads !== undefined) {
      checkInteger(path, 'threads', props.threads, 1, 1024, 'give the number of nfsd threads, e.g. 16');
    }
    const owner = props.shareOwner ?? '65534:65534';
    if (!/^[0-9]{1,10}:[0-9]{1,10}$/.test(owner)) {
      throw new ValidationError({
        path,
        what: 'shareOwner',
        value: owner,
        allowed: 'numeric "uid:gid", e.g. "1000:1000"',
        fix: 'give the numbers of the user and group your app runs as on the clients',
      });
    }
    if (props.squash !== undefined) checkOneOf(path, 'squash', props.squash, ['root', 'all'] as const);
    if (props.version !== undefined) checkOneOf(path, 'version', props.version, ['4.1', '4.2'] as const);
    this.version = props.version ?? '4.2';
    this.exportTo = props.exportTo ?? [props.network.subnet.cidr];
    if (this.exportTo.length === 0) {
      throw new ValidationError({
        path,
        what: 'exportTo',
        value: [],
        allowed: 'one or more CIDR blocks',
        fix: "leave exportTo out to export to the server's subnet",
      });
    }

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `webfarm nfs ${path}: NFSv4 from the groups mountOn names only`,
    });
    this.connections = new Connections({
      securityGroups: [this.securityGroup],
      defaultPort: NFS_PORT,
      path: this.node.path,
    });
    this.exportsFile = renderExports(
      [...this.shares.values()].map((s) => ({
        path: s.exportPath,
        clients: [...this.exportTo],
        squash: props.squash ?? 'root',
      })),
      `${path} exports`,
    );

    this.host = new Host(this, 'Server', {
      network: props.network,
      image: props.image,
      flavor: props.flavor,
      securityGroups: [this.securityGroup],
      keyPairName: keyPairNameOf(props.keyPair, adminAccess),
      role: 'nfs',
      name: props.name ?? id.toLowerCase(),
      serverGroup: props.serverGroup,
    });
    this.privateAddress = this.host.privateAddress;
    this.volume = this.host.addVolume('data', dataVolume);
    const [uid, gid] = owner.split(':');
    this.host.addCloudConfig({
      packages: ['nfs-kernel-server'],
      writeFiles: [
        { path: PREPARE_VOLUME_PATH, content: renderPrepareVolumeScript(), mode: '0755' },
        // Never export the empty folder of a volume that failed to attach: clients would write
        // to the root disk and see their files vanish once the volume is back.
        serviceRequiresMountDropIn('nfs-server', NFS_ROOT),
        { path: '/etc/exports', content: this.exportsFile, defer: true },
        {
          path: '/etc/nfs.conf.d/webfarm.conf',
          content: renderNfsServerConf(props.threads ?? 16),
          defer: true,
        },
      ],
      runcmd: [
        prepareVolumeCommand(this.volume.devicePath, NFS_ROOT),
        ['systemctl', 'daemon-reload'],
        // A share directory gets its owner only when it is created: later changes are kept.
        ...[...this.shares.values()].map(
          (s) => `test -d ${s.exportPath} || install -d -o ${uid} -g ${gid} -m 2775 ${s.exportPath}`,
        ),
        // NFSv4 only: no portmapper, no NFSv3 lock status daemon.
        ['systemctl', 'mask', '--now', 'rpcbind.service', 'rpcbind.socket', 'rpc-statd.service'],
        ['systemctl', 'enable', 'nfs-server'],
        ['systemctl', 'restart', 'nfs-server'],
        ['exportfs', '-ra'],
      ],
    });
    adminAccess?.allowSshTo(this);
  }

  /** The share called `name`. */
  public share(name: string): NfsShare {
    const share = this.shares.get(name);
    if (!share) {
      throw new ValidationError({
        path: this.node.path,
        what: 'share',
        value: name,
        allowed: [...this.shares.keys()].map((s) => JSON.stringify(s)).join(', '),
        fix: 'name one of the shares given in props.shares',
      });
    }
    return share;
  }

  /**
   * Throws when the clients' subnet (known at synth) is not inside any CIDR the server exports
   * to: the mount would be refused at boot.
   * @internal
   */
  public checkCovers(path: string, network: INetwork | undefined): void {
    if (!network || !network.subnet.cidrKnown || isUnresolved(network.subnet.cidr)) return;
    const clients = parseCidr(network.subnet.cidr);
    if (!clients) return;
    const known = this.exportTo.filter((c) => !isUnresolved(c));
    if (known.length < this.exportTo.length) return;
    const covered = known.some((c) => {
      const parsed = checkCidr(path, 'exportTo', c);
      return parsed !== undefined && cidrContains(parsed, clients);
    });
    if (!covered) {
      throw new ValidationError({
        path,
        what: "clients' subnet",
        value: network.subnet.cidr,
        allowed: `a subnet inside the export's networks (${this.exportTo.join(', ')})`,
        fix: "add the clients' subnet to the server's exportTo, or mount from machines on an exported network",
      });
    }
  }
}
