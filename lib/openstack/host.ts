import { Construct } from 'constructs';
import { Fn, Lazy, Token } from '../core/cdk';
import { Connections, IConnectable, ISecurityGroup } from '../core/connections';
import { escapeTerraformTemplate } from '../core/escape';
import { HOST_MANIFEST_KEY, HostManifest, hostManifestValue } from '../core/host-files';
import { CloudConfig, CloudInitFile, mergeCloudConfigs, renderCloudConfig } from '../config/cloud-init';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { addTokenPreconditions } from '../core/token-checks';
import { tokenRule } from '../core/token-rules';
import { renamed } from '../core/renamed';
import { checkInteger, checkName } from '../core/validate';
import { BlockstorageVolumeV3 } from '../../.gen/providers/openstack/blockstorage-volume-v3';
import { ComputeInstanceV2 } from '../../.gen/providers/openstack/compute-instance-v2';
import { DataOpenstackImagesImageV2 } from '../../.gen/providers/openstack/data-openstack-images-image-v2';
import { ComputeVolumeAttachV2 } from '../../.gen/providers/openstack/compute-volume-attach-v2';
import { NetworkingPortV2 } from '../../.gen/providers/openstack/networking-port-v2';
import { INetwork } from './network';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';
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
   * More fragments can be added with {@link Host.addCloudConfig}; the user data is rendered at
   * synth from all of them. Changing it REPLACES the instance (`user_data` is ForceNew): keep it
   * to bootstrap only and push changing configuration in place.
   * @default - none (no user data unless a fragment is added later)
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
   * Instance name in the cloud (and the host name in `webfarm configs`): lowercase letters,
   * digits and `-`.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Boot from a new volume of this size, GiB (OpenStack volume sizes are whole GiB, 2^30 bytes),
   * instead of the flavor's ephemeral disk.
   * @default - boot from the image on the flavor's disk
   */
  readonly bootVolumeSizeGiB?: number;
  /**
   * The old name of `bootVolumeSizeGiB`.
   *
   * @deprecated Use `bootVolumeSizeGiB` instead (the unit is GiB). Still accepted; giving both
   * with different values is a `ValidationError`.
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

/**
 * A cloud-config fragment computed at synth, for fragments that depend on state that changes
 * after construction (a worker group's environment file, say). `produce` is called every time
 * the user data is rendered and must return the fragment as it stands then.
 */
export interface CloudConfigProducer {
  /** Returns the fragment. */
  readonly produce: () => CloudConfig;
}

/**
 * A data volume: the one volume shape of webfarm, taken by {@link Host.addVolume} and as
 * `dataVolume` by `NfsServer`, `RedisHost`, `ZfsReplication` and (with a mount point)
 * `WorkerGroup`.
 */
export interface HostVolumeOptions {
  /**
   * Size in GiB (2^30 bytes). OpenStack volume sizes are whole GiB: Cinder's `size`, which the
   * dashboard and the `openstack` CLI label "GB", is GiB. Required (or the deprecated `sizeGb`),
   * except where a construct names its default.
   * @default - none: required
   */
  readonly sizeGiB?: number;
  /**
   * The old name of `sizeGiB`.
   *
   * @deprecated Use `sizeGiB` instead (the unit is GiB). Still accepted; giving both with
   * different values is a `ValidationError`.
   */
  readonly sizeGb?: number;
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
  /** What the host is (`worker`, `nginx-balancer`, …). */
  public readonly role: string;
  private readonly fragments: Array<CloudConfig | CloudConfigProducer> = [];

  constructor(scope: Construct, id: string, props: HostProps) {
    super(scope, id);
    ensureProvider(this, OPENSTACK_PROVIDER);
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
    for (const [what, value] of [
      ['bootVolumeSizeGiB', props.bootVolumeSizeGiB],
      ['bootVolumeSizeGb', props.bootVolumeSizeGb],
    ] as const) {
      if (value !== undefined) {
        checkInteger(path, what, value, 1, 65536, 'give the boot volume size in GiB, e.g. 20');
      }
    }
    const bootVolumeSizeGiB = renamed(
      path,
      'bootVolumeSizeGiB',
      props.bootVolumeSizeGiB,
      'bootVolumeSizeGb',
      props.bootVolumeSizeGb,
    );
    for (const [what, value] of [
      ['image', props.image],
      ['flavor', props.flavor],
    ] as const) {
      if (!isUnresolved(value) && (typeof value !== 'string' || value.trim() === '')) {
        throw new ValidationError({
          path,
          what,
          value,
          allowed: `${what === 'image' ? 'an' : 'a'} ${what} name of your cloud`,
          fix: `give the ${what} name, e.g. from \`openstack ${what} list\``,
        });
      }
    }
    if (props.name !== undefined) checkName(path, 'name', props.name);
    this.hostName = props.name ?? id.toLowerCase();
    this.role = props.role ?? 'host';
    if (props.cloudConfig) this.addCloudConfig(props.cloudConfig);
    this.connections = new Connections({ securityGroups: props.securityGroups, path: this.node.path });
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
    this.instance = new ComputeInstanceV2(this, 'Resource', {
      name: this.hostName,
      imageName: bootVolumeSizeGiB === undefined ? props.image : undefined,
      flavorName: props.flavor,
      keyPair: props.keyPairName,
      network: [{ port: this.port.id }],
      metadata: props.metadata ?? { 'webfarm:path': path },
      // Rendered at synth from every fragment added by then, escaped for Terraform exactly once.
      userData: Lazy.stringValue({
        produce: () => {
          const text = this.userData;
          return text === undefined ? undefined : escapeTerraformTemplate(text);
        },
      }),
      ...(props.serverGroup ? { schedulerHints: [{ group: props.serverGroup.serverGroupId }] } : {}),
      ...(bootVolumeSizeGiB !== undefined
        ? {
            blockDevice: [
              {
                sourceType: 'image',
                uuid: new DataOpenstackImagesImageV2(this, 'Image', { name: props.image, mostRecent: true })
                  .id,
                destinationType: 'volume',
                volumeSize: bootVolumeSizeGiB,
                bootIndex: 0,
                deleteOnTermination: true,
              },
            ],
          }
        : {}),
    });
    // Terraform checks every reference in the user data at plan time: against the rule of its
    // place in a file, and as a YAML double-quoted scalar of the cloud-config.
    addTokenPreconditions(
      this.instance,
      () => {
        const text = this.userData;
        return text === undefined ? [] : [text];
      },
      tokenRule('doubleQuoted', `${path} cloud-init`, 'a Terraform reference in the cloud-config'),
    );
    // The manifest lists the final files too: produced at synth, like the user data.
    this.instance.addOverride(
      `//.${HOST_MANIFEST_KEY}`,
      Lazy.anyValue({
        produce: () => {
          const manifest = this.manifest();
          return manifest === undefined ? undefined : hostManifestValue(manifest);
        },
      }),
    );
  }

  /**
   * Adds a cloud-config fragment, merged after the ones before it (lists concatenated, scalars
   * of later fragments win; see `mergeCloudConfigs`). A plain fragment is checked at once
   * together with the other plain fragments; a {@link CloudConfigProducer} is rendered at synth.
   */
  public addCloudConfig(fragment: CloudConfig | CloudConfigProducer): void {
    this.fragments.push(fragment);
    if (!isProducer(fragment)) {
      renderCloudConfig(
        mergeCloudConfigs(...this.fragments.filter((f): f is CloudConfig => !isProducer(f))),
        `${this.node.path} cloud-init`,
      );
    }
  }

  /** The merged cloud-config as it stands now, or `undefined` when no fragment was added. */
  public get cloudConfig(): CloudConfig | undefined {
    if (this.fragments.length === 0) return undefined;
    return mergeCloudConfigs(...this.fragments.map((f) => (isProducer(f) ? f.produce() : f)));
  }

  /**
   * The `#cloud-config` user data as it stands now (not yet Terraform-escaped; token markers in
   * place), or `undefined` when no fragment was added.
   */
  public get userData(): string | undefined {
    const config = this.cloudConfig;
    return config === undefined ? undefined : renderCloudConfig(config, `${this.node.path} cloud-init`);
  }

  private manifest(): HostManifest | undefined {
    const config = this.cloudConfig;
    if (config === undefined) return undefined;
    return {
      host: this.hostName,
      role: this.role,
      delivery: 'cloud-init',
      files: [
        {
          path: '/var/lib/cloud/instance/user-data.txt',
          content: renderCloudConfig(config, `${this.node.path} cloud-init`),
          mode: '0600',
          check: 'cloud-init schema --config-file /var/lib/cloud/instance/user-data.txt',
        },
        ...(config.writeFiles ?? []).map((f) => ({
          path: f.path,
          content: f.content,
          owner: f.owner,
          mode: f.mode ?? (f as CloudInitFile).permissions,
        })),
      ],
    };
  }

  /**
   * Adds a data volume, attached by its own attachment resource and protected from destroy by
   * default. Construct ids are `Volume-<id>` and `Volume-<id>-Attachment`. A bigger `sizeGiB`
   * later extends the attached volume in place (`enable_online_resize`); the file system on it is
   * not grown by this (e.g. `resize2fs` on the host). A smaller one cannot be applied: Cinder
   * volumes do not shrink.
   */
  public addVolume(id: string, options: HostVolumeOptions): HostVolume {
    const sizeGiB = renamed(this.node.path, 'sizeGiB', options.sizeGiB, 'sizeGb', options.sizeGb) as number;
    checkInteger(
      this.node.path,
      `size of volume '${id}'`,
      sizeGiB,
      1,
      65536,
      'give the size in GiB, e.g. 100',
    );
    const volume = new BlockstorageVolumeV3(this, `Volume-${id}`, {
      name: `${this.hostName}-${id}`,
      size: sizeGiB,
      ...(options.volumeType ? { volumeType: options.volumeType } : {}),
      description: `webfarm data volume of ${this.node.path}`,
      // Growing an attached volume: provider 3.x extends it in place only with this (Cinder API
      // 3.42+); without it the plan is an update and the apply fails on an in-use volume.
      enableOnlineResize: true,
      lifecycle: { preventDestroy: options.preventDestroy ?? true },
    });
    const attachment = new ComputeVolumeAttachV2(this, `Volume-${id}-Attachment`, {
      instanceId: this.instance.id,
      volumeId: volume.id,
    });
    return { volume, attachment, devicePath: `/dev/disk/by-id/virtio-${Fn.substr(volume.id, 0, 20)}` };
  }
}

function isProducer(fragment: CloudConfig | CloudConfigProducer): fragment is CloudConfigProducer {
  return typeof (fragment as CloudConfigProducer).produce === 'function';
}

/** A construct's data-volume props: `dataVolume`, and the deprecated flat names. @internal */
export interface DataVolumeProps {
  /** The volume. */
  readonly dataVolume?: HostVolumeOptions;
  /** Deprecated `dataVolume.sizeGiB`. */
  readonly volumeSizeGb?: number;
  /** Deprecated `dataVolume.volumeType`. */
  readonly volumeType?: string;
  /** Deprecated `dataVolume.preventDestroy`. */
  readonly retainData?: boolean;
}

/**
 * The data volume a construct's props ask for, from `dataVolume` or the deprecated flat
 * `volumeSizeGb`/`volumeType`/`retainData` (both with different values: a `ValidationError`).
 * The size is checked under the name it was given by; `preventDestroy` defaults to true.
 * @internal
 */
export function dataVolumeOf(
  path: string,
  props: DataVolumeProps,
  defaults: { readonly sizeGiB?: number; readonly example: number },
): HostVolumeOptions {
  const dv = props.dataVolume ?? {};
  const fix = `give the size in GiB, e.g. ${defaults.example}`;
  for (const [what, value] of [
    ['dataVolume.sizeGiB', dv.sizeGiB],
    ['dataVolume.sizeGb', dv.sizeGb],
    ['volumeSizeGb', props.volumeSizeGb],
  ] as const) {
    if (value !== undefined) checkInteger(path, what, value, 1, 65536, fix);
  }
  const inner = renamed(path, 'dataVolume.sizeGiB', dv.sizeGiB, 'dataVolume.sizeGb', dv.sizeGb);
  const sizeGiB =
    renamed(path, 'dataVolume.sizeGiB', inner, 'volumeSizeGb', props.volumeSizeGb) ?? defaults.sizeGiB;
  // Neither name given, and no default: the same error as an invalid size.
  if (sizeGiB === undefined)
    checkInteger(path, 'dataVolume.sizeGiB', sizeGiB as unknown as number, 1, 65536, fix);
  return {
    sizeGiB,
    volumeType: renamed(path, 'dataVolume.volumeType', dv.volumeType, 'volumeType', props.volumeType),
    preventDestroy:
      renamed(path, 'dataVolume.preventDestroy', dv.preventDestroy, 'retainData', props.retainData) ?? true,
  };
}
