import { Construct } from 'constructs';
import {
  IBalancer,
  IBalancerListener,
  IBalancerPool,
  ListenerOptions,
  NodeWeights,
  PoolOptions,
  RoutingRule,
} from '../core/balancer';
import { IConnectable } from '../core/connections';
import { ValidationError } from '../core/errors';
import { IServicePlatform, IServiceRedis, IServiceWorkers, ServiceRoles } from '../core/service';
import { renamed } from '../core/renamed';
import { checkInteger, checkName } from '../core/validate';

/** A pool of the service: how the balancer picks and checks nodes (the port is the service's). */
export interface ServicePoolOptions extends Omit<PoolOptions, 'port'> {
  /**
   * Weight of each node: a number, a map by node name (`{ 'web-1': 3 }`) or a function of the
   * node.
   * @default - every node weight 1
   */
  readonly weight?: NodeWeights;
}

/** A routing rule of every listener of the service: matching requests go to their own pool. */
export interface ServiceRoute extends Omit<RoutingRule, 'pool'> {
  /**
   * The pool for matching requests (the same workers on the same port, balanced its own way),
   * e.g. `{ id: 'websocket', algorithm: Algorithm.sourceIp() }` for websocket upgrades. Its
   * `healthCheck` and `weight` default to the main pool's (the same app on the same nodes).
   * @default - the service's main pool
   */
  readonly pool?: ServicePoolOptions & { readonly id: string };
}

/** A listener of the service (its default pool is the service's main pool). */
export interface ServiceListenerOptions extends Omit<ListenerOptions, 'defaultPool' | 'rules'> {
  /**
   * The listener id.
   * @default 'https' for a TLS listener, else 'http'
   */
  readonly id?: string;
}

/** Redis for messaging between the nodes. */
export interface ServiceRedisOptions {
  /**
   * Prefix of the variables every node gets: `<prefix>URL`, `<prefix>PASSWORD`,
   * `<prefix>DATABASE`.
   * @default 'REDIS_'
   */
  readonly envPrefix?: string;
}

/** One directory every node sees (an NFS export on OpenStack, a volume on Docker). */
export interface ServiceSharedFilesOptions {
  /** Where every node sees the files, e.g. `/srv/images`. */
  readonly mountPoint: string;
  /**
   * Size, GiB (2^30 bytes; OpenStack volume sizes are whole GiB). Required (or the deprecated
   * `sizeGb`).
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
}

/** Props of {@link LoadBalancedService}. */
export interface LoadBalancedServiceProps<
  B extends IBalancer = IBalancer,
  W extends IServiceWorkers = IServiceWorkers,
> {
  /** Where the service runs, with which balancer (`OpenStackPlatform.nginx({...})`, …). */
  readonly platform: IServicePlatform<B, W>;
  /**
   * The service name: the main pool, the node names (`<name>-1`) and host names derive from it.
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /** The port the app serves on (the pool port, opened on the workers to the balancer only). */
  readonly port: number;
  /**
   * Number of workers.
   * @default 2
   */
  readonly count?: number;
  /**
   * Environment of every node.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Variables that differ on exactly one primary node.
   * @default - every node the same, none primary
   */
  readonly roles?: ServiceRoles;
  /**
   * How the main pool picks and checks nodes.
   * @default - round robin, the backend's default checks
   */
  readonly pool?: ServicePoolOptions;
  /**
   * Rules of every listener, in order: matching requests go to the rule's pool.
   * @default - none: everything goes to the main pool
   */
  readonly routes?: ServiceRoute[];
  /**
   * The listeners. Who may connect is each listener's `allowedCidrs`: name `['0.0.0.0/0']` to
   * face the internet.
   * @default - one HTTP listener on port 80, reachable from the balancer's own network only
   */
  readonly listeners?: ServiceListenerOptions[];
  /**
   * Redis for the nodes (reachable from the workers only; its settings in their environment).
   * @default - no Redis
   */
  readonly redis?: ServiceRedisOptions;
  /**
   * Shared files mounted on every node.
   * @default - none
   */
  readonly sharedFiles?: ServiceSharedFilesOptions;
}

/**
 * A load-balanced service in one call, on any platform: the workers, a balancer with the
 * service's pool (and the pools of its routes), its listeners, the security path balancer →
 * workers on the app port only, and optionally Redis (with its settings in every node's
 * environment) and shared files. Built only on the core interfaces; every part it makes is
 * reachable (`workers`, `balancer`, `pool`, `pools`, `listeners`, `redis`, `sharedFiles`).
 *
 * ```ts
 * new LoadBalancedService(this, 'Visa', {
 *   platform: OpenStackPlatform.nginx({ network, image, flavor, balancer: { … } }),
 *   port: 8080,
 *   roles: { primaryEnvironment: { SCHEDULER: 'true' }, secondaryEnvironment: { SCHEDULER: 'false' } },
 *   redis: { envPrefix: 'VISA_VDI_REDIS_' },
 *   listeners: [{ port: 80, allowedCidrs: ['0.0.0.0/0'] }],
 * });
 * ```
 */
export class LoadBalancedService<
  B extends IBalancer = IBalancer,
  W extends IServiceWorkers = IServiceWorkers,
> extends Construct {
  /** The service name. */
  public readonly name: string;
  /** The workers (construct id `Workers`). */
  public readonly workers: W;
  /** The balancer (construct id `Balancer`). */
  public readonly balancer: B;
  /** Where clients reach the service: the public address when there is one. */
  public readonly address: string;
  /** The main pool (id: the service name). */
  public readonly pool: IBalancerPool;
  /** Every pool: the main one first, then the routes' own pools. */
  public readonly pools: readonly IBalancerPool[];
  /** The listeners, in the order given. */
  public readonly listeners: readonly IBalancerListener[];
  /** Redis (construct id `Redis`), when asked for. */
  public readonly redis?: IServiceRedis;
  /** The shared files (construct id `Files`), when asked for. */
  public readonly sharedFiles?: IConnectable;

  constructor(scope: Construct, id: string, props: LoadBalancedServiceProps<B, W>) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object' || typeof props.platform?.createWorkers !== 'function') {
      throw new ValidationError({
        path,
        what: 'platform',
        value: props?.platform,
        allowed: 'a service platform, e.g. OpenStackPlatform.nginx({ … })',
        fix: 'pass props with a platform and the app port',
      });
    }
    this.name = props.name ?? id.toLowerCase();
    checkName(path, 'name', this.name);
    const platform = props.platform;
    this.workers = platform.createWorkers(this, 'Workers', {
      name: this.name,
      count: props.count ?? 2,
      port: props.port,
      environment: props.environment,
      roles: props.roles,
    });
    const made = platform.createBalancer(this, 'Balancer', this.name);
    this.balancer = made.balancer;
    this.address = made.address;

    const addPool = (poolId: string, options: ServicePoolOptions = {}): IBalancerPool => {
      const { weight, ...poolOptions } = options;
      const pool = this.balancer.addPool(poolId, { ...poolOptions, port: props.port });
      pool.addTarget(this.workers, { weight });
      return pool;
    };
    this.pool = addPool(this.name, props.pool);
    const rules: RoutingRule[] = (props.routes ?? []).map(({ pool, ...match }) => {
      if (!pool) return { ...match, pool: this.pool };
      const { id: poolId, ...options } = pool;
      const inherited = { healthCheck: props.pool?.healthCheck, weight: props.pool?.weight };
      return { ...match, pool: addPool(poolId, { ...inherited, ...options }) };
    });
    this.pools = [...new Set([this.pool, ...rules.map((r) => r.pool)])];
    this.listeners = (props.listeners ?? [{ port: 80 }]).map(({ id: listenerId, ...options }) =>
      this.balancer.addListener(listenerId ?? (options.tls ? 'https' : 'http'), {
        ...options,
        defaultPool: this.pool,
        ...(rules.length ? { rules } : {}),
      }),
    );

    if (props.redis) {
      const redis = platform.createRedis(this, 'Redis', this.name);
      redis.allowFrom(this.workers);
      this.workers.addEnvironment(redis.connectionEnv(props.redis.envPrefix ?? 'REDIS_'));
      this.redis = redis;
    }
    if (props.sharedFiles) {
      const { sizeGiB, sizeGb, mountPoint } = props.sharedFiles;
      const size = renamed(this.node.path, 'sharedFiles.sizeGiB', sizeGiB, 'sharedFiles.sizeGb', sizeGb);
      checkInteger(
        this.node.path,
        'sharedFiles.sizeGiB',
        size as number,
        1,
        65536,
        'give the size in GiB, e.g. 100',
      );
      this.sharedFiles = platform.createSharedFiles(
        this,
        'Files',
        { name: this.name, mountPoint, sizeGiB: size as number, sizeGb: size as number },
        this.workers,
      );
    }
  }
}
