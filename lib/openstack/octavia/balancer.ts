import { Construct } from 'constructs';
import { TerraformResource } from '../../core/cdk';
import { Algorithm } from '../../core/balancing';
import { IBalancerPool, IBalancerTarget, checkOptionsObject, parseNode } from '../../core/balancer';
import { BalancerBase } from '../../core/balancer-base';
import { Connections } from '../../core/connections';
import { addPoolNodes } from '../../core/node-contract';
import { BalancerModel, listenerPorts } from '../../core/balancer-model';
import { IPeer } from '../../core/peer';
import { Port } from '../../core/port';
import { ensureProvider } from '../../core/providers';
import {
  BalancerTopology,
  listenerTopology,
  poolTopology,
  recordTopology,
  resourceAddress,
  TopologyListener,
} from '../../core/topology';
import { checkName, checkObject, checkUnique } from '../../core/validate';
import { LbLoadbalancerV2 } from '../../../.gen/providers/openstack/lb-loadbalancer-v2';
import { LbListenerV2 } from '../../../.gen/providers/openstack/lb-listener-v2';
import { FloatingIp } from '../floating-ip';
import { checkNetwork, INetwork } from '../network';
import { OPENSTACK_PROVIDER } from '../provider';
import { SecurityGroup } from '../security-group';
import { DEFAULT_OCTAVIA_API_VERSION, OctaviaDriver } from './capabilities';
import { DependencyChain } from './chain';
import { OctaviaContext } from './context';
import {
  ListenerScope,
  OctaviaListener,
  createListenerResource,
  withPoolTimeouts,
  createPolicy,
  createRedirect,
} from './listener';
import {
  OctaviaBalancerProps,
  OctaviaListenerOptions,
  OctaviaMetricsListenerOptions,
  OctaviaPoolOptions,
} from './options';
import { OctaviaPool, createPoolResources } from './pool';
import { allowedCidrsOf, listenerProtocolOf } from './protocols';
import { listenerPeers, vipSubnetPeer } from './peers';
import { checkMember, validateBalancerProps, validatePlacement } from './validate-balancer';
import { OctaviaSiblings, validateListener, validateMetricsListener } from './validate-listener';
import { validatePool } from './validate-pool';

/** A PROMETHEUS listener of {@link OctaviaBalancer.addMetricsListener}. */
interface MetricsListener {
  readonly name: string;
  readonly port: number;
  readonly allowedCidrs?: string[];
  readonly resource: LbListenerV2;
}

/**
 * A managed load balancer on OpenStack Octavia (`openstack_lb_loadbalancer_v2`), with the same
 * pools/listeners/nodes API as the self-hosted balancers (DESIGN decision 3):
 *
 * ```ts
 * const lb = new OctaviaBalancer(this, 'Lb', { network, floatingIpPool: 'public' });
 * const web = lb.addPool('web', { port: 80, healthCheck: { active: { path: '/' } } });
 * web.addTarget(workers);
 * lb.addListener('http', { port: 80, defaultPool: web, allowedCidrs: ['0.0.0.0/0'] });
 * ```
 *
 * Resources: the load balancer (`Resource`) with a security group on its VIP port
 * (`SecurityGroup`, listener ports only from `allowedCidrs`, else from the VIP subnet), per
 * listener `Listener-<id>` (+ `Policy-<id>-…` L7 policies and rules), per pool `Pool-<id>`, ONE
 * `Members-<id>` holding every member (sorted by node name) and `Monitor-<id>`; optionally a
 * floating IP (`FloatingIp`) associated with the VIP port. Construct ids are keyed by names, so
 * adding a member changes only its pool's members resource, in place.
 *
 * Octavia refuses concurrent changes on one load balancer (PENDING_UPDATE → 409), so every
 * child resource `depends_on` the previous one in one chain: for each listener in order, the
 * listener, then the pools it is the default of (pool, members, monitor); then pools used only
 * by L7 rules; then the L7 policies and their rules.
 *
 * Everything asked for is checked against the driver (`amphora`/`ovn`) and the API microversion
 * at synth; see docs/octavia.md for the table.
 */
export class OctaviaBalancer extends BalancerBase {
  /** The load balancer (construct id `Resource`). */
  public readonly loadBalancer: LbLoadbalancerV2;
  /** The security group on the VIP port. */
  public readonly securityGroup: SecurityGroup;
  /** The floating IP, when `floatingIpPool` was given. */
  public readonly floatingIp?: FloatingIp;
  /** The VIP address (private, a Terraform reference). */
  public readonly vipAddress: string;
  /** The VIP port id. */
  public readonly vipPortId: string;
  /** The VIP address: where clients inside the cloud connect (`vipAddress`). */
  public readonly privateAddress: string;
  /** The floating IP's address, when `floatingIpPool` was given. */
  public readonly publicAddress?: string;
  /**
   * The public address: the floating IP when there is one, else the VIP.
   * @deprecated use `publicAddress ?? privateAddress` (the names every balancer has)
   */
  public readonly address: string;
  /**
   * The VIP port's group: `lb.connections` is where clients are let in (`allowTo(lb, …)`).
   * Octavia reaches its members from the VIP subnet, not from this group: `pool.addTarget`
   * opens that path on the targets.
   */
  public readonly connections: Connections;
  /** The provider driver. */
  public readonly driver: OctaviaDriver;
  /** The API microversion checked against. */
  public readonly apiVersion: string;
  /** Name prefix in the cloud. */
  public readonly lbName: string;
  private readonly ctx: OctaviaContext;
  /** Pools and listeners. @internal */
  protected readonly model: BalancerModel;
  private readonly network: INetwork;
  private readonly vipPeer: IPeer;
  private readonly chain: DependencyChain;
  private readonly parts: ListenerScope;
  private readonly poolMap = new Map<string, OctaviaPool>();
  private readonly listenerList: OctaviaListener[] = [];
  private readonly metricsListeners: MetricsListener[] = [];

  constructor(scope: Construct, id: string, props: OctaviaBalancerProps) {
    super(scope, id);
    checkObject(this.node.path, 'props', props, '{ network }');
    checkNetwork(this.node.path, props.network);
    ensureProvider(this, OPENSTACK_PROVIDER);
    const path = this.node.path;
    this.ctx = validateBalancerProps(path, props);
    this.driver = this.ctx.driver;
    this.apiVersion = props.apiVersion ?? DEFAULT_OCTAVIA_API_VERSION;
    this.network = props.network;
    this.vipPeer = vipSubnetPeer(path, props.network.subnet);
    validatePlacement(this.ctx, path, props);
    this.lbName = props.name ?? path.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `VIP port of Octavia load balancer ${path}: listener ports only`,
      allowAllOutbound: false,
    });
    this.loadBalancer = new LbLoadbalancerV2(this, 'Resource', {
      name: this.lbName,
      description: `managed by webfarm: ${path}`,
      vipSubnetId: props.network.subnet.subnetId,
      loadbalancerProvider: this.driver,
      securityGroupIds: [this.securityGroup.securityGroupId],
      ...(props.vipAddress !== undefined ? { vipAddress: props.vipAddress } : {}),
      ...(props.flavorId !== undefined ? { flavorId: props.flavorId } : {}),
      ...(props.availabilityZone !== undefined ? { availabilityZone: props.availabilityZone } : {}),
    });
    this.vipAddress = this.loadBalancer.vipAddress;
    this.vipPortId = this.loadBalancer.vipPortId;
    if (props.floatingIpPool !== undefined) {
      this.floatingIp = new FloatingIp(this, 'FloatingIp', {
        pool: props.floatingIpPool,
        portId: this.loadBalancer.vipPortId,
        description: `VIP of Octavia load balancer ${path}`,
      });
    }
    this.privateAddress = this.vipAddress;
    this.publicAddress = this.floatingIp?.address;
    this.address = this.floatingIp ? this.floatingIp.address : this.vipAddress;
    this.connections = this.securityGroup.connections;
    this.chain = new DependencyChain(() => this.chainOrder());
    this.parts = {
      scope: this,
      ctx: this.ctx,
      lbName: this.lbName,
      loadBalancerId: this.loadBalancer.id,
      chain: this.chain,
    };

    this.model = new BalancerModel({
      path,
      capabilities: this.ctx.capabilities,
      allowToTarget: (target, port, poolName) => this.allowToTarget(target, port, poolName),
      validatePool: (where, options) => validatePool(this.ctx, where, options),
      validateListener: (where, options) => validateListener(this.ctx, this.siblings(), where, options),
    });
    recordTopology(this.loadBalancer, () => this.topology());
  }

  /** Pools in the order they were added. */
  public get pools(): readonly OctaviaPool[] {
    return [...this.poolMap.values()];
  }

  /** Listeners in the order they were added (without metrics listeners). */
  public get listeners(): readonly OctaviaListener[] {
    return [...this.listenerList];
  }

  /**
   * Adds a pool: `Pool-<id>`, `Members-<id>` and, with `healthCheck.active`, `Monitor-<id>`.
   * On the ovn driver the algorithm defaults to SOURCE_IP_PORT and the protocol to tcp (its only
   * choices); on amphora to ROUND_ROBIN and http.
   */
  public addPool(id: string, options: OctaviaPoolOptions): OctaviaPool {
    checkOptionsObject(this.poolPath(id), 'pool options', options);
    const effective = this.effectivePoolOptions(options);
    const inner = this.model.addPool(id, effective);
    const path = this.poolPath(id);
    const made = createPoolResources(this, id, effective, inner.algorithm, {
      lbName: this.lbName,
      path,
      loadBalancerId: this.loadBalancer.id,
      pool: () => this.poolMap.get(id),
    });
    const pool = new OctaviaPool({
      inner,
      ...made,
      path,
      checkMember: (node) => checkMember(this.ctx, path, effective, node),
    });
    this.poolMap.set(id, pool);
    for (const r of [made.resource, made.members, made.monitor]) if (r) this.chain.add(r);
    return pool;
  }

  /**
   * Adds a listener `Listener-<id>` (and its L7 policies, and the redirect listener of
   * `tls.redirectFromPort`), opening its port on the VIP security group to `allowedCidrs` (or to
   * the VIP subnet when none are given) and, on amphora, setting `allowed_cidrs` likewise.
   */
  public addListener(id: string, options: OctaviaListenerOptions): OctaviaListener {
    checkOptionsObject(`${this.node.path} listener '${id}'`, 'listener options', options);
    const ovn = this.driver === 'ovn';
    const terminating = options.tls !== undefined && options.tls.mode !== 'passthrough';
    const reached = [
      options.defaultPool,
      ...(Array.isArray(options.rules) ? options.rules.map((r) => r?.pool) : []),
    ];
    const effective: OctaviaListenerOptions = withPoolTimeouts(
      {
        ...options,
        ...(options.protocol === undefined && ovn && !terminating ? { protocol: 'tcp' as const } : {}),
      },
      reached.map((p) => (p && this.poolMap.get(p.name) === p ? p.options?.timeouts : undefined)),
    );
    checkUnique(
      this.node.path,
      'listener id',
      id,
      this.metricsListeners.map((m) => m.name),
    );
    const record = this.model.addListener(id, {
      ...effective,
      defaultPool: this.innerPool(effective.defaultPool),
      // Anything but an array goes to the model as given, which refuses it.
      ...(Array.isArray(effective.rules)
        ? { rules: effective.rules.map((r) => ({ ...r, pool: this.innerPool(r.pool) })) }
        : effective.rules !== undefined
          ? { rules: effective.rules }
          : {}),
    });
    const protocol = listenerProtocolOf(this.driver, record.protocol, effective.tls);
    const defaultPool = this.ownPool(effective.defaultPool);
    const becomesHome = defaultPool.home === undefined;
    const cidrs = allowedCidrsOf(this.ctx, effective.allowedCidrs);
    const resource = createListenerResource(
      this.parts,
      id,
      effective,
      protocol,
      becomesHome ? undefined : defaultPool,
      cidrs,
    );
    const policies = (effective.rules ?? []).map((rule, i) =>
      createPolicy(this.parts, id, resource, rule, this.ownPool(rule.pool), i + 1),
    );
    const tls = effective.tls;
    const redirect =
      tls?.redirectFromPort !== undefined
        ? createRedirect(this.parts, id, tls.redirectFromPort, effective.redirectPrefix ?? '', cidrs)
        : undefined;
    const listener = new OctaviaListener({
      name: id,
      options: effective,
      protocol: record.protocol,
      resource,
      octaviaProtocol: protocol,
      policies,
      redirect,
    });
    if (becomesHome) defaultPool._home = listener;
    this.listenerList.push(listener);
    this.chain.invalidate();

    const port = record.protocol === 'udp' ? Port.udp : Port.tcp;
    for (const p of listenerPorts(effective)) {
      const proto = p === effective.port ? port(p) : Port.tcp(p);
      for (const peer of this.listenerPeers(effective.allowedCidrs, id)) {
        this.securityGroup.addIngressRule(peer, proto, `clients of listener '${id}'`);
      }
    }
    if (ovn) {
      for (const target of defaultPool._targets)
        this.allowClients(target, defaultPool, id, effective.allowedCidrs);
    }
    return listener;
  }

  /**
   * Adds a PROMETHEUS listener (`Listener-<id>`): the amphora's own metrics on `port`
   * (amphora driver, API 2.25), reachable from `allowedCidrs` or the VIP subnet.
   */
  public addMetricsListener(id: string, options: OctaviaMetricsListenerOptions): LbListenerV2 {
    const path = this.node.path;
    checkName(path, 'listener id', id);
    checkUnique(path, 'listener id', id, [
      ...this.model.listeners.map((l) => l.name),
      ...this.metricsListeners.map((m) => m.name),
    ]);
    validateMetricsListener(this.ctx, this.siblings(), path, id, options);
    const cidrs = allowedCidrsOf(this.ctx, options.allowedCidrs);
    const resource = new LbListenerV2(this, `Listener-${id}`, {
      name: `${this.lbName}-${id}`,
      description: `managed by webfarm: ${path} metrics listener '${id}'`,
      loadbalancerId: this.loadBalancer.id,
      protocol: 'PROMETHEUS',
      protocolPort: options.port,
      ...(cidrs ? { allowedCidrs: cidrs } : {}),
    });
    this.metricsListeners.push({
      name: id,
      port: options.port,
      ...(options.allowedCidrs ? { allowedCidrs: options.allowedCidrs } : {}),
      resource,
    });
    this.chain.add(resource);
    for (const peer of this.listenerPeers(options.allowedCidrs, id)) {
      this.securityGroup.addIngressRule(peer, Port.tcp(options.port), `Prometheus scrapers of '${id}'`);
    }
    return resource;
  }

  /**
   * Adds members to pool `pool` (idempotent), creating the pool (`addPool`, with `options`, else
   * on the first member's port) when it does not exist. The members are checked before the pool
   * is made, so a refused member leaves no pool behind.
   */
  public addNodes(pool: string, nodes: string[], options?: OctaviaPoolOptions): void {
    addPoolNodes(this, this.node.path, pool, nodes, options, (id, o) => {
      const effective = this.effectivePoolOptions(o);
      for (const node of nodes)
        checkMember(this.ctx, this.poolPath(id), effective, parseNode(this.poolPath(id), node));
      return this.addPool(id, o);
    });
  }

  /** The options with the driver's defaults (ovn: SOURCE_IP_PORT over tcp, its only choices). */
  private effectivePoolOptions(options: OctaviaPoolOptions): OctaviaPoolOptions {
    const ovn = this.driver === 'ovn';
    return {
      ...options,
      ...(options.algorithm === undefined && ovn ? { algorithm: Algorithm.sourceIpPort() } : {}),
      ...(options.protocol === undefined && ovn ? { protocol: 'tcp' as const } : {}),
    };
  }

  /** The topology record of `webfarm review` (written on the load balancer at synth). */
  private topology(): BalancerTopology {
    const subnet = this.network.subnet.cidr;
    const listeners: TopologyListener[] = [
      ...this.listenerList.map((l) =>
        listenerTopology(l, l.options.allowedCidrs ?? [subnet], resourceAddress(l.resource)),
      ),
      ...this.metricsListeners.map((m) => ({
        name: m.name,
        port: m.port,
        protocol: 'prometheus',
        pools: [],
        reachableFrom: m.allowedCidrs ?? [subnet],
        resource: resourceAddress(m.resource),
      })),
    ].sort((a, b) => a.port - b.port);
    const pools = this.pools.map((p) =>
      poolTopology(p, {
        resource: resourceAddress(p.resource),
        membersResource: resourceAddress(p.members),
      }),
    );
    const children = [this.loadBalancer, ...this.chain.resources()];
    return {
      balancer: this.node.path,
      backend: 'octavia',
      name: this.lbName,
      hosts: [],
      entries: [resourceAddress(this.loadBalancer)],
      securityGroups: [resourceAddress(this.securityGroup.resource)],
      resources: children.map(resourceAddress).sort(),
      listeners,
      pools,
    };
  }

  /** What the listener checks need to know of the other listeners and the pools. */
  private siblings(): OctaviaSiblings {
    return {
      usedPorts: [
        ...this.model.listeners.flatMap((l) => listenerPorts(l.options)),
        ...this.metricsListeners.map((m) => m.port),
      ],
      poolProtocol: (name) => this.poolMap.get(name)?.octaviaProtocol,
    };
  }

  /** Where errors about pool `name` point. */
  private poolPath(name: string): string {
    return `${this.node.path} pool '${name}'`;
  }

  private innerPool(pool: IBalancerPool): IBalancerPool {
    return pool instanceof OctaviaPool && this.poolMap.get(pool.name) === pool ? pool._inner : pool;
  }

  private ownPool(pool: IBalancerPool): OctaviaPool {
    const own = this.poolMap.get(pool.name);
    if (!own) throw new Error(`unreachable: pool '${pool.name}' passed the model's ownership check`);
    return own;
  }

  /**
   * The one chain of child resources (Octavia rejects concurrent changes on a load balancer):
   * per listener, the listener and the pools it is the default of (pool, members, monitor); then
   * pools used only by rules; then every L7 policy with its rules. References always point back.
   */
  private chainOrder(): TerraformResource[] {
    const seq: TerraformResource[] = [];
    const placed = new Set<OctaviaPool>();
    const pushPool = (p: OctaviaPool) => {
      placed.add(p);
      seq.push(p.resource, p.members);
      if (p.monitor) seq.push(p.monitor);
    };
    const created = new Map(this.node.children.map((c, i) => [c, i]));
    const listeners = [
      ...this.listenerList.map((l) => ({ resource: l.resource, listener: l as OctaviaListener | undefined })),
      ...this.metricsListeners.map((m) => ({ resource: m.resource, listener: undefined })),
    ].sort((a, b) => created.get(a.resource)! - created.get(b.resource)!);
    for (const { resource, listener } of listeners) {
      seq.push(resource);
      if (!listener) continue;
      for (const p of this.poolMap.values()) if (p.home === listener) pushPool(p);
      if (listener.redirect) seq.push(listener.redirect.listener);
    }
    for (const p of this.poolMap.values()) if (!placed.has(p)) pushPool(p);
    for (const l of this.listenerList) {
      for (const p of l.policies) seq.push(p.policy, ...p.rules);
      if (l.redirect) seq.push(l.redirect.policy, ...l.redirect.rules);
    }
    return seq;
  }

  private listenerPeers(allowedCidrs: string[] | undefined, listenerId: string): IPeer[] {
    return listenerPeers(this.vipPeer, this.node.path, this.lbName, listenerId, allowedCidrs);
  }

  private allowToTarget(target: IBalancerTarget, port: number, poolName: string): void {
    const pool = this.poolMap.get(poolName);
    const connections = target.connections;
    if (!connections) return;
    const proto = this.poolPort(poolName, port);
    connections.allowFrom(
      this.vipPeer,
      proto,
      `Octavia ${this.lbName} pool '${poolName}' (amphorae and health checks)`,
    );
    if (!pool) return;
    pool._targets.push(target);
    if (this.driver === 'ovn') {
      for (const l of this.listenerList) {
        if (l.options.defaultPool.name === poolName)
          this.allowClients(target, pool, l.name, l.options.allowedCidrs);
      }
    }
  }

  /** OVN does not translate the source address: members must accept the clients themselves. */
  private allowClients(
    target: IBalancerTarget,
    pool: OctaviaPool,
    listenerId: string,
    allowedCidrs: string[] | undefined,
  ): void {
    if (!target.connections || !allowedCidrs) return;
    const proto = this.poolPort(pool.name, pool.port);
    for (const peer of this.listenerPeers(allowedCidrs, listenerId)) {
      target.connections.allowFrom(
        peer,
        proto,
        `clients of Octavia ${this.lbName} pool '${pool.name}' (ovn keeps client addresses)`,
      );
    }
  }

  private poolPort(poolName: string, port: number): Port {
    return this.poolMap.get(poolName)?.options.protocol === 'udp' ? Port.udp(port) : Port.tcp(port);
  }
}
