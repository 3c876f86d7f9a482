import { Construct } from 'constructs';
import { IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from '../core/balancer';
import { BalancerCapabilities } from '../core/balancing';
import { BalancerBase } from '../core/balancer-base';
import { BalancerModel } from '../core/balancer-model';
import { Connections } from '../core/connections';
import { HostFile } from '../core/host-files';
import { BalancerDaemon } from '../hosting/balancer-daemon';
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
 * What both Docker balancers share: one {@link BalancerContainer} (id `Container`) holding the
 * pools, listeners and uploads, and the balancer's connections and addresses taken from it. A
 * Docker balancer supplies only its daemon, its capabilities and its default image.
 */
export abstract class DockerBalancerBase extends BalancerBase {
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

  /** Made by `DockerNginxBalancer` and `DockerHaproxyBalancer`. @internal */
  protected constructor(
    scope: Construct,
    id: string,
    props: DockerBalancerProps,
    daemon: BalancerDaemon,
    capabilities: BalancerCapabilities,
    defaultImage: string,
  ) {
    super(scope, id);
    this.container = new BalancerContainer(this, 'Container', {
      ...props,
      daemon,
      capabilities,
      defaultImage,
      path: this.node.path,
    });
    this.model = this.container.model;
    this.connections = this.container.connections;
    this.privateAddress = this.container.privateAddress;
    this.publicAddress = this.container.publishAddress;
  }

  /** Adds a pool (checked against the daemon's capabilities and renderer at once) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.container.addPool(id, options);
  }

  /** Adds a listener (checked at once) and publishes its port(s). */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.container.addListener(id, options);
  }

  /** The files uploaded into the container as they stand now. */
  public configFiles(): HostFile[] {
    return this.container.files();
  }
}

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
export class DockerNginxBalancer extends DockerBalancerBase {
  constructor(scope: Construct, id: string, props: DockerNginxBalancerProps) {
    super(
      scope,
      id,
      props,
      nginxDaemon({ platform: 'official-image', timeouts: props.timeouts }),
      DOCKER_NGINX_CAPABILITIES,
      DEFAULT_IMAGES.nginx,
    );
  }
}

/**
 * An HAProxy balancer container (the official `haproxy` image, `haproxy:3.0` by default), the
 * laptop twin of `HaproxyBalancer`: the same calls and the same `haproxy.cfg`, rendered for the
 * image's layout (`/usr/local/etc/haproxy/haproxy.cfg`, user `haproxy`, no chroot, logs to
 * stdout). Active health checks and cookie stickiness work as on the host. What Docker does not
 * have: see {@link DockerNginxBalancer}.
 */
export class DockerHaproxyBalancer extends DockerBalancerBase {
  constructor(scope: Construct, id: string, props: DockerHaproxyBalancerProps) {
    super(
      scope,
      id,
      props,
      haproxyDaemon({ platform: 'official-image' }),
      DOCKER_HAPROXY_CAPABILITIES,
      DEFAULT_IMAGES.haproxy,
    );
  }
}
