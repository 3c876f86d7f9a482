import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { TerraformOutput } from '../core/cdk';
import { BalancerCapabilities, HAPROXY_CAPABILITIES } from '../core/balancing';
import { IBalancer, IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from '../core/balancer';
import { Connections, IConnectable } from '../core/connections';
import { addPoolNodes, deletePoolNodes, getPoolNodes } from '../core/node-contract';
import { HostFile } from '../core/host-files';
import {
  HAPROXY_DEFAULT_PATHS,
  haproxyCheckCommand,
  haproxyRuntimeCheckCommand,
  renderHaproxy,
} from '../config/haproxy';
import { BalancerDaemon, BalancerFiles, BalancerHosts, SelfHostedBalancerProps } from './balancer-hosts';
import { generatedSecret } from './random';

/** Props of {@link HaproxyBalancer}. */
export type HaproxyBalancerProps = SelfHostedBalancerProps;

/** Port of HAProxy's stats page (and Prometheus metrics). */
const HAPROXY_STATS_PORT = 8404;

/**
 * An HAProxy balancer host on OpenStack (or a keepalived pair of them), configured in place:
 * cloud-init installs HAProxy; `haproxy.cfg` (a `frontend` per listener, a `backend` per pool) is
 * pushed over SSH by content hash, checked with `haproxy -c` and loaded with a seamless reload
 * (a failed check puts the previous file back). Adding a pool, a node or a listener never
 * replaces the instance, its port or its floating IP.
 *
 * HAProxy has what open-source nginx lacks: active health checks (`option httpchk`, `check inter
 * 3s rise 2 fall 3`) and cookie-insert stickiness. The stats page listens on 127.0.0.1:8404; with
 * `statusAllowedCidrs` it listens on every address behind a generated password (the sensitive
 * output `statsPasswordOutput`) and only those networks may reach it.
 */
export class HaproxyBalancer extends Construct implements IBalancer, IConnectable {
  /** The hosts, group, floating IP and pushes (composed; shared with NginxBalancer). */
  public readonly hosts: BalancerHosts;
  /** The balancer's security group. */
  public readonly connections: Connections;
  /** The address inside the cloud: the host's, or the pair's virtual IP. */
  public readonly privateAddress: string;
  /** The public address, when `floatingIpPool` is given. */
  public readonly publicAddress?: string;
  /** The stats login's password (user `admin`), when `statusAllowedCidrs` is given. */
  public readonly statsPassword?: Password;
  /** The sensitive output holding `statsPassword`. */
  public readonly statsPasswordOutput?: TerraformOutput;

  constructor(scope: Construct, id: string, props: HaproxyBalancerProps) {
    super(scope, id);
    if (props.statusAllowedCidrs?.length) {
      this.statsPassword = generatedSecret(this, 'StatsPassword');
      this.statsPasswordOutput = new TerraformOutput(this, 'StatsPasswordOutput', {
        value: this.statsPassword.result,
        sensitive: true,
        description: `Password of user admin on the HAProxy stats page of ${this.node.path}`,
      });
    }
    const password = this.statsPassword?.result;
    const daemon: BalancerDaemon = {
      name: 'haproxy',
      role: 'haproxy-balancer',
      capabilities: HAPROXY_CAPABILITIES,
      packages: ['haproxy'],
      // Debian's and Ubuntu's haproxy.service start HAProxy with `-p /run/haproxy.pid`.
      pidFile: '/run/haproxy.pid',
      check: haproxyCheckCommand(),
      mainConfig: HAPROXY_DEFAULT_PATHS.configFile,
      managedDirectories: [],
      statusPort: HAPROXY_STATS_PORT,
      poolFile: (pool) =>
        pool.options.runtimeManaged
          ? `${HAPROXY_DEFAULT_PATHS.poolsDir}/${pool.name}.cfg`
          : HAPROXY_DEFAULT_PATHS.configFile,
      runtime: {
        check: haproxyRuntimeCheckCommand(),
        reload: 'systemctl reload haproxy',
        pushCheck: `mkdir -p ${HAPROXY_DEFAULT_PATHS.poolsDir} && ${haproxyRuntimeCheckCommand()}`,
        // HAProxy's master re-executes itself with its start arguments on reload: the first push
        // that adds the run-time pools' folder to them restarts HAProxy once; later pushes reload.
        pushReload:
          'systemctl daemon-reload && if grep -qs webfarm/pools "/proc/$(cat /run/haproxy.pid)/cmdline"; ' +
          'then systemctl reload haproxy; else systemctl restart haproxy; fi',
        extraFiles: [
          {
            path: '/etc/systemd/system/haproxy.service.d/webfarm-pools.conf',
            content: [
              '# webfarm: HAProxy also reads the run-time pools (one backend per file).',
              '[Service]',
              `Environment="CONFIG=${HAPROXY_DEFAULT_PATHS.configFile} -f ${HAPROXY_DEFAULT_PATHS.poolsDir}"`,
              '',
            ].join('\n'),
          },
        ],
        adminSocket: HAPROXY_DEFAULT_PATHS.adminSocket,
      },
      render: (pools, listeners): BalancerFiles => ({
        // The package's own haproxy.cfg serves until the first push; the whole file is pushed.
        base: [],
        pools: renderHaproxy({
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
          stats: {
            port: HAPROXY_STATS_PORT,
            ...(password !== undefined ? { bindAddress: '0.0.0.0', password } : {}),
          },
        }),
      }),
    };
    this.hosts = new BalancerHosts(this, 'Hosts', { ...props, daemon, path: this.node.path });
    this.connections = this.hosts.connections;
    this.privateAddress = this.hosts.privateAddress;
    this.publicAddress = this.hosts.publicAddress;
  }

  /** What HAProxy supports. */
  public get capabilities(): BalancerCapabilities {
    return this.hosts.model.capabilities;
  }

  /** Pools (backends) in the order they were added. */
  public get pools(): readonly IBalancerPool[] {
    return this.hosts.model.pools;
  }

  /** Listeners (frontends) in the order they were added. */
  public get listeners(): readonly IBalancerListener[] {
    return this.hosts.model.listeners;
  }

  /** Adds a pool (a `backend`) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.hosts.addPool(id, options);
  }

  /** Adds a listener (a `frontend`) and opens its port to `allowedCidrs`. */
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

  /** `haproxy.cfg` as it stands now (what the next push installs). */
  public configFiles(): HostFile[] {
    return this.hosts.pushedFiles();
  }
}
