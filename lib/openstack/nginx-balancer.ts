import { Construct } from 'constructs';
import { BalancerCapabilities, NGINX_CAPABILITIES } from '../core/balancing';
import { IBalancer, IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from '../core/balancer';
import { Connections, IConnectable } from '../core/connections';
import { addPoolNodes, deletePoolNodes, getPoolNodes } from '../core/node-contract';
import { HostFile } from '../core/host-files';
import { NGINX_DEFAULT_PATHS, nginxCheckCommand, nginxLayout, renderNginx } from '../config/nginx';
import { BalancerDaemon, BalancerFiles, BalancerHosts, SelfHostedBalancerProps } from './balancer-hosts';

/** Props of {@link NginxBalancer}. */
export type NginxBalancerProps = SelfHostedBalancerProps;

/** Port of nginx's `stub_status` page. */
const NGINX_STATUS_PORT = 8081;

/**
 * An open-source nginx balancer host on OpenStack (or a keepalived pair of them), configured in
 * place: cloud-init installs nginx and writes a base `nginx.conf` that includes one file per pool
 * and per listener; those files are pushed over SSH by content hash, checked with `nginx -t` and
 * loaded with a graceful reload (a failed check puts the previous files back). Adding a pool, a
 * node or a listener never replaces the instance, its port or its floating IP.
 *
 * ```ts
 * const lb = new NginxBalancer(this, 'Balancer', {
 *   network, image: 'Featured-Ubuntu24', flavor: 'm3.small', floatingIpPool: 'public',
 *   ssh: { user: 'ubuntu', privateKey: Fn.file('~/.ssh/id_ed25519') }, adminCidrs: ['198.51.100.0/24'],
 * });
 * const pool = lb.addPool('visa', { port: 8080 });
 * pool.addTarget(workers); // nodes + the security-group path balancer -> workers on 8080
 * lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
 * ```
 *
 * Open-source nginx has no cookie-insert stickiness and no active health checks: asking for them
 * is a ValidationError that names HaproxyBalancer or OctaviaBalancer.
 */
export class NginxBalancer extends Construct implements IBalancer, IConnectable {
  /** The hosts, group, floating IP and pushes (composed; shared with HaproxyBalancer). */
  public readonly hosts: BalancerHosts;
  /** The balancer's security group. */
  public readonly connections: Connections;
  /** The address inside the cloud: the host's, or the pair's virtual IP. */
  public readonly privateAddress: string;
  /** The public address, when `floatingIpPool` is given. */
  public readonly publicAddress?: string;

  constructor(scope: Construct, id: string, props: NginxBalancerProps) {
    super(scope, id);
    const statusAllowedCidrs = props.statusAllowedCidrs ?? [];
    const layout = nginxLayout();
    const daemon: BalancerDaemon = {
      name: 'nginx',
      role: 'nginx-balancer',
      capabilities: NGINX_CAPABILITIES,
      packages: ['nginx', 'libnginx-mod-stream'],
      pidFile: NGINX_DEFAULT_PATHS.pidFile,
      check: nginxCheckCommand(),
      mainConfig: layout.mainConfig,
      managedDirectories: [
        layout.poolsDir,
        layout.listenersDir,
        layout.streamPoolsDir,
        layout.streamListenersDir,
      ].map((path) => ({ path, pattern: '*.conf' })),
      statusPort: NGINX_STATUS_PORT,
      poolFile: (pool) =>
        `${pool.options.protocol === 'tcp' || pool.options.protocol === 'udp' ? layout.streamPoolsDir : layout.poolsDir}/${pool.name}.conf`,
      runtime: {
        check: nginxCheckCommand(),
        reload: 'systemctl reload nginx',
        pushCheck: nginxCheckCommand(),
        pushReload: 'systemctl reload-or-restart nginx',
        extraFiles: [],
      },
      render: (pools, listeners): BalancerFiles => {
        const files = renderNginx({
          pools: pools.map((p) => ({
            name: p.name,
            protocol: p.options.protocol,
            algorithm: p.algorithm,
            stickiness: p.options.stickiness,
            healthCheck: p.options.healthCheck,
            keepaliveConnections: p.options.keepaliveConnections,
            timeouts: p.options.timeouts,
            nodes: p.nodes,
            runtimeManaged: p.options.runtimeManaged,
          })),
          listeners: listeners.map((l) => ({
            name: l.name,
            port: l.options.port,
            protocol: l.protocol,
            defaultPool: l.options.defaultPool,
            rules: l.options.rules,
            tls: l.options.tls,
            allowedCidrs: l.options.allowedCidrs,
            rateLimitPerSecond: l.options.rateLimitPerSecond,
          })),
          status: { port: NGINX_STATUS_PORT, adminCidrs: statusAllowedCidrs },
        });
        return {
          base: files.filter((f) => f.path === layout.mainConfig),
          pools: files.filter((f) => f.path !== layout.mainConfig),
        };
      },
    };
    this.hosts = new BalancerHosts(this, 'Hosts', { ...props, daemon, path: this.node.path });
    this.connections = this.hosts.connections;
    this.privateAddress = this.hosts.privateAddress;
    this.publicAddress = this.hosts.publicAddress;
  }

  /** What open-source nginx supports. */
  public get capabilities(): BalancerCapabilities {
    return this.hosts.model.capabilities;
  }

  /** Pools in the order they were added. */
  public get pools(): readonly IBalancerPool[] {
    return this.hosts.model.pools;
  }

  /** Listeners in the order they were added. */
  public get listeners(): readonly IBalancerListener[] {
    return this.hosts.model.listeners;
  }

  /** Adds a pool (an `upstream`, one file) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.hosts.addPool(id, options);
  }

  /** Adds a listener (a `server`, one file) and opens its port to `allowedCidrs`. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.hosts.addListener(id, options);
  }

  /** `host:port` of every node of `pool`; `[]` when there is no such pool. */
  public getNodes(pool: string): string[] {
    return getPoolNodes(this, pool);
  }

  /** Adds nodes to `pool`, creating the pool (with `options`, else the first node's port) when missing. */
  public addNodes(pool: string, nodes: string[], options?: PoolOptions): void {
    addPoolNodes(this, this.node.path, pool, nodes, options);
  }

  /** Removes nodes from `pool`; a missing pool or node is no error. */
  public deleteNodes(pool: string, nodes: string[]): void {
    deletePoolNodes(this, pool, nodes);
  }

  /** Removes nodes from `pool`, as `deleteNodes`. @deprecated use `deleteNodes` */
  public removeNodes(pool: string, nodes: string[]): void {
    this.deleteNodes(pool, nodes);
  }

  /** The pool and listener files as they stand now (what the next push installs). */
  public configFiles(): HostFile[] {
    return this.hosts.pushedFiles();
  }
}
