import { Construct } from 'constructs';
import { IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from '../core/balancer';
import { BalancerBase } from '../core/balancer-base';
import { BalancerModel } from '../core/balancer-model';
import { Connections } from '../core/connections';
import { HostFile } from '../core/host-files';
import { haproxyDaemon } from '../hosting/haproxy-daemon';
import { NginxTimeouts } from '../config/nginx';
import { nginxDaemon } from '../hosting/nginx-daemon';
import { BalancerContainer, DockerBalancerProps } from './balancer-container';
import { DOCKER_HAPROXY_CAPABILITIES, DOCKER_NGINX_CAPABILITIES } from './capabilities';
import { DEFAULT_IMAGES } from './image';

/** Props of {@link DockerNginxBalancer}. */
export interface DockerNginxBalancerProps extends DockerBalancerProps {
  /**
   * How long nginx waits for the nodes; the read timeout also bounds silent websockets (as
   * `NginxBalancerProps.timeouts`).
   * @default - connect 3 s, read 30 s, send 30 s
   */
  readonly timeouts?: NginxTimeouts;
}
/** Props of {@link DockerHaproxyBalancer}. */
export type DockerHaproxyBalancerProps = DockerBalancerProps;

/**
 * An nginx balancer container (the official `nginx` image, `nginx:1.27` by default) on the
 * stack network, the laptop twin of `NginxBalancer`: the same calls (`addPool`, `addTarget`,
 * `addListener`), the same files (`nginx.conf` and one file per pool and per listener, rendered
 * by the same description for the image's layout: user `nginx`, stream built in), uploaded into
 * the container before it starts. Listener ports are published on 127.0.0.1 unless
 * `publishAddress` names another address.
 *
 * What Docker does not have, once: security groups (`connections` has none; reachability is
 * network membership), floating IPs (the published address is `publicAddress`), a second host
 * with a virtual IP, in-place pushes (a pool change re-creates the container), TLS termination
 * and run-time pools (both a `ValidationError` that says so).
 */
export class DockerNginxBalancer extends BalancerBase {
  /** The container, its image and its uploads. */
  public readonly container: BalancerContainer;
  /** Connections without security groups. */
  public readonly connections: Connections;
  /** The address on the stack network. */
  public readonly privateAddress: string;
  /** The address of your machine the listeners are published on (`127.0.0.1`). */
  public readonly publicAddress: string;
  /** Pools and listeners. @internal */
  protected readonly model: BalancerModel;

  constructor(scope: Construct, id: string, props: DockerNginxBalancerProps) {
    super(scope, id);
    this.container = new BalancerContainer(this, 'Container', {
      ...props,
      daemon: nginxDaemon({ platform: 'official-image', timeouts: props.timeouts }),
      capabilities: DOCKER_NGINX_CAPABILITIES,
      defaultImage: DEFAULT_IMAGES.nginx,
      path: this.node.path,
    });
    this.model = this.container.model;
    this.connections = this.container.connections;
    this.privateAddress = this.container.privateAddress;
    this.publicAddress = this.container.publishAddress;
  }

  /** Adds a pool (an `upstream`, one file) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.container.addPool(id, options);
  }

  /** Adds a listener (a `server`, one file) and publishes its port. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.container.addListener(id, options);
  }

  /** The files uploaded into the container as they stand now. */
  public configFiles(): HostFile[] {
    return this.container.files();
  }
}

/**
 * An HAProxy balancer container (the official `haproxy` image, `haproxy:3.0` by default), the
 * laptop twin of `HaproxyBalancer`: the same calls and the same `haproxy.cfg`, rendered for the
 * image's layout (`/usr/local/etc/haproxy/haproxy.cfg`, user `haproxy`, no chroot, logs to
 * stdout). Active health checks and cookie stickiness work as on the host. What Docker does not
 * have: see {@link DockerNginxBalancer}.
 */
export class DockerHaproxyBalancer extends BalancerBase {
  /** The container, its image and its uploads. */
  public readonly container: BalancerContainer;
  /** Connections without security groups. */
  public readonly connections: Connections;
  /** The address on the stack network. */
  public readonly privateAddress: string;
  /** The address of your machine the listeners are published on (`127.0.0.1`). */
  public readonly publicAddress: string;
  /** Pools and listeners. @internal */
  protected readonly model: BalancerModel;

  constructor(scope: Construct, id: string, props: DockerHaproxyBalancerProps) {
    super(scope, id);
    this.container = new BalancerContainer(this, 'Container', {
      ...props,
      daemon: haproxyDaemon({ platform: 'official-image' }),
      capabilities: DOCKER_HAPROXY_CAPABILITIES,
      defaultImage: DEFAULT_IMAGES.haproxy,
      path: this.node.path,
    });
    this.model = this.container.model;
    this.connections = this.container.connections;
    this.privateAddress = this.container.privateAddress;
    this.publicAddress = this.container.publishAddress;
  }

  /** Adds a pool (a `backend`) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.container.addPool(id, options);
  }

  /** Adds a listener (a `frontend`) and publishes its port. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.container.addListener(id, options);
  }

  /** `haproxy.cfg` as uploaded into the container now. */
  public configFiles(): HostFile[] {
    return this.container.files();
  }
}
