import { Construct } from 'constructs';
import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Lazy } from '../core/cdk';
import { BalancerNode, IWorkerPool, WorkerNode } from '../core/balancer';
import { Connections } from '../core/connections';
import { escapeTerraformTemplate } from '../core/escape';
import { ValidationError } from '../core/errors';
import { Port } from '../core/port';
import { checkInteger, checkName, checkPort } from '../core/validate';
import { checkAbsolutePath } from '../config/systemd';
import { GroupEnvironment } from '../hosting/environment';
import { groupNodeNames } from '../hosting/node-names';
import { ResolvedRoles, WorkerRoles } from '../hosting/roles';
import { containerImage } from './image';
import { DockerNetwork } from './network';
import { dockerName } from './provider';
import { DockerVolume } from './volume';

/** Nodes per group at most (each is its own container). */
const MAX_CONTAINERS = 100;

/** How the engine restarts a container (`--restart`). */
export type RestartPolicy = 'no' | 'on-failure' | 'always' | 'unless-stopped';

/** A container's health check (`HEALTHCHECK`). */
export interface ContainerHealthCheck {
  /**
   * The check, as Docker takes it: `['CMD', 'curl', '-fsS', 'http://127.0.0.1:8080/health']`
   * (exec form) or `['CMD-SHELL', 'curl -fsS http://127.0.0.1:8080/health']`.
   */
  readonly command: string[];
  /**
   * Seconds between checks.
   * @default 5
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds one check may take.
   * @default 3
   */
  readonly timeoutSeconds?: number;
  /**
   * Failed checks in a row before the container is unhealthy.
   * @default 3
   */
  readonly retries?: number;
  /**
   * Seconds after start during which failures do not count.
   * @default 0
   */
  readonly startPeriodSeconds?: number;
}

/** A named volume mounted into every container of a group. */
export interface ContainerVolumeMount {
  /** The volume. */
  readonly volume: DockerVolume;
  /** Where it appears in the container (absolute path). */
  readonly containerPath: string;
  /**
   * Mount it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** A file put into every container of a group before it starts. */
export interface ContainerFile {
  /** Absolute path in the container. */
  readonly path: string;
  /** The text. */
  readonly content: string;
  /**
   * Octal mode.
   * @default '0644'
   */
  readonly mode?: string;
}

/** Props of {@link ContainerGroup}. */
export interface ContainerGroupProps {
  /** The stack network the containers join. */
  readonly network: DockerNetwork;
  /** The app's image, e.g. `python:3.12-slim` or your own `registry.example.org/app:2.1`. */
  readonly image: string;
  /**
   * The command (the image's `CMD` otherwise), e.g. `['python3', '-m', 'http.server', '8080']`.
   * @default - the image's command
   */
  readonly command?: string[];
  /**
   * Number of containers, named `<name>-1` … `<name>-<count>`. Give either `count` or
   * `nodeNames`.
   * @default 2
   */
  readonly count?: number;
  /**
   * Explicit node names instead of `count` (each a lowercase DNS label, unique). Construct ids
   * derive from them (`Node-<name>`), so removing one leaves the others alone.
   * @default - `<name>-1` … `<name>-<count>`
   */
  readonly nodeNames?: string[];
  /**
   * The group's name: node names derive from it.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * The port the app serves on inside each container: the default port of `connections`.
   * @default - no default port
   */
  readonly appPort?: number;
  /**
   * Environment of every container (values may be Terraform references, see `addEnvironment`).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Variables that differ on exactly one primary node (the same `WorkerRoles` as `WorkerGroup`).
   * @default - no roles: every container gets the same environment, and none is primary
   */
  readonly roles?: WorkerRoles;
  /**
   * The health check; with one, Terraform waits until every container is healthy before it
   * creates what depends on them (the balancer).
   * @default - the image's own, if any; Terraform waits only until the container runs
   */
  readonly healthCheck?: ContainerHealthCheck;
  /**
   * When the engine restarts a container.
   * @default 'unless-stopped'
   */
  readonly restart?: RestartPolicy;
  /**
   * Named volumes mounted into every container (shared files, the NFS stand-in).
   * @default - none
   */
  readonly volumes?: ContainerVolumeMount[];
  /**
   * Files put into every container before it starts.
   * @default - none
   */
  readonly files?: ContainerFile[];
  /**
   * Prefix of the containers' names on the engine (`<prefix><node>`).
   * @default - `<stack>-`
   */
  readonly containerNamePrefix?: string;
}

/**
 * A group of identical app containers on the stack network, the Docker counterpart of
 * `WorkerGroup`: N containers with the same image, command, health check, restart policy,
 * volumes and files, each with the group's environment plus its role's (exactly one primary
 * when `roles` is given). It is an `IWorkerPool`, so `pool.addTarget(group)` registers every
 * container at its network address.
 *
 * What Docker cannot do, once: there are no security groups (`connections` has none; declared
 * paths write nothing: everything on the network reaches everything on it, nothing else
 * reaches the containers, which publish no port) and no hypervisors (no anti-affinity: the
 * containers share your machine). No port of an app container is published.
 */
export class ContainerGroup extends Construct implements IWorkerPool {
  /** The group name. */
  public readonly name: string;
  /** Connections without security groups (default port `appPort`). */
  public readonly connections: Connections;
  /** The roles, resolved (primary node and role variables), when given. */
  public readonly roles?: ResolvedRoles;
  /** The image resource. */
  public readonly image: Image;

  private readonly props: ContainerGroupProps;
  private readonly environment: GroupEnvironment;
  private readonly containersByName = new Map<string, Container>();
  /** The volumes every container mounts (props, then `addVolume`). */
  private readonly mounts: ContainerVolumeMount[] = [];
  /** Each container's address on the stack network (one reference per container). */
  private readonly addresses = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ContainerGroupProps) {
    super(scope, id);
    const path = this.node.path;
    this.props = props;
    this.name = props.name ?? id.toLowerCase();
    checkName(path, 'name', this.name);
    const nodeNames = groupNodeNames(path, this.name, props, {
      max: MAX_CONTAINERS,
      unit: 'container',
      countFix: `give the number of containers, from 1 to ${MAX_CONTAINERS}`,
    });
    if (props.appPort !== undefined) checkPort(path, 'appPort', props.appPort);
    checkRestart(path, props.restart);
    if (props.healthCheck) checkHealthCheck(path, props.healthCheck);
    for (const [i, m] of (props.volumes ?? []).entries())
      checkAbsolutePath(path, `volumes[${i}].containerPath`, m.containerPath);
    for (const [i, f] of (props.files ?? []).entries()) checkAbsolutePath(path, `files[${i}].path`, f.path);
    if (props.command !== undefined && (!Array.isArray(props.command) || props.command.length === 0)) {
      throw new ValidationError({
        path,
        what: 'command',
        value: props.command,
        allowed: 'a non-empty list of arguments, e.g. ["python3", "-m", "http.server", "8080"]',
        fix: 'give the command as a list, or leave it out for the image’s own',
      });
    }
    this.environment = new GroupEnvironment(path, nodeNames, props.roles);
    this.roles = this.environment.roles;
    if (props.environment) this.environment.add(props.environment);
    this.connections = new Connections({
      path: this.node.path,
      defaultPort: props.appPort !== undefined ? Port.tcp(props.appPort) : undefined,
    });
    this.image = containerImage(this, props.image);
    this.mounts.push(...(props.volumes ?? []));
    for (const nodeName of nodeNames) this.createNode(nodeName);
  }

  /** The nodes, in name order as created (`web-1`, `web-2`, …), at their network addresses. */
  public get nodes(): readonly WorkerNode[] {
    return [...this.containersByName.entries()].map(([name, container]) => ({
      name,
      privateAddress: this.addresses.get(name) ?? container.networkData.get(0).ipAddress,
      primary: this.environment.isPrimary(name),
    }));
  }

  /** The container of node `name`. */
  public container(name: string): Container {
    const container = this.containersByName.get(name);
    if (!container) {
      throw new ValidationError({
        path: this.node.path,
        what: 'node',
        value: name,
        allowed: [...this.containersByName.keys()].map((n) => JSON.stringify(n)).join(', '),
        fix: 'name one of the nodes of this group',
      });
    }
    return container;
  }

  /**
   * Adds variables to the environment of every container (also after construction: the
   * environment is produced at synth). Values may be Terraform references (a generated
   * password). Setting a variable again to another value is refused, and so is one the roles set.
   */
  public addEnvironment(variables: Readonly<Record<string, string>>): void {
    this.environment.add(variables);
  }

  /** The variables of node `name`, in order: the group's, then the roles'. */
  public environmentOf(name: string): Array<[string, string]> {
    this.container(name);
    return this.environment.of(name);
  }

  /**
   * Mounts a named volume into every container (the shared files of a service; changing the
   * mounts re-creates the containers, as a new mount needs a new container).
   */
  public addVolume(mount: ContainerVolumeMount): void {
    checkAbsolutePath(this.node.path, 'volume containerPath', mount.containerPath);
    this.mounts.push(mount);
  }

  /** Every container on `port`, named after its node, at its network address. */
  public balancerNodes(port: number): BalancerNode[] {
    checkPort(this.node.path, 'balancer port', port);
    return this.nodes.map((n) => ({ name: n.name, host: n.privateAddress, port }));
  }

  private createNode(nodeName: string): void {
    const props = this.props;
    const prefix = props.containerNamePrefix ?? `${dockerName(this, 'containerNamePrefix', '')}`;
    const name = dockerName(this, 'container name', '', `${prefix}${nodeName}`);
    const health = props.healthCheck;
    const config: ContainerConfig = {
      name,
      image: this.image.imageId,
      hostname: nodeName,
      ...(props.command ? { command: props.command.map(escapeTerraformTemplate) } : {}),
      env: Lazy.listValue({
        produce: () => this.environment.of(nodeName).map(([k, v]) => escapeTerraformTemplate(`${k}=${v}`)),
      }),
      restart: props.restart ?? 'unless-stopped',
      mustRun: true,
      networksAdvanced: [{ name: props.network.resource.name, aliases: [nodeName] }],
      ...(health
        ? {
            healthcheck: {
              test: health.command.map(escapeTerraformTemplate),
              interval: `${health.intervalSeconds ?? 5}s`,
              timeout: `${health.timeoutSeconds ?? 3}s`,
              retries: health.retries ?? 3,
              startPeriod: `${health.startPeriodSeconds ?? 0}s`,
            },
            wait: true,
            waitTimeout: 120,
          }
        : {}),
      volumes: Lazy.anyValue(
        {
          produce: () =>
            this.mounts.map((m) => ({
              volume_name: m.volume.resource.name,
              container_path: m.containerPath,
              read_only: m.readOnly ?? false,
            })),
        },
        { omitEmptyArray: true },
      ),
      ...(props.files?.length
        ? {
            upload: props.files.map((f) => ({
              file: f.path,
              content: escapeTerraformTemplate(f.content),
              permissions: f.mode ?? '0644',
            })),
          }
        : {}),
      labels: [
        { label: 'org.webfarm.group', value: this.node.path },
        { label: 'org.webfarm.node', value: nodeName },
        {
          label: 'org.webfarm.role',
          value: this.environment.roles
            ? this.environment.isPrimary(nodeName)
              ? 'primary'
              : 'secondary'
            : 'worker',
        },
      ],
    };
    const container = new Container(this, `Node-${nodeName}`, config);
    this.containersByName.set(nodeName, container);
    this.addresses.set(nodeName, container.networkData.get(0).ipAddress);
  }
}

function checkRestart(path: string, restart: RestartPolicy | undefined): void {
  if (restart !== undefined && !['no', 'on-failure', 'always', 'unless-stopped'].includes(restart)) {
    throw new ValidationError({
      path,
      what: 'restart',
      value: restart,
      allowed: '"no", "on-failure", "always" or "unless-stopped"',
      fix: 'use "unless-stopped" to have the containers come back after a reboot',
    });
  }
}

function checkHealthCheck(path: string, check: ContainerHealthCheck): void {
  const command = check.command;
  if (!Array.isArray(command) || command.length < 2 || !['CMD', 'CMD-SHELL'].includes(command[0])) {
    throw new ValidationError({
      path,
      what: 'healthCheck.command',
      value: command,
      allowed: '["CMD", program, args…] or ["CMD-SHELL", "a shell command"]',
      fix: 'e.g. ["CMD", "curl", "-fsS", "http://127.0.0.1:8080/health"]',
    });
  }
  for (const [what, value, min, max] of [
    ['intervalSeconds', check.intervalSeconds, 1, 3600],
    ['timeoutSeconds', check.timeoutSeconds, 1, 3600],
    ['retries', check.retries, 1, 100],
    ['startPeriodSeconds', check.startPeriodSeconds, 0, 3600],
  ] as const) {
    if (value !== undefined)
      checkInteger(
        path,
        `healthCheck.${what}`,
        value,
        min,
        max,
        `give whole ${what === 'retries' ? 'attempts' : 'seconds'} from ${min} to ${max}`,
      );
  }
}
