import { Construct } from 'constructs';
import { Fn, Token } from '../core/cdk';
import { Connections, IConnectable, ISecurityGroup } from '../core/connections';
import { escapeTerraformTemplate } from '../core/escape';
import { recordHostManifest } from '../core/host-files';
import { CloudConfig, renderCloudConfig } from '../config/cloud-init';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { checkInteger } from '../core/validate';
import { BlockstorageVolumeV3 } from '../../.gen/providers/openstack/blockstorage-volume-v3';
import { ComputeInstanceV2 } from '../../.gen/providers/openstack/compute-instance-v2';
import { DataOpenstackImagesImageV2 } from '../../.gen/providers/openstack/data-openstack-images-image-v2';
import { ComputeVolumeAttachV2 } from '../../.gen/providers/openstack/compute-volume-attach-v2';
import { NetworkingPortV2 } from '../../.gen/providers/openstack/networking-port-v2';
import { INetwork } from './network';
import { ensureOpenStackProvider } from './provider';
import { ServerGroup } from './server-group';

/** Props of {@link Host}. */
export interface HostProps {
  /** The network (and subnet) the host's port is on. */
  readonly network: INetwork;
  /** Image name, e.g. `Featured-Ubuntu24` or `debian-12`. */
  readonly image: string;
  /** Flavor name, e.g. `m3.small`. */
  readonly flavor: string;
  /** Security groups on the host's port. */
  readonly securityGroups: ISecurityGroup[];
  /**
   * Name of a Nova keypair for SSH.
   * @default - no keypair (cloud-init users only)
   */
  readonly keyPairName?: string;
  /**
   * First-boot configuration, rendered to `#cloud-config` user data (Terraform-escaped here).
   * Changing it REPLACES the instance (`user_data` is ForceNew): keep it to bootstrap only and
   * push changing configuration in place.
   * @default - none
   */
  readonly cloudConfig?: CloudConfig;
  /**
   * What the host is, for `webfarm configs` and reviews (`worker`, `nginx-balancer`, …).
   * @default 'host'
   */
  readonly role?: string;
  /**
   * Server group for (anti-)affinity placement.
   * @default - none
   */
  readonly serverGroup?: ServerGroup;
  /**
   * Instance name in the cloud.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Boot from a new volume of this size (GiB) instead of the flavor's ephemeral disk.
   * @default - boot from the image on the flavor's disk
   */
  readonly bootVolumeSizeGb?: number;
  /**
   * Extra addresses the port may answer for (`allowed_address_pairs`), e.g. a keepalived VIP.
   * @default - none
   */
  readonly allowedAddressPairs?: string[];
  /**
   * Metadata on the instance.
   * @default - `{ "webfarm:path": <construct path> }`
   */
  readonly metadata?: Record<string, string>;
}

/** Props of {@link Host.addVolume}. */
export interface HostVolumeOptions {
  /** Size in GiB. */
  readonly sizeGb: number;
  /**
   * Cinder volume type.
   * @default - the cloud's default type
   */
  readonly volumeType?: string;
  /**
   * Refuse `terraform destroy` of the volume (`lifecycle.prevent_destroy`). Stateful data lives
   * here: turning this off is a deliberate, documented choice.
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/** A data volume attached to a host. */
export interface HostVolume {
  /** The volume. */
  readonly volume: BlockstorageVolumeV3;
  /** The attachment (separate from the instance and the volume). */
  readonly attachment: ComputeVolumeAttachV2;
  /**
   * Stable device path inside the guest: `/dev/disk/by-id/virtio-<first 20 characters of the
   * volume id>` (the kernel's name, e.g. /dev/vdb, depends on attach order).
   */
  readonly devicePath: string;
}

/**
 * One instance with its own Neutron port: the port (and so the private address and any floating
 * IP associated to it) outlives a replaced instance, and security groups sit on the port. Data
 * volumes are separate resources attached by separate attachments, so replacing the instance
 * re-attaches the same volume and never touches its data.
 */
export class Host extends Construct implements IConnectable {
  /** The port. */
  public readonly port: NetworkingPortV2;
  /** The instance. */
  public readonly instance: ComputeInstanceV2;
  /** Private IPv4 address (the port's first fixed IP). */
  public readonly privateAddress: string;
  /** The host's security groups. */
  public readonly connections: Connections;
  /** The instance name. */
  public readonly hostName: string;
  private readonly renderedUserData?: string;

  constructor(scope: Construct, id: string, props: HostProps) {
    super(scope, id);
    ensureOpenStackProvider(this);
    const path = this.node.path;
    if (props.securityGroups.length === 0) {
      throw new ValidationError({
        path,
        what: 'securityGroups',
        value: [],
        allowed: 'at least one security group (the port would otherwise get the cloud default group)',
        fix: 'pass the group(s) that should govern this host',
      });
    }
    if (props.bootVolumeSizeGb !== undefined) {
      checkInteger(
        path,
        'bootVolumeSizeGb',
        props.bootVolumeSizeGb,
        1,
        65536,
        'give the boot volume size in GiB, e.g. 20',
      );
    }
    for (const [what, value] of [
      ['image', props.image],
      ['flavor', props.flavor],
    ] as const) {
      if (!isUnresolved(value) && (typeof value !== 'string' || value.trim() === '')) {
        throw new ValidationError({
          path,
          what,
          value,
          allowed: `a ${what} name of your cloud`,
          fix: `give the ${what} name, e.g. from \`openstack ${what} list\``,
        });
      }
    }
    this.hostName = props.name ?? id.toLowerCase();
    this.connections = new Connections({ securityGroups: props.securityGroups });
    this.port = new NetworkingPortV2(this, 'Port', {
      name: this.hostName,
      networkId: props.network.networkId,
      adminStateUp: true,
      securityGroupIds: props.securityGroups.map((g) => g.securityGroupId),
      fixedIp: [{ subnetId: props.network.subnet.subnetId }],
      ...(props.allowedAddressPairs?.length
        ? { allowedAddressPairs: props.allowedAddressPairs.map((ipAddress) => ({ ipAddress })) }
        : {}),
    });
    this.privateAddress = Token.asString(Fn.element(this.port.allFixedIps, 0));
    const userData = props.cloudConfig
      ? renderCloudConfig(props.cloudConfig, `${path} cloud-init`)
      : undefined;
    this.instance = new ComputeInstanceV2(this, 'Resource', {
      name: this.hostName,
      imageName: props.bootVolumeSizeGb === undefined ? props.image : undefined,
      flavorName: props.flavor,
      keyPair: props.keyPairName,
      network: [{ port: this.port.id }],
      metadata: props.metadata ?? { 'webfarm:path': path },
      ...(userData !== undefined ? { userData: escapeTerraformTemplate(userData) } : {}),
      ...(props.serverGroup ? { schedulerHints: [{ group: props.serverGroup.serverGroupId }] } : {}),
      ...(props.bootVolumeSizeGb !== undefined
        ? {
            blockDevice: [
              {
                sourceType: 'image',
                uuid: new DataOpenstackImagesImageV2(this, 'Image', { name: props.image, mostRecent: true })
                  .id,
                destinationType: 'volume',
                volumeSize: props.bootVolumeSizeGb,
                bootIndex: 0,
                deleteOnTermination: true,
              },
            ],
          }
        : {}),
    });
    this.renderedUserData = userData;
    if (props.cloudConfig && userData !== undefined) {
      recordHostManifest(this.instance, {
        host: this.hostName,
        role: props.role ?? 'host',
        delivery: 'cloud-init',
        files: [
          {
            path: '/var/lib/cloud/instance/user-data.txt',
            content: userData,
            mode: '0600',
            check: 'cloud-init schema --config-file /var/lib/cloud/instance/user-data.txt',
          },
          ...(props.cloudConfig.writeFiles ?? []).map((f) => ({
            path: f.path,
            content: f.content,
            owner: f.owner,
            mode: f.permissions,
          })),
        ],
      });
    }
  }

  /** The rendered user data, if any. */
  public get userData(): string | undefined {
    return this.renderedUserData;
  }

  /**
   * Adds a data volume, attached by its own attachment resource and protected from destroy by
   * default. Construct ids are `Volume-<id>` and `Volume-<id>-Attachment`.
   */
  public addVolume(id: string, options: HostVolumeOptions): HostVolume {
    checkInteger(
      this.node.path,
      `size of volume '${id}'`,
      options.sizeGb,
      1,
      65536,
      'give the size in GiB, e.g. 100',
    );
    const volume = new BlockstorageVolumeV3(this, `Volume-${id}`, {
      name: `${this.hostName}-${id}`,
      size: options.sizeGb,
      ...(options.volumeType ? { volumeType: options.volumeType } : {}),
      description: `webfarm data volume of ${this.node.path}`,
      lifecycle: { preventDestroy: options.preventDestroy ?? true },
    });
    const attachment = new ComputeVolumeAttachV2(this, `Volume-${id}-Attachment`, {
      instanceId: this.instance.id,
      volumeId: volume.id,
    });
    return { volume, attachment, devicePath: `/dev/disk/by-id/virtio-${Fn.substr(volume.id, 0, 20)}` };
  }
}
