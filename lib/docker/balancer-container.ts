import { Construct } from 'constructs';
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Lazy } from '../core/cdk';
import { BalancerCapabilities } from '../core/balancing';
import {
  IBalancerListener,
  IBalancerPool,
  IBalancerTarget,
  ListenerOptions,
  PoolOptions,
} from '../core/balancer';
import { BalancerModel, listenerPorts } from '../core/balancer-model';
import { Connections } from '../core/connections';
import { escapeTerraformTemplate } from '../core/escape';
import { ValidationError } from '../core/errors';
import { HostFile } from '../core/host-files';
import { Port } from '../core/port';
import { isUnresolved } from '../core/tokens';
import { checkName, checkPort } from '../core/validate';
import { BalancerDaemon } from '../hosting/balancer-daemon';
import { containerImage } from './image';
import { DockerNetwork } from './network';
import { dockerName } from './provider';

/** Props shared by `DockerNginxBalancer` and `DockerHaproxyBalancer`. */
export interface DockerBalancerProps {
  /** The stack network (the balancer reaches the app containers on it). */
  readonly network: DockerNetwork;
  /**
   * The image.
   * @default - the official image, pinned (`nginx:1.27`, `haproxy:3.0`)
   */
  readonly image?: string;
  /**
   * The container's name on the engine.
   * @default - `<stack>-<id>`, lowercased
   */
  readonly name?: string;
  /**
   * The address of your machine the listener ports are published on. `0.0.0.0` makes the twin
   * reachable from your whole network: name it only on purpose.
   * @default '127.0.0.1' - this machine only
   */
  readonly publishAddress?: string;
  /**
   * The port on your machine for each listener (by listener id), when it differs from the
   * listener's own port (port 80 is often taken, or needs privileges, on a laptop).
   * @default - each listener on its own port
   */
  readonly hostPorts?: Readonly<Record<string, number>>;
}

/** Props of {@link BalancerContainer}. @internal */
export interface BalancerContainerProps extends DockerBalancerProps {
  /** The daemon, for the official image. */
  readonly daemon: BalancerDaemon;
  /** What the container can do. */
  readonly capabilities: BalancerCapabilities;
  /** The image when `image` is not given. */
  readonly defaultImage: string;
  /** The construct path errors name (the balancer's). */
  readonly path: string;
}

/**
 * The container part every Docker balancer shares (composed by `DockerNginxBalancer` and
 * `DockerHaproxyBalancer`): the pools and listeners (a `BalancerModel`), one container of the
 * official image on the stack network with the daemon's files uploaded before it starts (the
 * same files an OpenStack balancer host receives, rendered by the same description), and the
 * listener ports published on `publishAddress`. Uploads are ForceNew: a pool, node or listener
 * change re-creates this container (a second or two) and nothing else.
 */
export class BalancerContainer extends Construct {
  /** Pools and listeners. @internal */
  public readonly model: BalancerModel;
  /** The `docker_container`. */
  public readonly container: Container;
  /** The image resource. */
  public readonly image: Image;
  /** The address on the stack network. */
  public readonly privateAddress: string;
  /** The address the listener ports are published on. */
  public readonly publishAddress: string;
  /** Connections without security groups: declared paths are kept and write no rule. */
  public readonly connections = new Connections({ path: this.node.path });
  /** The daemon. @internal */
  public readonly daemon: BalancerDaemon;
  private readonly props: BalancerContainerProps;

  /** Made by the Docker balancers. @internal */
  constructor(scope: Construct, id: string, props: BalancerContainerProps) {
    super(scope, id);
    const path = props.path;
    this.props = props;
    this.daemon = props.daemon;
    this.publishAddress = props.publishAddress ?? '127.0.0.1';
    if (!isUnresolved(this.publishAddress) && !/^(\d{1,3}\.){3}\d{1,3}$/.test(this.publishAddress)) {
      throw new ValidationError({
        path,
        what: 'publishAddress',
        value: this.publishAddress,
        allowed: 'an IPv4 address of this machine, e.g. "127.0.0.1"',
        fix: 'leave it out for 127.0.0.1 (this machine only)',
      });
    }
    for (const [listener, port] of Object.entries(props.hostPorts ?? {})) {
      checkName(path, 'hostPorts key (a listener id)', listener);
      checkPort(path, `hostPorts.${listener}`, port);
    }
    const name = dockerName(scope, 'name', scope.node.id, props.name);
    this.model = new BalancerModel({
      path,
      capabilities: props.capabilities,
      // No security groups on Docker: the network already joins the balancer and the targets.
      // The declared path is kept (and writes no rule) so that intent reads the same everywhere.
      allowToTarget: (target: IBalancerTarget, port: number, poolName: string) =>
        target.connections?.allowFrom(
          this.connections,
          this.model.pool(poolName).options.protocol === 'udp' ? Port.udp(port) : Port.tcp(port),
          `balancer ${path} to pool '${poolName}'`,
        ),
    });
    this.image = containerImage(this, props.image ?? props.defaultImage);
    this.container = new Container(this, 'Resource', {
      name,
      image: this.image.imageId,
      hostname: name,
      restart: 'unless-stopped',
      mustRun: true,
      networksAdvanced: [{ name: props.network.resource.name }],
      upload: Lazy.anyValue({
        produce: () =>
          this.files().map((f) => ({
            file: f.path,
            content: escapeTerraformTemplate(f.content),
            permissions: '0644',
          })),
      }),
      ports: Lazy.anyValue({ produce: () => this.publishedPorts() }),
      labels: [
        { label: 'org.webfarm.balancer', value: path },
        { label: 'org.webfarm.daemon', value: props.daemon.name },
      ],
    });
    this.privateAddress = this.container.networkData.get(0).ipAddress;
    this.node.addValidation({
      validate: () => {
        const unknown = Object.keys(props.hostPorts ?? {}).filter(
          (l) => !this.model.listeners.some((x) => x.name === l),
        );
        return unknown.length
          ? [`${path}: hostPorts names listeners that do not exist: ${unknown.join(', ')}`]
          : [];
      },
    });
  }

  /** Adds a pool (checked against the daemon's capabilities and renderer at once). */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    // The renderer's own checks, before the pool is registered.
    return this.model.addPool(id, options, (pool) => this.daemon.render([pool], [], this.props.path));
  }

  /** Adds a listener (checked at once) and publishes its port(s). */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    for (const port of listenerPorts(options)) {
      if (port === this.daemon.statusPort) {
        throw new ValidationError({
          path: `${this.props.path} listener '${id}'`,
          what: 'port',
          value: port,
          allowed: `a port other than ${this.daemon.statusPort} (the ${this.daemon.name} status page)`,
          fix: 'move the listener to another port',
        });
      }
    }
    const pools = [...new Set([options.defaultPool, ...(options.rules ?? []).map((r) => r.pool)])];
    // The renderer's own checks, before the listener is registered.
    return this.model.addListener(id, options, (listener) =>
      this.daemon.render(pools, [listener], this.props.path),
    );
  }

  /** Every file uploaded into the container now: the base configuration and one per pool/listener. */
  public files(): HostFile[] {
    const rendered = this.daemon.render(this.model.pools, this.model.listeners, this.props.path);
    return [...rendered.base, ...rendered.pools].map((f) => ({
      path: f.path,
      content: f.content,
      mode: '0644',
    }));
  }

  private publishedPorts(): Array<Record<string, string | number>> {
    return this.model.listeners.flatMap((l) =>
      listenerPorts(l.options).map((port, i) => ({
        internal: port,
        external: i === 0 ? (this.props.hostPorts?.[l.name] ?? port) : port,
        ip: this.publishAddress,
        protocol: i === 0 && l.protocol === 'udp' ? 'udp' : 'tcp',
      })),
    );
  }
}
