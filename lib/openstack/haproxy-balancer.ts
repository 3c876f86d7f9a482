import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { TerraformOutput } from '../core/cdk';
import { IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from '../core/balancer';
import { BalancerBase } from '../core/balancer-base';
import { BalancerModel } from '../core/balancer-model';
import { Connections } from '../core/connections';
import { HostFile } from '../core/host-files';
import { haproxyDaemon } from '../hosting/haproxy-daemon';
import { generatedSecret } from '../hosting/secrets';
import { SelfHostedBalancerProps } from './balancer-host-props';
import { BalancerHosts } from './balancer-hosts';
import { checkNetwork } from './network';
import { checkObject } from '../core/validate';

/** Props of {@link HaproxyBalancer}. */
export interface HaproxyBalancerProps extends SelfHostedBalancerProps {
  /**
   * Admin actions on the stats page (`stats admin`: drain, disable, enable servers) for user
   * `admin` logged in with the generated password (`statsPasswordOutput`); the page also
   * serves Prometheus metrics at `/metrics`.
   * @default false
   */
  readonly statsAdmin?: boolean;
}

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
export class HaproxyBalancer extends BalancerBase {
  /** The hosts, group, floating IP and pushes (composed; shared with NginxBalancer). */
  public readonly hosts: BalancerHosts;
  /** The balancer's security group. */
  public readonly connections: Connections;
  /** The address inside the cloud: the host's, or the pair's virtual IP. */
  public readonly privateAddress: string;
  /** The public address, when `floatingIpPool` is given. */
  public readonly publicAddress?: string;
  /** The stats login's password (user `admin`), with `statusAllowedCidrs` or `statsAdmin`. */
  public readonly statsPassword?: Password;
  /** The sensitive output holding `statsPassword`. */
  public readonly statsPasswordOutput?: TerraformOutput;
  /** Pools and listeners (the hosts'). @internal */
  protected readonly model: BalancerModel;

  constructor(scope: Construct, id: string, props: HaproxyBalancerProps) {
    super(scope, id);
    checkObject(
      this.node.path,
      'props',
      props,
      '{ network, image: "debian-12", flavor: "m1.small", ssh, adminAccess }',
    );
    checkNetwork(this.node.path, props.network);
    if (props.statusAllowedCidrs?.length || props.statsAdmin) {
      this.statsPassword = generatedSecret(this, 'StatsPassword');
      this.statsPasswordOutput = new TerraformOutput(this, 'StatsPasswordOutput', {
        value: this.statsPassword.result,
        sensitive: true,
        description: `Password of user admin on the HAProxy stats page of ${this.node.path}`,
      });
    }
    const daemon = haproxyDaemon({
      statsPassword: this.statsPassword?.result,
      statsOnEveryAddress: (props.statusAllowedCidrs?.length ?? 0) > 0,
      statsAdmin: props.statsAdmin,
    });
    this.hosts = new BalancerHosts(this, 'Hosts', { ...props, daemon, path: this.node.path });
    this.model = this.hosts.model;
    this.connections = this.hosts.connections;
    this.privateAddress = this.hosts.privateAddress;
    this.publicAddress = this.hosts.publicAddress;
  }

  /** Adds a pool (a `backend`) and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.hosts.addPool(id, options);
  }

  /** Adds a listener (a `frontend`) and opens its port to `allowedCidrs`. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.hosts.addListener(id, options);
  }

  /** `haproxy.cfg` as it stands now (what the next push installs). */
  public configFiles(): HostFile[] {
    return this.hosts.pushedFiles();
  }
}
