import { Construct } from 'constructs';
import { IBalancerListener, IBalancerPool, ListenerOptions, PoolOptions } from '../core/balancer';
import { BalancerBase } from '../core/balancer-base';
import { BalancerModel } from '../core/balancer-model';
import { Connections } from '../core/connections';
import { HostFile } from '../core/host-files';
import { checkObject } from '../core/validate';
import { BalancerDaemon } from '../hosting/balancer-daemon';
import { SelfHostedBalancerProps } from './balancer-host-props';
import { BalancerHosts } from './balancer-hosts';
import { checkNetwork } from './network';

/**
 * What `NginxBalancer` and `HaproxyBalancer` share: the props checked, then their hosts
 * (`BalancerHosts`, construct id `Hosts`) built for the backend's daemon, whose pools,
 * listeners, security group and addresses are the balancer's. Not a backend itself.
 */
export abstract class SelfHostedBalancerBase extends BalancerBase {
  /** The hosts, group, floating IP and pushes. */
  public readonly hosts: BalancerHosts;
  /** The balancer's security group. */
  public readonly connections: Connections;
  /** The address inside the cloud: the host's, or the pair's virtual IP. */
  public readonly privateAddress: string;
  /** The public address, when `floatingIpPool` is given. */
  public readonly publicAddress?: string;
  /** Pools and listeners (the hosts'). @internal */
  protected readonly model: BalancerModel;

  /**
   * Checks the props, makes the backend's daemon (`makeDaemon` may add constructs of its own to
   * the balancer, such as a generated password), then the hosts. @internal
   */
  protected constructor(
    scope: Construct,
    id: string,
    props: SelfHostedBalancerProps,
    makeDaemon: (balancer: Construct) => BalancerDaemon,
  ) {
    super(scope, id);
    checkObject(
      this.node.path,
      'props',
      props,
      '{ network, image: "debian-12", flavor: "m1.small", ssh, adminAccess }',
    );
    checkNetwork(this.node.path, props.network);
    const daemon = makeDaemon(this);
    this.hosts = new BalancerHosts(this, 'Hosts', { ...props, daemon, path: this.node.path });
    this.model = this.hosts.model;
    this.connections = this.hosts.connections;
    this.privateAddress = this.hosts.privateAddress;
    this.publicAddress = this.hosts.publicAddress;
  }

  /** Adds a pool and returns it. */
  public addPool(id: string, options: PoolOptions): IBalancerPool {
    return this.hosts.addPool(id, options);
  }

  /** Adds a listener and opens its port to `allowedCidrs`. */
  public addListener(id: string, options: ListenerOptions): IBalancerListener {
    return this.hosts.addListener(id, options);
  }

  /** The configuration files as they stand now (what the next push installs). */
  public configFiles(): HostFile[] {
    return this.hosts.pushedFiles();
  }
}
