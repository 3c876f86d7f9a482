import { Construct } from 'constructs';
import { IBalancer } from '../core/balancer';
import { IConnectable } from '../core/connections';
import {
  IServicePlatform,
  IServiceRedis,
  ServiceBalancer,
  ServiceSharedFilesSpec,
  ServiceWorkersSpec,
} from '../core/service';
import { CloudInitFile } from '../config/cloud-init';
import type { HostFile } from '../core/host-file';
import { SelfHostedBalancerProps } from './balancer-host-props';
import { IAdminAccess } from './admin-access';
import { HaproxyBalancer, HaproxyBalancerProps } from './haproxy-balancer';
import { IKeyPair } from './keypair';
import { INetwork } from './network';
import { NfsServer } from './nfs-server';
import { NginxBalancer, NginxBalancerProps } from './nginx-balancer';
import { OctaviaBalancer, OctaviaBalancerProps } from './octavia';
import { RedisHost } from './redis-host';
import { HostVolumeOptions } from './host';
import { WorkerApp } from '../hosting/app';
import { WorkerGroup, WorkerPlacement } from './worker-group';

/** Redis of a service on OpenStack (a `RedisHost`). */
export interface OpenStackRedisOptions {
  /**
   * Flavor of the Redis host.
   * @default - the workers' flavor
   */
  readonly flavor?: string;
  /**
   * Memory limit of Redis, MiB.
   * @default - RedisHost's default
   */
  readonly maxMemoryMb?: number;
  /**
   * Its data volume (as `RedisHostProps.dataVolume`).
   * @default - 10 GiB of the cloud's default type, destroy refused
   */
  readonly dataVolume?: HostVolumeOptions;
  /**
   * The old name of `dataVolume.sizeGiB`.
   *
   * @deprecated Use `dataVolume.sizeGiB` instead (one volume shape, the unit is GiB). Still
   * accepted; giving both with different values is a `ValidationError`.
   */
  readonly volumeSizeGb?: number;
}

/** Shared files of a service on OpenStack (an `NfsServer` exporting one share). */
export interface OpenStackSharedFilesOptions {
  /**
   * Flavor of the NFS server.
   * @default - the workers' flavor
   */
  readonly flavor?: string;
}

/** What every OpenStack service platform takes: the network and how the workers run. */
export interface OpenStackPlatformProps {
  /** The network of the workers, the balancer, Redis and the file server. */
  readonly network: INetwork;
  /** Image of every host, e.g. `Featured-Ubuntu24`. */
  readonly image: string;
  /** Flavor of the workers, e.g. `m3.large`. */
  readonly flavor: string;
  /**
   * How the app starts on each worker.
   * @default - no app is started (packages, files and the environment file only)
   */
  readonly app?: WorkerApp;
  /**
   * Packages on every worker.
   * @default - none
   */
  readonly packages?: string[];
  /**
   * Files on every worker (as `WorkerGroupProps.files`).
   * @default - none
   */
  readonly files?: Array<HostFile | CloudInitFile>;
  /**
   * Placement of the workers on hypervisors.
   * @default 'anti-affinity'
   */
  readonly placement?: WorkerPlacement;
  /**
   * Keypair of the workers' default user.
   * @default - none
   */
  readonly keyPair?: IKeyPair;
  /**
   * SSH for administrators to the workers, Redis and the file server (and the balancer hosts
   * unless they name their own): an `AdminAccess`, or the administrators' networks as a list of
   * CIDR blocks.
   * @default - no SSH rule
   */
  readonly adminAccess?: IAdminAccess | string[];
  /**
   * Redis host settings (used when the service asks for Redis).
   * @default - the workers' flavor, RedisHost's defaults
   */
  readonly redis?: OpenStackRedisOptions;
  /**
   * NFS server settings (used when the service asks for shared files).
   * @default - the workers' flavor
   */
  readonly sharedFiles?: OpenStackSharedFilesOptions;
}

/** Props of {@link OpenStackPlatform.nginx} and {@link OpenStackPlatform.haproxy}. */
export interface OpenStackHostPlatformProps<
  P extends SelfHostedBalancerProps = SelfHostedBalancerProps,
> extends OpenStackPlatformProps {
  /**
   * The balancer host (or keepalived pair): `NginxBalancerProps` or `HaproxyBalancerProps`
   * without the network (the platform's); its `name` defaults to `<service>-lb`, its image
   * and `adminAccess` to the platform's.
   */
  readonly balancer: Omit<P, 'network' | 'image'> & { readonly image?: string };
}

/** Props of {@link OpenStackPlatform.octavia}. */
export interface OpenStackOctaviaPlatformProps extends OpenStackPlatformProps {
  /**
   * The Octavia load balancer (driver, floating IP, API version, …); its `name` defaults to
   * `<service>-lb`.
   * @default - amphora driver, no floating IP
   */
  readonly balancer?: Omit<OctaviaBalancerProps, 'network'>;
}

/**
 * Where a `LoadBalancedService` runs on OpenStack: a `WorkerGroup` (construct id `Workers`), a
 * balancer (`Balancer`: an nginx host, an HAProxy host or Octavia), a `RedisHost` (`Redis`) and
 * an `NfsServer` (`Files`) when the service asks for them, all on one network.
 *
 * ```ts
 * const platform = OpenStackPlatform.nginx({
 *   network, image: 'Featured-Ubuntu24', flavor: 'm3.large',
 *   balancer: { flavor: 'm3.small', floatingIpPool: 'public', ssh: { user: 'ubuntu' }, adminAccess },
 * });
 * ```
 */
export class OpenStackPlatform<B extends IBalancer> implements IServicePlatform<B, WorkerGroup> {
  /** An nginx balancer host (`NginxBalancer`). */
  public static nginx(
    props: OpenStackHostPlatformProps<NginxBalancerProps>,
  ): OpenStackPlatform<NginxBalancer> {
    return new OpenStackPlatform<NginxBalancer>(props, 'OpenStack (nginx host)', (scope, id, name) => {
      const lb = new NginxBalancer(scope, id, hostBalancerProps(props, name));
      return { balancer: lb, address: lb.publicAddress ?? lb.privateAddress };
    });
  }

  /** An HAProxy balancer host (`HaproxyBalancer`). */
  public static haproxy(
    props: OpenStackHostPlatformProps<HaproxyBalancerProps>,
  ): OpenStackPlatform<HaproxyBalancer> {
    return new OpenStackPlatform<HaproxyBalancer>(props, 'OpenStack (HAProxy host)', (scope, id, name) => {
      const lb = new HaproxyBalancer(scope, id, hostBalancerProps(props, name));
      return { balancer: lb, address: lb.publicAddress ?? lb.privateAddress };
    });
  }

  /** OpenStack's managed load balancer (`OctaviaBalancer`). */
  public static octavia(props: OpenStackOctaviaPlatformProps): OpenStackPlatform<OctaviaBalancer> {
    return new OpenStackPlatform<OctaviaBalancer>(props, 'OpenStack (Octavia)', (scope, id, name) => {
      const lb = new OctaviaBalancer(scope, id, {
        ...props.balancer,
        network: props.network,
        name: props.balancer?.name ?? `${name}-lb`,
      });
      return { balancer: lb, address: lb.publicAddress ?? lb.privateAddress };
    });
  }

  private constructor(
    private readonly props: OpenStackPlatformProps,
    /** The platform and backend, for messages. */
    public readonly description: string,
    private readonly makeBalancer: (scope: Construct, id: string, name: string) => ServiceBalancer<B>,
  ) {}

  /** A `WorkerGroup` of `spec.count` nodes. */
  public createWorkers(scope: Construct, id: string, spec: ServiceWorkersSpec): WorkerGroup {
    const p = this.props;
    return new WorkerGroup(scope, id, {
      network: p.network,
      image: p.image,
      flavor: p.flavor,
      name: spec.name,
      count: spec.count,
      appPort: spec.port,
      environment: spec.environment,
      roles: spec.roles,
      app: p.app,
      packages: p.packages,
      files: p.files,
      placement: p.placement,
      keyPair: p.keyPair,
      adminAccess: p.adminAccess,
    });
  }

  /** The balancer. */
  public createBalancer(scope: Construct, id: string, name: string): ServiceBalancer<B> {
    return this.makeBalancer(scope, id, name);
  }

  /** A `RedisHost` named `<service>-redis`. */
  public createRedis(scope: Construct, id: string, name: string): IServiceRedis {
    const p = this.props;
    return new RedisHost(scope, id, {
      network: p.network,
      image: p.image,
      flavor: p.redis?.flavor ?? p.flavor,
      name: `${name}-redis`,
      maxMemoryMb: p.redis?.maxMemoryMb,
      dataVolume: p.redis?.dataVolume,
      volumeSizeGb: p.redis?.volumeSizeGb,
      keyPair: p.keyPair,
      adminAccess: p.adminAccess,
    });
  }

  /** An `NfsServer` named `<service>-files` exporting share `<service>`, mounted on the workers. */
  public createSharedFiles(
    scope: Construct,
    id: string,
    spec: ServiceSharedFilesSpec,
    workers: WorkerGroup,
  ): IConnectable {
    const p = this.props;
    const server = new NfsServer(scope, id, {
      network: p.network,
      image: p.image,
      flavor: p.sharedFiles?.flavor ?? p.flavor,
      name: `${spec.name}-files`,
      shares: [spec.name],
      dataVolume: { sizeGiB: spec.sizeGiB ?? spec.sizeGb },
      keyPair: p.keyPair,
      adminAccess: p.adminAccess,
    });
    server.share(spec.name).mountOn(workers, spec.mountPoint);
    return server;
  }
}

function hostBalancerProps<P extends SelfHostedBalancerProps>(
  props: OpenStackHostPlatformProps<P>,
  name: string,
): P {
  return {
    ...props.balancer,
    network: props.network,
    image: props.balancer.image ?? props.image,
    name: props.balancer.name ?? `${name}-lb`,
    // A balancer naming its own SSH networks (the deprecated adminCidrs) does not also take the
    // platform's list: the two would be refused as one setting with two values.
    adminAccess:
      props.balancer.adminAccess ??
      (props.balancer.adminCidrs !== undefined && Array.isArray(props.adminAccess)
        ? undefined
        : props.adminAccess),
  } as P;
}
