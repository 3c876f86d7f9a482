import { Construct } from 'constructs';
import type { HostFile } from '../core/host-file';
import { CloudConfig, CloudInitFile, mergeCloudConfigs, renderCloudConfig } from '../config/cloud-init';
import { BalancerNode, IWorkerPool, WorkerNode } from '../core/balancer';
import { Connections } from '../core/connections';
import { ValidationError } from '../core/errors';
import { Port } from '../core/port';
import { isUnresolved } from '../core/tokens';
import { checkInteger, checkName, checkObject, checkPort, parseCidr } from '../core/validate';
import { renamed } from '../core/renamed';
import { IAdminAccess, adminAccessOf, keyPairNameOf } from './admin-access';
import { dataVolumeOf, Host, HostVolume, HostVolumeOptions } from './host';
import { IKeyPair } from './keypair';
import { checkNetwork, INetwork } from './network';
import { ResolvedRoles, WorkerRoles } from '../hosting/roles';
import { GroupEnvironment } from '../hosting/environment';
import { groupNodeNames } from '../hosting/node-names';
import { SecurityGroup } from './security-group';
import { ServerGroup } from './server-group';
import { checkAbsolutePath } from '../config/systemd';
import {
  PREPARE_VOLUME_PATH,
  prepareVolumeCommand,
  renderPrepareVolumeScript,
} from '../config/systemd-volume';
import { WorkerApp, WorkerAppConfig } from '../hosting/app';
import { renderEnvFile } from '../hosting/env-file';

const OWNER = /^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$|^[0-9]+:[0-9]+$/;

/** Nodes per group at most: one subnet's worth of hosts, and a plan Terraform can still handle. */
const MAX_NODES = 1000;

/** Placement of a group's nodes on hypervisors. */
export type WorkerPlacement = 'anti-affinity' | 'soft-anti-affinity';

/**
 * A data volume on every node of a group: the one volume shape (`sizeGiB`, `volumeType`,
 * `preventDestroy`, default true: `prevent_destroy`, DESIGN decision 8) and where to mount it.
 */
export interface WorkerDataVolume extends HostVolumeOptions {
  /**
   * Where to mount it. At first boot the node runs webfarm's data-volume bootstrap
   * (`webfarm-prepare-volume`): wait for the attachment, make an ext4 file system ONLY when
   * `blkid -p` finds no signature at all (an existing file system is never touched, a disk it
   * cannot probe is left alone and reported), add it to `/etc/fstab` once and mount it.
   * @default - attached, not formatted or mounted
   */
  readonly mountPoint?: string;
  /**
   * Owner of the mount point (`user` or `user:group`), e.g. the app's user.
   * @default - root
   */
  readonly owner?: string;
}

/** Props of {@link WorkerGroup}. */
export interface WorkerGroupProps {
  /** The network the nodes are on. */
  readonly network: INetwork;
  /** Image name, e.g. `Featured-Ubuntu24`. */
  readonly image: string;
  /** Flavor name, e.g. `m3.small`. */
  readonly flavor: string;
  /**
   * Number of nodes, named `<name>-1` … `<name>-<count>`. Raising it appends nodes and leaves
   * the existing ones untouched. Give either `count` or `nodeNames`.
   * @default 2
   */
  readonly count?: number;
  /**
   * Explicit node names instead of `count` (each a lowercase DNS label, unique). Construct ids
   * derive from the names (`Node-<name>`), so the order does not matter and removing one node
   * leaves the others alone.
   * @default - `<name>-1` … `<name>-<count>`
   */
  readonly nodeNames?: string[];
  /**
   * The group's name: node names, the environment file, the systemd unit and the compose project
   * derive from it.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * `anti-affinity`: every node on a different hypervisor, or the boot fails (the seed VISA
   * platform's "different physical hosts"); `soft-anti-affinity`: spread when the cloud can.
   * @default 'anti-affinity'
   */
  readonly placement?: WorkerPlacement;
  /**
   * Keypair for the image's default user.
   * @default - none (users from cloud-init only)
   */
  readonly keyPair?: IKeyPair;
  /**
   * How the app is started: a systemd unit or a docker compose project, both reading the
   * environment file.
   * @default - no app is started (packages, files and the environment file only)
   */
  readonly app?: WorkerApp;
  /**
   * The port the app serves on: the default port of `connections`
   * (`workers.connections.allowDefaultPortFrom(balancer)`).
   * @default - no default port
   */
  readonly appPort?: number;
  /**
   * Debian/Ubuntu packages to install.
   * @default - none (besides what the app needs)
   */
  readonly packages?: string[];
  /**
   * Files to write on every node, by cloud-init at first boot (`HostFile`: path, content, owner,
   * mode, `defer`; `CloudInitFile` with `permissions` is the deprecated form).
   * @default - none
   */
  readonly files?: Array<HostFile | CloudInitFile>;
  /**
   * Environment variables of the app on every node, written to `/etc/webfarm/<name>.env` (mode
   * 0600). Values may be Terraform references (see `addEnvironment`).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Variables that differ on exactly one primary node.
   * @default - no roles: every node gets the same environment, and no node is primary
   */
  readonly roles?: WorkerRoles;
  /**
   * Boot from a new volume of this size, GiB (OpenStack volume sizes are whole GiB, 2^30 bytes),
   * deleted with the instance.
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
   * A data volume per node (`Volume-data`), attached by its own attachment.
   * @default - none
   */
  readonly dataVolume?: WorkerDataVolume;
  /**
   * SSH for administrators (`AdminAccess`): tcp/22 from the admin networks or the bastion.
   * A list of CIDR blocks (`['198.51.100.0/24']`) is the administrators' networks: tcp/22 from
   * each of them, as an `AdminAccess` without a bastion opens it.
   * @default - no SSH rule
   */
  readonly adminAccess?: IAdminAccess | string[];
  /**
   * Allow every outbound connection (package installs, image pulls, DNS). With `false`, egress is
   * written path by path by `connections`, and the nodes cannot install packages unless you
   * open a way.
   * @default true
   */
  readonly allowAllOutbound?: boolean;
}

/**
 * A group of identical app servers: N instances (each on its own port, see {@link Host}) in one
 * Nova server group with an anti-affinity policy, one security group, and a first-boot
 * cloud-config with the packages, files, the app's environment file and the app's start.
 *
 * Nodes are keyed by name (`Node-web-1`): adding a node adds that node's resources and changes
 * nothing else. The user data is rendered at synth, so `addCloudConfig` and `addEnvironment`
 * reach every node, including nodes added later.
 *
 * ```ts
 * const workers = new WorkerGroup(this, 'Web', {
 *   network, image: 'Featured-Ubuntu24', flavor: 'm3.small', count: 2, appPort: 8080,
 *   app: WorkerApp.systemd({ execStart: '/opt/app/bin/server' }),
 * });
 * workers.addEnvironment({ REDIS_URL: redis.url });
 * pool.addTarget(workers);
 * ```
 */
export class WorkerGroup extends Construct implements IWorkerPool {
  /** The group name. */
  public readonly name: string;
  /** The nodes' security group. */
  public readonly securityGroup: SecurityGroup;
  /** The server group every node is scheduled into. */
  public readonly serverGroup: ServerGroup;
  /** The nodes' connections (their security group; default port `appPort`). */
  public readonly connections: Connections;
  /** Where the environment file lands on each node: `/etc/webfarm/<name>.env`. */
  public readonly envFilePath: string;
  /** The roles, resolved (primary node and role variables), when given. */
  public readonly roles?: ResolvedRoles;

  private readonly props: WorkerGroupProps;
  private readonly adminAccess?: IAdminAccess;
  private readonly hostsByName = new Map<string, Host>();
  private readonly volumesByName = new Map<string, HostVolume>();
  private readonly bootVolumeSizeGiB?: number;
  private readonly dataVolumeOptions?: HostVolumeOptions;
  private readonly environment: GroupEnvironment;
  private readonly fragments: CloudConfig[] = [];
  private readonly app?: WorkerAppConfig;
  /** Pools that hold this group's nodes: told of every node added later. */
  private readonly subscribers: Array<{ port: number; added: (nodes: BalancerNode[]) => void }> = [];

  constructor(scope: Construct, id: string, props: WorkerGroupProps) {
    super(scope, id);
    checkObject(this.node.path, 'props', props, '{ network, image: "debian-12", flavor: "m1.small" }');
    checkNetwork(this.node.path, props.network);
    const path = this.node.path;
    this.props = props;
    this.adminAccess = adminAccessOf(this, path, props.adminAccess);
    this.name = props.name ?? id.toLowerCase();
    checkName(path, 'name', this.name);
    checkImageAndFlavor(path, props);
    const nodeNames = groupNodeNames(path, this.name, props, {
      max: MAX_NODES,
      unit: 'node',
      countFix: `give the number of nodes, from 1 to ${MAX_NODES} (split larger fleets into several groups)`,
    });
    checkFitsSubnet(path, nodeNames.length, props.network);
    const placement = props.placement ?? 'anti-affinity';
    if (placement !== 'anti-affinity' && placement !== 'soft-anti-affinity') {
      throw new ValidationError({
        path,
        what: 'placement',
        value: placement,
        allowed: '"anti-affinity" or "soft-anti-affinity"',
        fix: 'use "soft-anti-affinity" when the cloud has fewer hypervisors than nodes',
      });
    }
    if (props.appPort !== undefined) checkPort(path, 'appPort', props.appPort);
    for (const [what, value] of [
      ['bootVolumeSizeGiB', props.bootVolumeSizeGiB],
      ['bootVolumeSizeGb', props.bootVolumeSizeGb],
    ] as const) {
      if (value !== undefined) checkInteger(path, what, value, 1, 65536, 'give the size in GiB, e.g. 20');
    }
    this.bootVolumeSizeGiB = renamed(
      path,
      'bootVolumeSizeGiB',
      props.bootVolumeSizeGiB,
      'bootVolumeSizeGb',
      props.bootVolumeSizeGb,
    );
    if (props.dataVolume) {
      this.dataVolumeOptions = dataVolumeOf(path, { dataVolume: props.dataVolume }, { example: 100 });
      if (props.dataVolume.mountPoint !== undefined) {
        checkAbsolutePath(path, 'dataVolume.mountPoint', props.dataVolume.mountPoint);
        if (props.dataVolume.owner !== undefined && !OWNER.test(props.dataVolume.owner)) {
          throw new ValidationError({
            path,
            what: 'dataVolume.owner',
            value: props.dataVolume.owner,
            allowed: '"user", "user:group" or "uid:gid"',
            fix: 'name the user (and group) that should own the mount point, e.g. "app:app"',
          });
        }
        if (props.dataVolume.mountPoint === '/') {
          throw new ValidationError({
            path,
            what: 'dataVolume.mountPoint',
            value: '/',
            allowed: 'a directory below /',
            fix: 'mount the volume at e.g. "/srv/data"',
          });
        }
      }
    }
    this.envFilePath = `/etc/webfarm/${this.name}.env`;
    this.environment = new GroupEnvironment(path, nodeNames, props.roles);
    this.roles = this.environment.roles;
    if (props.environment) this.addEnvironment(props.environment);
    this.app = props.app?.bind({ name: this.name, envFilePath: this.envFilePath, path });

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `webfarm worker group ${path}`,
      allowAllOutbound: props.allowAllOutbound ?? true,
    });
    this.serverGroup = new ServerGroup(this, 'ServerGroup', { policy: placement });
    this.connections = new Connections({
      path,
      securityGroups: [this.securityGroup],
      defaultPort: props.appPort !== undefined ? Port.tcp(props.appPort) : undefined,
    });
    for (const nodeName of nodeNames) this.createNode(nodeName);
    // Checks packages and files now rather than at synth.
    renderCloudConfig(this.nodeCloudConfig(nodeNames[0]), `${path} cloud-init`);
    this.adminAccess?.allowSshTo(this);
    // Exactly one primary holds by construction: ResolvedRoles.resolve refuses a primary that is
    // not one of the (unique) node names, and addNode only adds secondaries. No synth-time
    // re-count, whose message would be a plain Error rather than a ValidationError.
  }

  /** The nodes, in the order they were created (`web-1`, `web-2`, …). */
  public get nodes(): readonly WorkerNode[] {
    return [...this.hostsByName.entries()].map(([name, host]) => ({
      name,
      privateAddress: host.privateAddress,
      primary: this.roles?.isPrimary(name) ?? false,
    }));
  }

  /** The nodes' hosts (instance, port), in node order. */
  public get hosts(): readonly Host[] {
    return [...this.hostsByName.values()];
  }

  /** The host of node `name`. */
  public host(name: string): Host {
    const host = this.hostsByName.get(name);
    if (!host) {
      throw new ValidationError({
        path: this.node.path,
        what: 'node',
        value: name,
        allowed: [...this.hostsByName.keys()].map((n) => JSON.stringify(n)).join(', '),
        fix: 'name one of the nodes of this group',
      });
    }
    return host;
  }

  /** The data volume of node `name`, when the group has `dataVolume`. */
  public dataVolume(name: string): HostVolume | undefined {
    this.host(name);
    return this.volumesByName.get(name);
  }

  /**
   * Adds a node and returns it: `<name>-<n+1>` after the highest numbered one, or `name`. Pools
   * the group already joined (`pool.addTarget(group)`) get the node as a member too.
   */
  public addNode(name?: string): WorkerNode {
    const path = this.node.path;
    const nodeName = name ?? this.nextNodeName();
    checkName(path, 'node name', nodeName);
    if (this.hostsByName.has(nodeName)) {
      throw new ValidationError({
        path,
        what: 'node name',
        value: nodeName,
        allowed: `a name not yet used (taken: ${[...this.hostsByName.keys()].join(', ')})`,
        fix: 'choose another name',
      });
    }
    this.createNode(nodeName);
    const added = this.nodes.find((n) => n.name === nodeName)!;
    for (const { port, added: tell } of this.subscribers) {
      tell([{ name: added.name, host: added.privateAddress, port }]);
    }
    return added;
  }

  /**
   * Adds a cloud-config fragment to every node (also nodes added later), after the group's
   * packages and files and before the app starts. Changing user data replaces the instances.
   */
  public addCloudConfig(fragment: CloudConfig): void {
    this.fragments.push(fragment);
    for (const name of this.hostsByName.keys()) {
      renderCloudConfig(this.nodeCloudConfig(name), `${this.node.path} cloud-init`);
    }
  }

  /**
   * Adds variables to the environment file of every node. Values may be Terraform references
   * (a generated password): they must then resolve to one line without `'`, `"` or `\` (use
   * `ENV_SAFE_SPECIAL_CHARACTERS` for a `random_password`). Literal values may hold anything but
   * newlines, carriage returns and NUL: they reach the app verbatim, `$`, quotes, backslashes,
   * backticks and spaces included. Setting a variable again to another value is refused, and so
   * is a variable the roles set.
   */
  public addEnvironment(variables: Readonly<Record<string, string>>): void {
    this.environment.add(variables);
  }

  /**
   * The variables of node `name`, in file order: the group's, then the roles'.
   */
  public environmentOf(name: string): Array<[string, string]> {
    this.host(name);
    return this.environment.of(name);
  }

  /** The text of node `name`'s environment file (token markers in place). */
  public envFileOf(name: string): string {
    this.host(name);
    const role = this.roles ? (this.roles.isPrimary(name) ? ' (primary)' : ' (secondary)') : '';
    return renderEnvFile(
      this.node.path,
      this.environmentOf(name),
      `webfarm: environment of ${this.name} node ${name}${role}.\n` +
        'Read by systemd (EnvironmentFile=) and by sh (set -a; . this-file).',
    );
  }

  /** The full cloud-config of node `name` as it stands now. */
  public nodeCloudConfig(name: string): CloudConfig {
    const volume = this.volumesByName.get(name);
    const mountPoint = this.props.dataVolume?.mountPoint;
    const mount = volume !== undefined && mountPoint !== undefined;
    const base: CloudConfig = {
      packages: this.props.packages,
      writeFiles: [
        { path: this.envFilePath, content: this.envFileOf(name), mode: '0600' },
        ...(mount ? [{ path: PREPARE_VOLUME_PATH, content: renderPrepareVolumeScript(), mode: '0755' }] : []),
        ...(this.props.files ?? []),
      ],
      runcmd: mount
        ? [prepareVolumeCommand(volume.devicePath, mountPoint, this.props.dataVolume?.owner)]
        : undefined,
    };
    return mergeCloudConfigs(
      base,
      ...(this.app ? [this.app.setup] : []),
      ...this.fragments,
      ...(this.app ? [this.app.start] : []),
    );
  }

  /** Every node on `port`, named after the node (`web-1`), at its private address. */
  public balancerNodes(port: number): BalancerNode[] {
    checkPort(this.node.path, 'balancer port', port);
    return this.nodes.map((n) => ({ name: n.name, host: n.privateAddress, port }));
  }

  /** Tells `added` of every node added from now on (on `port`): a pool the group joined. */
  public onNodesAdded(port: number, added: (nodes: BalancerNode[]) => void): void {
    checkPort(this.node.path, 'balancer port', port);
    this.subscribers.push({ port, added });
  }

  private createNode(nodeName: string): void {
    const props = this.props;
    const host = new Host(this, `Node-${nodeName}`, {
      network: props.network,
      image: props.image,
      flavor: props.flavor,
      securityGroups: [this.securityGroup],
      keyPairName: keyPairNameOf(props.keyPair, this.adminAccess),
      role: 'worker',
      serverGroup: this.serverGroup,
      name: nodeName,
      bootVolumeSizeGiB: this.bootVolumeSizeGiB,
    });
    this.hostsByName.set(nodeName, host);
    if (this.dataVolumeOptions) {
      this.volumesByName.set(nodeName, host.addVolume('data', this.dataVolumeOptions));
    }
    host.addCloudConfig({ produce: () => this.nodeCloudConfig(nodeName) });
  }

  private nextNodeName(): string {
    const prefix = `${this.name}-`;
    let highest = 0;
    for (const name of this.hostsByName.keys()) {
      const n = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN;
      if (Number.isInteger(n) && n > highest) highest = n;
    }
    return `${prefix}${highest + 1}`;
  }
}

function checkImageAndFlavor(path: string, props: WorkerGroupProps): void {
  for (const [what, value] of [
    ['image', props.image],
    ['flavor', props.flavor],
  ] as const) {
    if (isUnresolved(value)) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ValidationError({
        path,
        what,
        value,
        allowed: `${what === 'image' ? 'an' : 'a'} ${what} name of your cloud`,
        fix: `give the ${what} name, e.g. from \`openstack ${what} list\``,
      });
    }
  }
}

/** Throws when the subnet (when known) has fewer free addresses than the group has nodes. */
function checkFitsSubnet(path: string, nodes: number, network: INetwork): void {
  const subnet = network.subnet;
  if (!subnet.cidrKnown || isUnresolved(subnet.cidr)) return;
  const parsed = parseCidr(subnet.cidr);
  if (!parsed || parsed.version !== 4) return;
  // Network, gateway, DHCP port and broadcast addresses are not for instances.
  const free = 2 ** (32 - parsed.prefix) - 4;
  if (nodes > free) {
    throw new ValidationError({
      path,
      what: 'count',
      value: nodes,
      allowed: `at most ${free} nodes on subnet ${subnet.cidr} (its other addresses are the network, gateway, DHCP and broadcast)`,
      fix: 'use fewer nodes, or a larger subnet',
    });
  }
}
