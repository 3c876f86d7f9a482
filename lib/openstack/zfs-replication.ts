import { Construct } from 'constructs';
import { Fn } from '../core/cdk';
import { Connections, IConnectable } from '../core/connections';
import { Port } from '../core/port';
import { checkCidr, checkInteger, checkName, checkObject } from '../core/validate';
import { CloudConfig } from '../config/cloud-init';
import { renderExports, renderNfsMountEntry, renderNfsServerConf } from '../config/nfs';
import { checkAbsolutePath } from '../config/systemd';
import {
  checkZfsDataset,
  checkZfsPool,
  renderZfsAuthorizedKey,
  renderZfsPoolScript,
  renderZfsPromoteScript,
  renderZfsReplicaSettings,
  renderZfsReplicateScript,
  renderZfsReplicationSettings,
  renderZfsReplicationUnits,
  renderZfsNfsDropIn,
  ZFS_PATHS,
  ZFS_RECEIVE_USER,
  zfsReceiveSudoRule,
} from '../config/zfs';
import { ValidationError } from '../core/errors';
import { IAdminAccess, adminAccessOf, keyPairNameOf } from './admin-access';
import { dataVolumeOf, Host, HostVolume, HostVolumeOptions } from './host';
import { IKeyPair, KeyPair } from './keypair';
import { checkNetwork, INetwork } from './network';
import { INfsClients } from './nfs-server';
import { SecurityGroup } from './security-group';
import { PlacementPolicy, ServerGroup } from './server-group';

/** Props of {@link ZfsReplication}. */
export interface ZfsReplicationProps {
  /** The network of the primary and the replicas. */
  readonly network: INetwork;
  /** Image name: Ubuntu (ZFS from `zfsutils-linux`), e.g. `Featured-Ubuntu24`. */
  readonly image: string;
  /** Flavor name (ZFS likes memory: 4 GiB or more). */
  readonly flavor: string;
  /** Number of replicas, named `<name>-replica-1` … `<name>-replica-<n>`. At least 1. */
  readonly replicas: number;
  /**
   * Each host's data volume (one per host, holding its pool): `sizeGiB` (required),
   * `volumeType`, and `preventDestroy` (default true: `lifecycle.prevent_destroy`; set `false`
   * only for throw-away environments, the pools and all their data are then deleted with the
   * stack). Replacing an instance never touches its volume either way.
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
   * The pool on each data volume. It is imported when it exists, created only on a blank
   * volume, never destroyed.
   * @default 'tank'
   */
  readonly pool?: string;
  /**
   * The replicated dataset inside the pool (`<pool>/<dataset>`, e.g. `images`).
   * @default 'data'
   */
  readonly dataset?: string;
  /**
   * Where the pool is mounted; the dataset appears at `<mountPoint>/<dataset>`.
   * @default '/srv/<pool>'
   */
  readonly mountPoint?: string;
  /**
   * Minutes between replication runs (a systemd timer on the primary).
   * @default 15
   */
  readonly intervalMinutes?: number;
  /**
   * Snapshots kept on the primary (and, through `receive -F`, on the replicas).
   * @default 48
   */
  readonly keepSnapshots?: number;
  /**
   * Placement of the primary and the replicas: a copy on the same hypervisor is a poor copy.
   * @default 'anti-affinity'
   */
  readonly placement?: Extract<PlacementPolicy, 'anti-affinity' | 'soft-anti-affinity'>;
  /**
   * The name prefix of the hosts (and of the keypair).
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Keypair for the image's default user (administrators).
   * @default - none
   */
  readonly keyPair?: IKeyPair;
  /**
   * SSH for administrators (to the primary and the replicas), by `AdminAccess`.
   * A list of CIDR blocks (`['198.51.100.0/24']`) is the administrators' networks: tcp/22 from
   * each of them, as an `AdminAccess` without a bastion opens it.
   * @default - no SSH rule from outside (replication SSH is primary → replicas only)
   */
  readonly adminAccess?: IAdminAccess | string[];
  /**
   * Also export the dataset over NFS from the primary (the seed's `zfs set sharenfs=on`, option
   * 1 on top of option 2): `mountOn(clients, path)` then mounts it on clients and opens tcp/2049
   * from their group to the primary only. The export is `root_squash`, NFSv4.2, to `exportTo`.
   * @default - no NFS export
   */
  readonly nfsExport?: ZfsNfsExportOptions;
}

/** The NFS export of the replicated dataset. */
export interface ZfsNfsExportOptions {
  /**
   * Client networks of the export.
   * @default - the primary's subnet
   */
  readonly exportTo?: string[];
}

/**
 * ZFS replication (the seed NSBoot cluster's `zfs send -R | ssh … zfs receive -F`): a primary
 * and N replicas, each an instance with its own data volume holding its own pool.
 *
 * - The primary runs `webfarm-zfs-replicate` from a systemd timer: a recursive snapshot
 *   `<dataset>@webfarm-<UTC timestamp>`, a full `zfs send -R` the first time and `zfs send -R -I`
 *   from the last snapshot each replica holds afterwards, old webfarm snapshots pruned (never a
 *   replica's base), `flock` so runs never overlap.
 * - It sends over SSH with a key Nova generates (`openstack_compute_keypair_v2`). Each replica
 *   accepts that key only for the unprivileged user `zfsrecv`, only from the primary's address,
 *   with `restrict` and the forced command `sudo -n /usr/sbin/zfs receive -F <dataset>`, and
 *   sudo allows that one command line. The replica's security group admits tcp/22 only from the
 *   primary's group. Replicas' host keys are learnt on first contact (`accept-new`).
 * - A replica is promoted with `sudo webfarm-zfs-promote --yes` (stop the old primary's timer
 *   first): replication into it stops and its dataset becomes writable.
 *
 * **Risk of the generated key:** its private half is in the Terraform state and in the
 * primary's user data (readable on the primary through the metadata service). Whoever reads it
 * can overwrite the replicas' copy of the dataset, from the primary's address only, and nothing
 * else: the same power anyone who can write on the primary already has.
 *
 * **Changing the set of replicas rewrites the primary's user data, which replaces the primary
 * instance**: its volume is kept and its pool imported again, replication resumes from the
 * snapshots on the pool.
 */
export class ZfsReplication extends Construct implements IConnectable {
  /** The primary. */
  public readonly primary: Host;
  /** The replicas, in name order. */
  public readonly replicas: readonly Host[];
  /** The primary's group. */
  public readonly primaryGroup: SecurityGroup;
  /** The replicas' group. */
  public readonly replicaGroup: SecurityGroup;
  /** Both groups (for clients of the data, e.g. `zfs.connections.allowFrom(workers, …)`). */
  public readonly connections: Connections;
  /** The Nova-generated replication key. */
  public readonly replicationKey: KeyPair;
  /** Each host's data volume, by host name. */
  public readonly volumes: ReadonlyMap<string, HostVolume>;
  /** The replicated dataset, `<pool>/<dataset>`. */
  public readonly dataset: string;
  /** Where the dataset is mounted on every host. */
  public readonly datasetPath: string;
  /** The primary's `/etc/exports`, when the dataset is exported over NFS. */
  public readonly exportsFile?: string;

  constructor(scope: Construct, id: string, props: ZfsReplicationProps) {
    super(scope, id);
    checkObject(
      this.node.path,
      'props',
      props,
      '{ network, image: "debian-12", flavor: "m1.small", replicas: 1, dataVolume: { sizeGiB: 100 } }',
    );
    checkNetwork(this.node.path, props.network);
    const path = this.node.path;
    const adminAccess = adminAccessOf(this, path, props.adminAccess);
    const name = props.name ?? id.toLowerCase();
    checkName(path, 'name', name);
    checkInteger(path, 'replicas', props.replicas, 1, 16, 'give the number of replicas, at least 1');
    const dataVolume = dataVolumeOf(path, props, { example: 100 });
    const pool = props.pool ?? 'tank';
    checkZfsPool(path, pool);
    const datasetName = props.dataset ?? 'data';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(datasetName)) {
      throw new ValidationError({
        path,
        what: 'dataset',
        value: datasetName,
        allowed: 'one dataset name of letters, digits and "_.-" (the pool is given by `pool`)',
        fix: 'write e.g. "images"; it becomes "<pool>/images"',
      });
    }
    this.dataset = `${pool}/${datasetName}`;
    // The renderer's dataset rule (no "." or ".." parts, …), with this construct's path.
    checkZfsDataset(path, this.dataset);
    const mountPoint = props.mountPoint ?? `/srv/${pool}`;
    checkAbsolutePath(path, 'mountPoint', mountPoint);
    this.datasetPath = `${mountPoint}/${datasetName}`;
    const placement = props.placement ?? 'anti-affinity';
    if (placement !== 'anti-affinity' && placement !== 'soft-anti-affinity') {
      throw new ValidationError({
        path,
        what: 'placement',
        value: placement,
        allowed: '"anti-affinity" or "soft-anti-affinity"',
        fix: 'use "soft-anti-affinity" when the cloud has fewer hypervisors than hosts',
      });
    }

    this.primaryGroup = new SecurityGroup(this, 'PrimaryGroup', {
      description: `webfarm zfs primary ${path}`,
    });
    this.replicaGroup = new SecurityGroup(this, 'ReplicaGroup', {
      description: `webfarm zfs replicas ${path}: SSH from the primary only`,
    });
    this.connections = new Connections({
      securityGroups: [this.primaryGroup, this.replicaGroup],
      path: this.node.path,
    });
    this.replicaGroup.connections.allowFrom(
      this.primaryGroup,
      Port.tcp(22),
      'ZFS replication from the primary',
    );
    const serverGroup = new ServerGroup(this, 'ServerGroup', { policy: placement });
    this.replicationKey = new KeyPair(this, 'ReplicationKey', {
      privateKeyOutputName: `${name.replace(/-/g, '_')}_zfs_replication_private_key`,
    });

    const host = (hostId: string, hostName: string, group: SecurityGroup, role: string): Host =>
      new Host(this, hostId, {
        network: props.network,
        image: props.image,
        flavor: props.flavor,
        securityGroups: [group],
        keyPairName: keyPairNameOf(props.keyPair, adminAccess),
        role,
        name: hostName,
        serverGroup,
      });
    const volumes = new Map<string, HostVolume>();
    const volumeOf = (h: Host): HostVolume => {
      const v = h.addVolume('data', dataVolume);
      volumes.set(h.hostName, v);
      return v;
    };

    this.primary = host('Primary', `${name}-primary`, this.primaryGroup, 'zfs-primary');
    const primaryVolume = volumeOf(this.primary);
    const replicas: Host[] = [];
    for (let i = 1; i <= props.replicas; i++) {
      const replicaName = `${name}-replica-${i}`;
      const replica = host(`Replica-${replicaName}`, replicaName, this.replicaGroup, 'zfs-replica');
      replica.addCloudConfig(this.replicaConfig(volumeOf(replica), pool, mountPoint));
      replicas.push(replica);
    }
    this.replicas = replicas;
    this.volumes = volumes;
    this.primary.addCloudConfig(
      this.primaryConfig(primaryVolume, pool, mountPoint, {
        intervalMinutes: props.intervalMinutes,
        keepSnapshots: props.keepSnapshots,
      }),
    );
    if (props.nfsExport) {
      const exportTo = props.nfsExport.exportTo ?? [props.network.subnet.cidr];
      for (const cidr of exportTo) checkCidr(path, 'nfsExport.exportTo entry', cidr);
      this.exportsFile = renderExports(
        [{ path: this.datasetPath, clients: exportTo, squash: 'root' }],
        `${path} exports`,
      );
      this.primary.addCloudConfig({
        packages: ['nfs-kernel-server'],
        writeFiles: [
          renderZfsNfsDropIn(),
          { path: '/etc/exports', content: this.exportsFile, defer: true },
          { path: '/etc/nfs.conf.d/webfarm.conf', content: renderNfsServerConf(16), defer: true },
        ],
        runcmd: [
          ['systemctl', 'daemon-reload'],
          ['systemctl', 'mask', '--now', 'rpcbind.service', 'rpcbind.socket', 'rpc-statd.service'],
          ['systemctl', 'enable', 'nfs-server'],
          ['systemctl', 'restart', 'nfs-server'],
          ['exportfs', '-ra'],
        ],
      });
    }
    if (adminAccess) {
      adminAccess.allowSshTo(this.primaryGroup);
      adminAccess.allowSshTo(this.replicaGroup);
    }
  }

  /**
   * Mounts the primary's NFS export of the dataset on every machine of `clients` at `mountPath`
   * (NFSv4.2, `hard`, automounted, the machines boot while the primary is down) and opens
   * tcp/2049 from their group to the primary. Needs `nfsExport`.
   */
  public mountOn(clients: INfsClients, mountPath: string): void {
    const path = `${this.node.path} nfs export`;
    if (this.exportsFile === undefined) {
      throw new ValidationError({
        path,
        what: 'nfsExport',
        value: undefined,
        allowed: 'mountOn on a replication with nfsExport',
        fix: 'give nfsExport: {} to export the dataset from the primary',
      });
    }
    checkAbsolutePath(path, 'mount path', mountPath);
    const entry = renderNfsMountEntry(
      {
        server: this.primary.privateAddress,
        exportPath: this.datasetPath,
        mountPoint: mountPath,
        version: '4.2',
      },
      path,
    );
    clients.addCloudConfig({
      packages: ['nfs-common'],
      mounts: [entry],
      runcmd: [
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'restart', 'remote-fs.target'],
      ],
    });
    this.primaryGroup.connections.allowFrom(clients, Port.tcp(2049), `NFSv4 clients of ${this.dataset}`);
  }

  private primaryConfig(
    volume: HostVolume,
    pool: string,
    mountPoint: string,
    options: { intervalMinutes?: number; keepSnapshots?: number },
  ): CloudConfig {
    const path = `${this.node.path} primary`;
    const units = renderZfsReplicationUnits({ intervalMinutes: options.intervalMinutes }, path);
    return {
      packages: ['zfsutils-linux'],
      writeFiles: [
        { path: ZFS_PATHS.poolScript, content: renderZfsPoolScript(), mode: '0755' },
        { path: ZFS_PATHS.replicateScript, content: renderZfsReplicateScript(), mode: '0755' },
        {
          path: ZFS_PATHS.replicationSettings,
          content: renderZfsReplicationSettings(
            {
              dataset: this.dataset,
              replicas: this.replicas.map((r) => r.privateAddress),
              keepSnapshots: options.keepSnapshots,
            },
            path,
          ),
          mode: '0600',
        },
        // The PEM key is several lines: it travels base64-encoded (one line) and is decoded below.
        {
          path: ZFS_PATHS.sshKeyBase64,
          content: Fn.base64encode(this.replicationKey.resource.privateKey),
          mode: '0600',
        },
        ...Object.entries(units).map(([unitName, text]) => ({
          path: `/etc/systemd/system/${unitName}`,
          content: text,
        })),
      ],
      runcmd: [
        [ZFS_PATHS.poolScript, volume.devicePath, pool, mountPoint, 'primary', this.dataset],
        `umask 077 && base64 -d ${ZFS_PATHS.sshKeyBase64} > ${ZFS_PATHS.sshKey} && rm -f ${ZFS_PATHS.sshKeyBase64}`,
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'enable', '--now', 'webfarm-zfs-replicate.timer'],
      ],
    };
  }

  private replicaConfig(volume: HostVolume, pool: string, mountPoint: string): CloudConfig {
    const path = `${this.node.path} replica`;
    return {
      packages: ['zfsutils-linux'],
      users: [
        'default',
        {
          name: ZFS_RECEIVE_USER,
          shell: '/bin/sh',
          sudo: zfsReceiveSudoRule(this.dataset),
          sshAuthorizedKeys: [
            renderZfsAuthorizedKey(
              {
                publicKey: Fn.trimspace(this.replicationKey.resource.publicKey),
                dataset: this.dataset,
                from: this.primary.privateAddress,
              },
              path,
            ),
          ],
        },
      ],
      writeFiles: [
        { path: ZFS_PATHS.poolScript, content: renderZfsPoolScript(), mode: '0755' },
        { path: ZFS_PATHS.promoteScript, content: renderZfsPromoteScript(), mode: '0755' },
        {
          path: ZFS_PATHS.replicaSettings,
          content: renderZfsReplicaSettings({ dataset: this.dataset }, path),
          mode: '0644',
        },
      ],
      runcmd: [[ZFS_PATHS.poolScript, volume.devicePath, pool, mountPoint, 'replica', this.dataset]],
    };
  }
}
