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
import {
  DockerHaproxyBalancer,
  DockerHaproxyBalancerProps,
  DockerNginxBalancer,
  DockerNginxBalancerProps,
} from './balancers';
import { ContainerFile, ContainerGroup, ContainerHealthCheck } from './container-group';
import { DockerNetwork } from './network';
import { DockerRedis } from './redis';
import { DockerVolume } from './volume';

/** Props of {@link DockerPlatform.nginx} and {@link DockerPlatform.haproxy}. */
export interface DockerPlatformProps {
  /** The stack network of every container. */
  readonly network: DockerNetwork;
  /** The app's image. */
  readonly image: string;
  /**
   * The app's command.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Files put into every app container.
   * @default - none
   */
  readonly files?: ContainerFile[];
  /**
   * The app containers' health check (the balancer then waits for them).
   * @default - the image's, if any
   */
  readonly healthCheck?: ContainerHealthCheck;
  /**
   * The balancer container.
   * @default - the official image, listeners on 127.0.0.1 on their own ports
   */
  readonly balancer?: Omit<DockerNginxBalancerProps, 'network'>;
  /**
   * Keep the Redis and shared-files volumes on `destroy` (`prevent_destroy`).
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * The laptop twin as a service platform (`lib/patterns`): app containers (`ContainerGroup`),
 * an nginx or HAProxy container, Redis in a container and a named volume for shared files, all
 * on one stack network. `new LoadBalancedService(this, 'Visa', { platform: DockerPlatform.nginx(
 * { network, image }) , … })` is the same call as on OpenStack with another platform.
 */
export class DockerPlatform<B extends IBalancer> implements IServicePlatform<B, ContainerGroup> {
  /** An nginx container (`DockerNginxBalancer`). */
  public static nginx(props: DockerPlatformProps): DockerPlatform<DockerNginxBalancer> {
    return new DockerPlatform<DockerNginxBalancer>(props, 'Docker (nginx container)', (scope, id) => {
      const lb = new DockerNginxBalancer(scope, id, { ...props.balancer, network: props.network });
      return { balancer: lb, address: lb.publicAddress };
    });
  }

  /** An HAProxy container (`DockerHaproxyBalancer`). */
  public static haproxy(props: DockerPlatformProps): DockerPlatform<DockerHaproxyBalancer> {
    return new DockerPlatform<DockerHaproxyBalancer>(props, 'Docker (HAProxy container)', (scope, id) => {
      // nginx's timeouts are nginx's; HAProxy takes per-pool timeouts (PoolOptions.timeouts).
      const lb = new DockerHaproxyBalancer(scope, id, {
        ...props.balancer,
        timeouts: undefined,
        network: props.network,
      } as DockerHaproxyBalancerProps);
      return { balancer: lb, address: lb.publicAddress };
    });
  }

  private constructor(
    private readonly props: DockerPlatformProps,
    /** The platform and backend, for messages. */
    public readonly description: string,
    private readonly makeBalancer: (scope: Construct, id: string) => ServiceBalancer<B>,
  ) {}

  /** A `ContainerGroup` of `spec.count` containers. */
  public createWorkers(scope: Construct, id: string, spec: ServiceWorkersSpec): ContainerGroup {
    const p = this.props;
    return new ContainerGroup(scope, id, {
      network: p.network,
      image: p.image,
      command: p.command,
      files: p.files,
      healthCheck: p.healthCheck,
      name: spec.name,
      count: spec.count,
      appPort: spec.port,
      environment: spec.environment,
      roles: spec.roles,
    });
  }

  /** The balancer container. */
  public createBalancer(scope: Construct, id: string): ServiceBalancer<B> {
    return this.makeBalancer(scope, id);
  }

  /** A `DockerRedis`. */
  public createRedis(scope: Construct, id: string): IServiceRedis {
    return new DockerRedis(scope, id, {
      network: this.props.network,
      preventDestroy: this.props.preventDestroy,
    });
  }

  /** A `DockerVolume` mounted on every app container (the NFS export's stand-in; no size limit). */
  public createSharedFiles(
    scope: Construct,
    id: string,
    spec: ServiceSharedFilesSpec,
    workers: ContainerGroup,
  ): IConnectable {
    const volume = new DockerVolume(scope, id, { preventDestroy: this.props.preventDestroy });
    workers.addVolume({ volume, containerPath: spec.mountPoint });
    return volume;
  }
}
