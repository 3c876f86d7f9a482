import { Construct } from 'constructs';
import { IBalancer, IWorkerPool } from './balancer';
import { IConnectable } from './connections';

/**
 * What a one-call load-balanced service (`lib/patterns`) asks of the platform it runs on, in
 * the core vocabulary only: workers, a balancer, Redis, shared files. OpenStack (nginx host,
 * HAProxy host, Octavia) and Docker implement it; a pattern never names a platform's classes,
 * as aws-ecs-patterns never names more than the ecs and elbv2 interfaces.
 */

/** Variables that differ on exactly one primary node (VISA's scheduler and start-up cleanup). */
export interface ServiceRoles {
  /** The primary node's values. */
  readonly primaryEnvironment: Readonly<Record<string, string>>;
  /** Every other node's values (the same names). */
  readonly secondaryEnvironment: Readonly<Record<string, string>>;
}

/** The workers a service asks a platform for. */
export interface ServiceWorkersSpec {
  /** The service name: nodes are `<name>-1` … `<name>-<count>`. */
  readonly name: string;
  /** Number of nodes. */
  readonly count: number;
  /** The port the app serves on. */
  readonly port: number;
  /** Environment of every node. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Variables that differ on one primary node. */
  readonly roles?: ServiceRoles;
}

/** Workers as a service sees them: a worker pool whose environment can grow. */
export interface IServiceWorkers extends IWorkerPool {
  /** Adds variables to every node's environment (values may be Terraform references). */
  addEnvironment(variables: Readonly<Record<string, string>>): void;
}

/** The balancer a platform made for a service, and where clients reach it. */
export interface ServiceBalancer<B extends IBalancer> {
  /** The balancer (an escape hatch: every pool and listener of the service is on it). */
  readonly balancer: B;
  /** The address clients use: the public one when there is one, else the private one. */
  readonly address: string;
}

/** Redis as a service sees it. */
export interface IServiceRedis extends IConnectable {
  /** Lets `clients` connect (and nothing else). */
  allowFrom(clients: IConnectable): void;
  /** `<prefix>URL`, `<prefix>PASSWORD`, `<prefix>DATABASE` for the clients. */
  connectionEnv(prefix: string): Record<string, string>;
}

/** Shared files a service asks for: one directory every node sees. */
export interface ServiceSharedFilesSpec {
  /** The service name. */
  readonly name: string;
  /** Where every node sees the files. */
  readonly mountPoint: string;
  /** Size of the storage, GiB (2^30 bytes; OpenStack volume sizes are whole GiB). */
  readonly sizeGiB: number;
  /**
   * The same size, under its old name (filled in by `LoadBalancedService` for platforms that
   * still read it).
   * @deprecated Use `sizeGiB` instead (the unit is GiB).
   */
  readonly sizeGb: number;
}

/**
 * Where and how a service runs: makes its workers, its balancer, Redis and shared files. The
 * type parameters carry the platform's own classes to the pattern's escape hatches
 * (`service.balancer` is an `NginxBalancer` on `OpenStackPlatform.nginx(…)`).
 */
export interface IServicePlatform<
  B extends IBalancer = IBalancer,
  W extends IServiceWorkers = IServiceWorkers,
> {
  /** The platform and backend, for messages: `OpenStack (nginx host)`. */
  readonly description: string;
  /** Makes the workers. */
  createWorkers(scope: Construct, id: string, spec: ServiceWorkersSpec): W;
  /** Makes the balancer for a service named `name`. */
  createBalancer(scope: Construct, id: string, name: string): ServiceBalancer<B>;
  /** Makes Redis for a service named `name`. */
  createRedis(scope: Construct, id: string, name: string): IServiceRedis;
  /** Makes shared files and mounts them on `workers`; returns what it made. */
  createSharedFiles(scope: Construct, id: string, spec: ServiceSharedFilesSpec, workers: W): IConnectable;
}
