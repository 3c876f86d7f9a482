import { Construct } from 'constructs';
import { Lazy, TerraformResource, Token } from '../core/cdk';
import {
  Algorithm,
  AlgorithmKind,
  BalancerCapabilities,
  ListenerProtocol,
  ListenerTls,
  StickinessKind,
  effectiveProbeTimeout,
  requireCapability,
} from '../core/balancing';
import {
  BalancerNode,
  BalancerPool,
  IBalancer,
  IBalancerListener,
  IBalancerPool,
  IBalancerTarget,
  ListenerOptions,
  PoolOptions,
  RoutingRule,
  TargetOptions,
  parseNode,
  weighNodes,
} from '../core/balancer';
import { addPoolNodes, deletePoolNodes, getPoolNodes } from '../core/node-contract';
import { BalancerModel, listenerPorts } from '../core/balancer-model';
import { IPeer, Peer } from '../core/peer';
import { Port } from '../core/port';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import {
  BalancerTopology,
  listenerTopology,
  poolTopology,
  recordTopology,
  resourceAddress,
  TopologyListener,
} from '../core/topology';
import {
  checkCidr,
  checkInteger,
  checkName,
  checkPort,
  checkUnique,
  cidrContains,
  isWorldCidr,
  parseCidr,
  parseIp,
  reservedSubnetAddress,
} from '../core/validate';
import { LbLoadbalancerV2 } from '../../.gen/providers/openstack/lb-loadbalancer-v2';
import { LbListenerV2 } from '../../.gen/providers/openstack/lb-listener-v2';
import { LbPoolV2 } from '../../.gen/providers/openstack/lb-pool-v2';
import { LbMembersV2, lbMembersV2MemberToTerraform } from '../../.gen/providers/openstack/lb-members-v2';
import { LbMonitorV2 } from '../../.gen/providers/openstack/lb-monitor-v2';
import { LbL7PolicyV2 } from '../../.gen/providers/openstack/lb-l7policy-v2';
import { LbL7RuleV2 } from '../../.gen/providers/openstack/lb-l7rule-v2';
import { FloatingIp } from './floating-ip';
import { INetwork } from './network';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';
import { SecurityGroup } from './security-group';
import {
  DEFAULT_OCTAVIA_API_VERSION,
  OCTAVIA_DRIVER_FEATURES,
  OCTAVIA_LISTENER_POOL_PROTOCOLS,
  OctaviaDriver,
  OctaviaDriverFeatures,
  OctaviaListenerProtocol,
  OctaviaMonitorType,
  OctaviaPoolProtocol,
  octaviaApiAtLeast,
  octaviaCapabilities,
  parseOctaviaApiVersion,
  requireOctaviaApi,
  requireOctaviaDriver,
} from './octavia-capabilities';

/** Props of {@link OctaviaBalancer}. */
export interface OctaviaBalancerProps {
  /**
   * The network whose subnet holds the VIP (usually the workers' network:
   * `Network.fromName(this, 'Net', 'auto_allocated_network')`). The subnet's CIDR is where the
   * amphorae talk to members from, so `pool.addTarget` opens the workers' port to it.
   */
  readonly network: INetwork;
  /**
   * Octavia provider driver. `amphora`: HAProxy service VMs, layer 4 and 7. `ovn`: OVN's native
   * balancer, layer 4 only (TCP/UDP, SOURCE_IP_PORT, TCP/UDP-CONNECT monitors). Everything asked
   * of the balancer is checked against it at synth (see docs/octavia.md).
   * @default 'amphora'
   */
  readonly driver?: OctaviaDriver;
  /**
   * The cloud's Octavia API microversion (`max_version` of
   * `openstack versions show --service load-balancer`). Features newer than it are refused at
   * synth, e.g. availability zones (2.14), TLS versions (2.17), PROXYV2 (2.22), HSTS (2.27).
   * @default '2.13' (Octavia of OpenStack Train: has allowed_cidrs and SOURCE_IP_PORT)
   */
  readonly apiVersion?: string;
  /**
   * Octavia flavor id (`openstack loadbalancer flavor list`). Operators offer ACTIVE_STANDBY
   * (two amphorae, VRRP) through a flavor; that is how you get a highly available balancer.
   * Amphora driver only; API 2.6.
   * @default - the cloud's default flavor (usually SINGLE topology)
   */
  readonly flavorId?: string;
  /**
   * Octavia availability zone. Amphora driver only; API 2.14.
   * @default - the cloud's default placement
   */
  readonly availabilityZone?: string;
  /**
   * Allocate a floating IP from this external network (e.g. `public`) and associate it with the
   * VIP port, as a separate association (replacing the balancer keeps the address).
   * @default - no floating IP: the VIP is reachable from its own network only
   */
  readonly floatingIpPool?: string;
  /**
   * A fixed VIP address inside the subnet.
   * @default - one assigned by Neutron
   */
  readonly vipAddress?: string;
  /**
   * Name of the load balancer in the cloud; listeners and pools are named `<name>-<id>`.
   * @default - derived from the construct path
   */
  readonly name?: string;
}

/** Options of {@link OctaviaBalancer.addPool}: the shared pool options plus Octavia's own. */
export interface OctaviaPoolOptions extends PoolOptions {
  /**
   * Speak the PROXY protocol to the members (pool protocol PROXY, or PROXYV2 from API 2.22), so
   * they learn the client address on layer 4. Amphora driver only; `protocol` 'http' or 'tcp'.
   * @default - no PROXY protocol
   */
  readonly proxyProtocol?: 'v1' | 'v2';
}

/** Headers the amphora inserts into requests to members (HTTP and TERMINATED_HTTPS listeners). */
export interface OctaviaInsertHeaders {
  /**
   * `X-Forwarded-For: <client address>`.
   * @default true
   */
  readonly forwardedFor?: boolean;
  /**
   * `X-Forwarded-Port: <listener port>`.
   * @default false
   */
  readonly forwardedPort?: boolean;
  /**
   * `X-Forwarded-Proto: http|https` (API 2.1).
   * @default true where the API has it (2.1 and later)
   */
  readonly forwardedProto?: boolean;
}

/** Listener timeouts (amphora driver, API 2.1), in seconds (whole milliseconds are sent). */
export interface OctaviaListenerTimeouts {
  /**
   * Idle time of the client side.
   * @default - Octavia's default (50 s)
   */
  readonly clientDataSeconds?: number;
  /**
   * Time to connect to a member.
   * @default - Octavia's default (5 s)
   */
  readonly memberConnectSeconds?: number;
  /**
   * Idle time of the member side (raise it for websockets and long polls).
   * @default - Octavia's default (50 s)
   */
  readonly memberDataSeconds?: number;
  /**
   * Time to wait for more TCP content to inspect (L7 rules on TCP).
   * @default - Octavia's default (0)
   */
  readonly tcpInspectSeconds?: number;
}

/** Options of {@link OctaviaBalancer.addListener}: the shared listener options plus Octavia's own. */
export interface OctaviaListenerOptions extends ListenerOptions {
  /**
   * Headers inserted into requests (HTTP and TERMINATED_HTTPS listeners, amphora driver).
   * @default - X-Forwarded-For and X-Forwarded-Proto on HTTP-level listeners; none on TCP/UDP/passthrough
   */
  readonly insertHeaders?: OctaviaInsertHeaders;
  /**
   * Timeouts (amphora driver, API 2.1).
   * @default - Octavia's defaults
   */
  readonly timeouts?: OctaviaListenerTimeouts;
  /**
   * Most concurrent connections (amphora driver).
   * @default - unlimited (Octavia's -1)
   */
  readonly connectionLimit?: number;
  /**
   * OpenSSL cipher string of a TERMINATED_HTTPS listener (API 2.15).
   * @default - the cloud's default cipher list
   */
  readonly tlsCiphers?: string;
  /**
   * Add `includeSubDomains` to the HSTS header (needs `tls.hstsMaxAgeSeconds`; API 2.27).
   * @default false
   */
  readonly hstsIncludeSubdomains?: boolean;
  /**
   * Add `preload` to the HSTS header (needs `tls.hstsMaxAgeSeconds`; API 2.27).
   * @default false
   */
  readonly hstsPreload?: boolean;
  /**
   * Where `tls.redirectFromPort` redirects to: scheme and host (and port) of the HTTPS site,
   * e.g. `https://www.example.org`. Octavia's REDIRECT_PREFIX prepends it to the request path;
   * it cannot take the host from the request, so name it.
   * @default - required when tls.redirectFromPort is given
   */
  readonly redirectPrefix?: string;
}

/** Options of {@link OctaviaBalancer.addMetricsListener}. */
export interface OctaviaMetricsListenerOptions {
  /** Port of the Prometheus endpoint (e.g. 8088). */
  readonly port: number;
  /**
   * Who may scrape. There is no default "anyone".
   * @default - the VIP subnet only
   */
  readonly allowedCidrs?: string[];
}

/** What {@link OctaviaBalancer.addPool} hands to a new {@link OctaviaPool}. */
export interface OctaviaPoolParts {
  /** The shared bookkeeping of the pool. */
  readonly inner: BalancerPool;
  /** The pool resource. */
  readonly resource: LbPoolV2;
  /** The members resource. */
  readonly members: LbMembersV2;
  /** The monitor, if any. */
  readonly monitor?: LbMonitorV2;
  /** Octavia's protocol of the pool. */
  readonly protocol: OctaviaPoolProtocol;
  /** Checks a member against Octavia and the driver (throws ValidationError). */
  readonly checkMember: (node: BalancerNode) => void;
  /** Where errors about the pool point. */
  readonly path: string;
}

/** What the balancer keeps about a pool, out of its public surface. */
interface PoolState {
  readonly parts: OctaviaPoolParts;
  /** The listener that names the pool by `listener_id`. */
  home?: OctaviaListener;
  /** Targets added, for the ovn driver's client rules. */
  readonly targets: IBalancerTarget[];
}

const POOL_STATE = new WeakMap<OctaviaPool, PoolState>();

function poolState(pool: OctaviaPool): PoolState {
  const state = POOL_STATE.get(pool);
  if (!state) throw new Error(`unreachable: pool '${pool.name}' was not made by OctaviaBalancer.addPool`);
  return state;
}

/** An Octavia pool: the shared node bookkeeping plus its Terraform resources. */
export class OctaviaPool implements IBalancerPool {
  /** The pool (`openstack_lb_pool_v2`, construct id `Pool-<name>`). */
  public readonly resource: LbPoolV2;
  /** All members, one resource (`openstack_lb_members_v2`, `Members-<name>`): one API update per change. */
  public readonly members: LbMembersV2;
  /** The health monitor (`openstack_lb_monitor_v2`, `Monitor-<name>`), when an active check is asked for. */
  public readonly monitor?: LbMonitorV2;
  /** Octavia's protocol of the pool. */
  public readonly octaviaProtocol: OctaviaPoolProtocol;

  /** Made by {@link OctaviaBalancer.addPool}. @internal */
  constructor(parts: OctaviaPoolParts) {
    this.resource = parts.resource;
    this.members = parts.members;
    this.monitor = parts.monitor;
    this.octaviaProtocol = parts.protocol;
    POOL_STATE.set(this, { parts, targets: [] });
  }

  /** The listener that owns this pool by `listener_id` (the first one that made it its default pool). */
  public get home(): OctaviaListener | undefined {
    return poolState(this).home;
  }

  /** The pool id. */
  public get name(): string {
    return this.inner.name;
  }

  /** The port the members serve on. */
  public get port(): number {
    return this.inner.port;
  }

  /** The options, validated (with the driver's defaults filled in). */
  public get options(): OctaviaPoolOptions {
    return this.inner.options;
  }

  /** The effective algorithm. */
  public get algorithm(): Algorithm {
    return this.inner.algorithm;
  }

  /** The nodes in the order they were added (members are written in name order). */
  public get nodes(): readonly BalancerNode[] {
    return this.inner.nodes;
  }

  /**
   * Adds the target's nodes as members and opens the target's pool port to the balancer.
   * Members see the amphora's address (source NAT), never a security group, so the rule is a
   * `remote_ip_prefix` of the VIP subnet (a Terraform reference when the subnet was looked up).
   * With the ovn driver members see the clients' own addresses (no source NAT): the port is also
   * opened to each listener's `allowedCidrs` (the only client filter OVN has).
   */
  public addTarget(target: IBalancerTarget, options: TargetOptions = {}): void {
    const { checkMember, path } = poolState(this).parts;
    for (const node of weighNodes(path, target.balancerNodes(this.port), options.weight)) checkMember(node);
    this.inner.addTarget(target, options);
  }

  /** Adds members: `'203.0.113.10:80'` (external, by address) or {@link BalancerNode}s. */
  public addNodes(nodes: Array<string | BalancerNode>): void {
    const { checkMember, path } = poolState(this).parts;
    for (const given of nodes) checkMember(typeof given === 'string' ? parseNode(path, given) : given);
    this.inner.addNodes(nodes);
  }

  /** Removes members by `host:port` or name. */
  public removeNodes(nodes: Array<string | BalancerNode>): void {
    this.inner.removeNodes(nodes);
  }

  private get inner(): BalancerPool {
    return poolState(this).parts.inner;
  }
}

/** An L7 policy with its rules. */
export interface OctaviaPolicy {
  /** The policy (`openstack_lb_l7policy_v2`). */
  readonly policy: LbL7PolicyV2;
  /** Its rules (`openstack_lb_l7rule_v2`), ANDed. */
  readonly rules: readonly LbL7RuleV2[];
}

/** An Octavia listener: the shared record plus its Terraform resources. */
export class OctaviaListener implements IBalancerListener {
  /** The listener id. */
  public readonly name: string;
  /** The options, validated (with the driver's defaults filled in). */
  public readonly options: OctaviaListenerOptions;
  /** The effective protocol. */
  public readonly protocol: ListenerProtocol;
  /** The listener (`openstack_lb_listener_v2`, construct id `Listener-<name>`). */
  public readonly resource: LbListenerV2;
  /** Octavia's protocol of the listener. */
  public readonly octaviaProtocol: OctaviaListenerProtocol;
  /** L7 policies routing to other pools, in rule order. */
  public readonly policies: readonly OctaviaPolicy[];
  /** The HTTP listener of `tls.redirectFromPort` and its REDIRECT_PREFIX policy. */
  public readonly redirect?: OctaviaRedirect;

  /** @internal */
  constructor(parts: {
    name: string;
    options: OctaviaListenerOptions;
    protocol: ListenerProtocol;
    resource: LbListenerV2;
    octaviaProtocol: OctaviaListenerProtocol;
    policies: OctaviaPolicy[];
    redirect?: OctaviaRedirect;
  }) {
    this.name = parts.name;
    this.options = parts.options;
    this.protocol = parts.protocol;
    this.resource = parts.resource;
    this.octaviaProtocol = parts.octaviaProtocol;
    this.policies = parts.policies;
    this.redirect = parts.redirect;
  }
}

/** The HTTP → HTTPS redirect of a listener: an HTTP listener with one REDIRECT_PREFIX policy. */
export interface OctaviaRedirect extends OctaviaPolicy {
  /** The HTTP listener (`Redirect-<id>`; its policy `Redirect-<id>-Policy`, rule `Redirect-<id>-Rule`). */
  readonly listener: LbListenerV2;
}

const LB_METHOD: Partial<Record<AlgorithmKind, string>> = {
  'round-robin': 'ROUND_ROBIN',
  'least-connections': 'LEAST_CONNECTIONS',
  'source-ip': 'SOURCE_IP',
  'source-ip-port': 'SOURCE_IP_PORT',
};

const PERSISTENCE: Record<StickinessKind, string> = {
  'source-ip': 'SOURCE_IP',
  'insert-cookie': 'HTTP_COOKIE',
  'app-cookie': 'APP_COOKIE',
};

/** Octavia's longest timeout: 24 days. */
const MAX_TIMEOUT_SECONDS = 24 * 24 * 60 * 60;

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
export class OctaviaBalancer extends Construct implements IBalancer {
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
  /** The public address: the floating IP when there is one, else the VIP. */
  public readonly address: string;
  /** The provider driver. */
  public readonly driver: OctaviaDriver;
  /** The API microversion checked against. */
  public readonly apiVersion: string;
  /** Name prefix in the cloud. */
  public readonly lbName: string;
  private readonly api: [number, number];
  private readonly features: OctaviaDriverFeatures;
  private readonly model: BalancerModel;
  private readonly network: INetwork;
  private readonly vipPeer: IPeer;
  private readonly poolMap = new Map<string, OctaviaPool>();
  private readonly listenerList: OctaviaListener[] = [];
  private readonly metricsListeners: Array<{
    name: string;
    port: number;
    allowedCidrs?: string[];
    resource: LbListenerV2;
  }> = [];

  constructor(scope: Construct, id: string, props: OctaviaBalancerProps) {
    super(scope, id);
    ensureProvider(this, OPENSTACK_PROVIDER);
    const path = this.node.path;
    this.driver = props.driver ?? 'amphora';
    if (this.driver !== 'amphora' && this.driver !== 'ovn') {
      throw new ValidationError({
        path,
        what: 'driver',
        value: this.driver,
        allowed: '"amphora" or "ovn"',
        fix: 'use the provider name `openstack loadbalancer provider list` shows',
      });
    }
    this.apiVersion = props.apiVersion ?? DEFAULT_OCTAVIA_API_VERSION;
    this.api = parseOctaviaApiVersion(path, this.apiVersion);
    this.features = OCTAVIA_DRIVER_FEATURES[this.driver];
    this.network = props.network;
    if (this.driver === 'ovn') {
      requireOctaviaApi(
        path,
        'SOURCE_IP_PORT',
        this.api,
        'use driver "amphora" (the ovn driver balances by SOURCE_IP_PORT only)',
      );
    }
    if (props.flavorId !== undefined) {
      requireOctaviaDriver(
        path,
        this.driver,
        this.features.flavors,
        'flavorId',
        props.flavorId,
        'no flavorId (one topology)',
        'drop flavorId (the ovn driver has no flavors), or use driver "amphora"',
      );
      requireOctaviaApi(path, 'load balancer flavors', this.api, 'drop flavorId');
    }
    if (props.availabilityZone !== undefined) {
      requireOctaviaDriver(
        path,
        this.driver,
        this.features.availabilityZones,
        'availabilityZone',
        props.availabilityZone,
        'no availabilityZone',
        'drop availabilityZone (the ovn driver has no availability zones), or use driver "amphora"',
      );
      requireOctaviaApi(path, 'availability zones', this.api, 'drop availabilityZone');
    }
    this.vipPeer = this.vipSubnetPeer(path);
    if (props.vipAddress !== undefined) this.checkVipAddress(path, props.vipAddress);
    if (
      props.floatingIpPool !== undefined &&
      !isUnresolved(props.floatingIpPool) &&
      !props.floatingIpPool.trim()
    ) {
      throw new ValidationError({
        path,
        what: 'floatingIpPool',
        value: props.floatingIpPool,
        allowed: 'the name of an external network, e.g. "public"',
        fix: 'see `openstack network list --external`, or leave floatingIpPool out',
      });
    }
    if (props.name !== undefined) checkName(path, 'name', props.name);
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
    this.address = this.floatingIp ? this.floatingIp.address : this.vipAddress;

    this.model = new BalancerModel({
      path,
      capabilities: octaviaCapabilities(this.driver),
      allowToTarget: (target, port, poolName) => this.allowToTarget(target, port, poolName),
      validatePool: (where, options) => this.validatePool(where, options),
      validateListener: (where, options) => this.validateListener(where, options),
    });
    recordTopology(this.loadBalancer, () => this.topology());
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
    const children = [this.loadBalancer, ...this.chain()];
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

  /** What this driver supports. */
  public get capabilities(): BalancerCapabilities {
    return this.model.capabilities;
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
    const effective = this.effectivePoolOptions(options);
    const inner = this.model.addPool(id, effective);
    const protocol = poolProtocolOf(effective);
    const stickiness = effective.stickiness;
    const resource = new LbPoolV2(this, `Pool-${id}`, {
      name: `${this.lbName}-${id}`,
      description: `managed by webfarm: ${this.poolPath(id)}`,
      protocol,
      lbMethod: LB_METHOD[inner.algorithm.kind] ?? 'ROUND_ROBIN',
      listenerId: Lazy.stringValue({ produce: () => this.poolMap.get(id)?.home?.resource.id }),
      loadbalancerId: Lazy.stringValue({
        produce: () => (this.poolMap.get(id)?.home ? undefined : this.loadBalancer.id),
      }),
      ...(stickiness
        ? {
            persistence: {
              type: PERSISTENCE[stickiness.kind],
              ...(stickiness.kind === 'app-cookie' ? { cookieName: stickiness.cookieName } : {}),
            },
          }
        : {}),
    });
    const members = new LbMembersV2(this, `Members-${id}`, {
      poolId: resource.id,
      member: Lazy.anyValue({ produce: () => this.memberBlocks(id) }, { omitEmptyArray: true }),
    });
    const active = effective.healthCheck?.active;
    let monitor: LbMonitorV2 | undefined;
    if (active) {
      const type = monitorTypeOf(effective);
      const http = type === 'HTTP' || type === 'HTTPS';
      monitor = new LbMonitorV2(this, `Monitor-${id}`, {
        name: `${this.lbName}-${id}`,
        poolId: resource.id,
        type,
        delay: active.intervalSeconds ?? 5,
        timeout: effectiveProbeTimeout(active),
        maxRetries: active.healthyThreshold ?? 2,
        maxRetriesDown: active.unhealthyThreshold ?? 3,
        ...(http
          ? {
              urlPath: active.path ?? '/',
              httpMethod: active.method ?? 'GET',
              expectedCodes: active.expectedCodes ?? '200-399',
            }
          : {}),
      });
    }
    const pool = new OctaviaPool({
      inner,
      resource,
      members,
      monitor,
      protocol,
      path: this.poolPath(id),
      checkMember: (node) => this.checkMember(id, effective, node),
    });
    this.poolMap.set(id, pool);
    for (const r of [resource, members, monitor]) if (r) this.chainAfterPrevious(r);
    return pool;
  }

  /**
   * Adds a listener `Listener-<id>` (and its L7 policies, and the redirect listener of
   * `tls.redirectFromPort`), opening its port on the VIP security group to `allowedCidrs` (or to
   * the VIP subnet when none are given) and, on amphora, setting `allowed_cidrs` likewise.
   */
  public addListener(id: string, options: OctaviaListenerOptions): OctaviaListener {
    const ovn = this.driver === 'ovn';
    const terminating = options.tls !== undefined && options.tls.mode !== 'passthrough';
    const effective: OctaviaListenerOptions = {
      ...options,
      ...(options.protocol === undefined && ovn && !terminating ? { protocol: 'tcp' as const } : {}),
    };
    checkUnique(
      this.node.path,
      'listener id',
      id,
      this.metricsListeners.map((m) => m.name),
    );
    const record = this.model.addListener(id, {
      ...effective,
      defaultPool: this.innerPool(effective.defaultPool),
      ...(effective.rules
        ? { rules: effective.rules.map((r) => ({ ...r, pool: this.innerPool(r.pool) })) }
        : {}),
    });
    const protocol = listenerProtocolOf(this.driver, record.protocol, effective.tls);
    const defaultPool = this.ownPool(effective.defaultPool);
    const becomesHome = defaultPool.home === undefined;
    const cidrs = this.allowedCidrsOf(effective.allowedCidrs);
    const httpLevel = protocol === 'HTTP' || protocol === 'TERMINATED_HTTPS';
    const headers = httpLevel ? this.insertHeadersOf(effective.insertHeaders) : undefined;
    const timeouts = effective.timeouts;
    const tls = effective.tls;
    const terminated = protocol === 'TERMINATED_HTTPS';
    const resource = new LbListenerV2(this, `Listener-${id}`, {
      name: `${this.lbName}-${id}`,
      description: `managed by webfarm: ${this.node.path} listener '${id}'`,
      loadbalancerId: this.loadBalancer.id,
      protocol,
      protocolPort: effective.port,
      ...(becomesHome ? {} : { defaultPoolId: defaultPool.resource.id }),
      ...(cidrs ? { allowedCidrs: cidrs } : {}),
      ...(headers && Object.keys(headers).length ? { insertHeaders: headers } : {}),
      ...(effective.connectionLimit !== undefined ? { connectionLimit: effective.connectionLimit } : {}),
      ...(timeouts?.clientDataSeconds !== undefined
        ? { timeoutClientData: Math.round(timeouts.clientDataSeconds * 1000) }
        : {}),
      ...(timeouts?.memberConnectSeconds !== undefined
        ? { timeoutMemberConnect: Math.round(timeouts.memberConnectSeconds * 1000) }
        : {}),
      ...(timeouts?.memberDataSeconds !== undefined
        ? { timeoutMemberData: Math.round(timeouts.memberDataSeconds * 1000) }
        : {}),
      ...(timeouts?.tcpInspectSeconds !== undefined
        ? { timeoutTcpInspect: Math.round(timeouts.tcpInspectSeconds * 1000) }
        : {}),
      ...(terminated && tls?.certificate?.kind === 'barbican'
        ? { defaultTlsContainerRef: tls.certificate.containerRef }
        : {}),
      ...(terminated && tls?.versions ? { tlsVersions: [...tls.versions] } : {}),
      ...(terminated && effective.tlsCiphers !== undefined ? { tlsCiphers: effective.tlsCiphers } : {}),
      ...(terminated && tls?.hstsMaxAgeSeconds !== undefined
        ? {
            hstsMaxAge: tls.hstsMaxAgeSeconds,
            ...(effective.hstsIncludeSubdomains ? { hstsIncludeSubdomains: true } : {}),
            ...(effective.hstsPreload ? { hstsPreload: true } : {}),
          }
        : {}),
    });
    this.chainAfterPrevious(resource);
    const policies = (effective.rules ?? []).map((rule, i) => this.addPolicy(id, resource, rule, i + 1));
    const redirect =
      tls?.redirectFromPort !== undefined
        ? this.addRedirect(id, tls.redirectFromPort, effective.redirectPrefix ?? '', cidrs)
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
    if (becomesHome) poolState(defaultPool).home = listener;
    this.listenerList.push(listener);

    const port = record.protocol === 'udp' ? Port.udp : Port.tcp;
    for (const p of listenerPorts(effective)) {
      const proto = p === effective.port ? port(p) : Port.tcp(p);
      for (const peer of this.listenerPeers(effective.allowedCidrs, id)) {
        this.securityGroup.addIngressRule(peer, proto, `clients of listener '${id}'`);
      }
    }
    if (ovn) {
      for (const target of poolState(defaultPool).targets)
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
    const where = `${path} listener '${id}'`;
    checkPort(where, 'port', options.port);
    requireOctaviaDriver(
      where,
      this.driver,
      this.features.prometheusListeners,
      'PROMETHEUS listener',
      options.port,
      'TCP and UDP listeners',
      'use driver "amphora" for balancer metrics',
    );
    requireOctaviaApi(
      where,
      'PROMETHEUS listeners',
      this.api,
      'read statistics with `openstack loadbalancer stats show`',
    );
    this.checkPortFree(where, options.port);
    for (const cidr of options.allowedCidrs ?? []) checkCidr(where, 'allowedCidrs entry', cidr);
    this.checkCidrFamilies(where, options.allowedCidrs);
    const cidrs = this.allowedCidrsOf(options.allowedCidrs);
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
    this.chainAfterPrevious(resource);
    for (const peer of this.listenerPeers(options.allowedCidrs, id)) {
      this.securityGroup.addIngressRule(peer, Port.tcp(options.port), `Prometheus scrapers of '${id}'`);
    }
    return resource;
  }

  /** `host:port` of every member of pool `pool`; `[]` when there is no such pool. */
  public getNodes(pool: string): string[] {
    return getPoolNodes(this, pool);
  }

  /**
   * Adds members to pool `pool` (idempotent), creating the pool (`addPool`, with `options`, else
   * on the first member's port) when it does not exist. The members are checked before the pool
   * is made, so a refused member leaves no pool behind.
   */
  public addNodes(pool: string, nodes: string[], options?: OctaviaPoolOptions): void {
    addPoolNodes(this, this.node.path, pool, nodes, options, (id, o) => {
      const effective = this.effectivePoolOptions(o);
      for (const node of nodes) this.checkMember(id, effective, parseNode(this.poolPath(id), node));
      return this.addPool(id, o);
    });
  }

  /** Removes members from pool `pool`; a missing pool or member is no error. */
  public deleteNodes(pool: string, nodes: string[]): void {
    deletePoolNodes(this, pool, nodes);
  }

  /** Removes members from pool `pool`, as `deleteNodes`. @deprecated use `deleteNodes` */
  public removeNodes(pool: string, nodes: string[]): void {
    this.deleteNodes(pool, nodes);
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

  /** Where errors about pool `name` point. */
  private poolPath(name: string): string {
    return `${this.node.path} pool '${name}'`;
  }

  /** Checks one member against Octavia and the driver (throws ValidationError). */
  private checkMember(poolName: string, options: OctaviaPoolOptions, node: BalancerNode): void {
    const path = this.poolPath(poolName);
    const caps = this.capabilities;
    const host = stripBrackets(node.host);
    if (!isUnresolved(host) && !parseIp(host)) {
      throw new ValidationError({
        path,
        what: 'member address',
        value: node.host,
        allowed: 'an IPv4 or IPv6 address (Octavia members are addresses, not names)',
        fix: "give the address (an instance's private address is a Terraform reference), or resolve the name first",
      });
    }
    if (node.weight !== undefined && node.weight !== 1) {
      requireCapability(
        caps,
        path,
        'member weight',
        String(node.weight),
        caps.weights,
        'weight 1',
        'weights',
      );
    }
    if (node.backup) {
      requireCapability(
        caps,
        path,
        'backup member',
        node.name,
        caps.backupNodes,
        'no backup members',
        'backupNodes',
      );
      requireOctaviaApi(path, 'backup members', this.api, 'drop backup');
    }
    const ip = isUnresolved(host) ? undefined : parseIp(host);
    const subnet = this.network.subnet.cidrKnown ? parseCidr(this.network.subnet.cidr) : undefined;
    const noMixing = this.driver === 'ovn' || options.protocol === 'udp';
    if (ip && subnet && ip.version !== subnet.version && noMixing) {
      throw new ValidationError({
        path,
        what: 'member address',
        value: node.host,
        allowed: `an IPv${subnet.version} address, like the VIP subnet ${this.network.subnet.cidr} (${
          this.driver === 'ovn' ? 'the ovn driver' : 'Octavia in UDP pools'
        } cannot mix IPv4 and IPv6)`,
        fix: "give members of the VIP's IP version, or put IPv6 members behind an IPv6 VIP",
      });
    }
    if (
      this.driver === 'ovn' &&
      ip &&
      subnet &&
      !cidrContains(subnet, { ...ip, prefix: ip.version === 4 ? 32 : 128 })
    ) {
      throw new ValidationError({
        path,
        what: 'member address (Octavia (ovn driver))',
        value: node.host,
        allowed: `an address inside the VIP subnet ${this.network.subnet.cidr}`,
        fix: 'the ovn driver reaches members only through the VIP subnet; use driver "amphora" for external members',
      });
    }
  }

  private innerPool(pool: IBalancerPool): IBalancerPool {
    return pool instanceof OctaviaPool && this.poolMap.get(pool.name) === pool
      ? poolState(pool).parts.inner
      : pool;
  }

  private ownPool(pool: IBalancerPool): OctaviaPool {
    const own = this.poolMap.get(pool.name);
    if (!own) throw new Error(`unreachable: pool '${pool.name}' passed the model's ownership check`);
    return own;
  }

  private memberBlocks(poolName: string): unknown[] {
    const pool = this.poolMap.get(poolName);
    if (!pool) return [];
    return [...pool.nodes]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((node) =>
        lbMembersV2MemberToTerraform({
          name: node.name,
          address: stripBrackets(node.host),
          protocolPort: node.port,
          ...(node.weight !== undefined ? { weight: node.weight } : {}),
          ...(node.backup ? { backup: true } : {}),
        }),
      );
  }

  private addPolicy(
    listenerId: string,
    listener: LbListenerV2,
    rule: RoutingRule,
    position: number,
  ): OctaviaPolicy {
    const target = this.ownPool(rule.pool);
    const key = `Policy-${listenerId}-${ruleSlug(rule)}`;
    const policy = new LbL7PolicyV2(this, key, {
      name: `${this.lbName}-${listenerId}-${ruleSlug(rule)}`,
      listenerId: listener.id,
      action: 'REDIRECT_TO_POOL',
      redirectPoolId: target.resource.id,
      position,
    });
    const conditions: Array<[string, { type: string; compareType: string; value: string; key?: string }]> =
      [];
    if (rule.pathPrefix !== undefined) {
      conditions.push(['Path', { type: 'PATH', compareType: 'STARTS_WITH', value: rule.pathPrefix }]);
    }
    if (rule.hostName !== undefined) {
      conditions.push([
        'Host',
        rule.hostName.startsWith('*.')
          ? { type: 'HOST_NAME', compareType: 'ENDS_WITH', value: rule.hostName.slice(1) }
          : { type: 'HOST_NAME', compareType: 'EQUAL_TO', value: rule.hostName },
      ]);
    }
    if (rule.header) {
      conditions.push([
        'Header',
        { type: 'HEADER', compareType: 'EQUAL_TO', key: rule.header.name, value: rule.header.value ?? '' },
      ]);
    }
    if (rule.websocket) {
      conditions.push([
        'Websocket',
        { type: 'HEADER', compareType: 'EQUAL_TO', key: 'Upgrade', value: 'websocket' },
      ]);
    }
    const rules = conditions.map(
      ([suffix, c]) => new LbL7RuleV2(this, `${key}-${suffix}`, { l7PolicyId: policy.id, ...c }),
    );
    for (const r of [policy, ...rules]) this.chainAfterPrevious(r);
    return { policy, rules };
  }

  private addRedirect(
    listenerId: string,
    port: number,
    prefix: string,
    cidrs: string[] | undefined,
  ): OctaviaRedirect {
    const key = `Redirect-${listenerId}`;
    const listener = new LbListenerV2(this, key, {
      name: `${this.lbName}-${listenerId}-redirect`,
      description: `managed by webfarm: ${this.node.path} listener '${listenerId}' HTTP to HTTPS redirect`,
      loadbalancerId: this.loadBalancer.id,
      protocol: 'HTTP',
      protocolPort: port,
      ...(cidrs ? { allowedCidrs: cidrs } : {}),
    });
    this.chainAfterPrevious(listener);
    const policy = new LbL7PolicyV2(this, `${key}-Policy`, {
      name: `${this.lbName}-${listenerId}-redirect`,
      listenerId: listener.id,
      action: 'REDIRECT_PREFIX',
      redirectPrefix: prefix,
      position: 1,
      ...(octaviaApiAtLeast(this.api, '2.9') ? { redirectHttpCode: 301 } : {}),
    });
    const rule = new LbL7RuleV2(this, `${key}-Rule`, {
      l7PolicyId: policy.id,
      type: 'PATH',
      compareType: 'STARTS_WITH',
      value: '/',
    });
    this.chainAfterPrevious(policy);
    this.chainAfterPrevious(rule);
    return { listener, policy, rules: [rule] };
  }

  /**
   * The one chain of child resources (Octavia rejects concurrent changes on a load balancer):
   * per listener, the listener and the pools it is the default of (pool, members, monitor); then
   * pools used only by rules; then every L7 policy with its rules. References always point back.
   */
  private chain(): TerraformResource[] {
    const seq: TerraformResource[] = [];
    const placed = new Set<OctaviaPool>();
    const pushPool = (p: OctaviaPool) => {
      placed.add(p);
      seq.push(p.resource, p.members);
      if (p.monitor) seq.push(p.monitor);
    };
    const listeners = [
      ...this.listenerList.map((l) => ({ resource: l.resource, listener: l as OctaviaListener | undefined })),
      ...this.metricsListeners.map((m) => ({ resource: m.resource, listener: undefined })),
    ].sort((a, b) => this.creationIndex(a.resource) - this.creationIndex(b.resource));
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

  private creationIndex(resource: TerraformResource): number {
    return this.node.children.indexOf(resource);
  }

  private chainAfterPrevious(resource: TerraformResource): void {
    resource.dependsOn = Token.asList(
      Lazy.listValue(
        {
          produce: () => {
            const seq = this.chain();
            const i = seq.indexOf(resource);
            const prev = i > 0 ? seq[i - 1] : undefined;
            return prev ? [`${prev.terraformResourceType}.${prev.friendlyUniqueId}`] : [];
          },
        },
        { omitEmpty: true },
      ),
    );
  }

  private vipSubnetPeer(path: string): IPeer {
    const { cidr, cidrKnown } = this.network.subnet;
    if (cidrKnown) {
      checkCidr(path, 'VIP subnet cidr', cidr);
      return Peer.cidr(cidr);
    }
    if (!isUnresolved(cidr)) {
      throw new ValidationError({
        path,
        what: 'VIP subnet cidr',
        value: cidr,
        allowed: "a known CIDR or a Terraform reference to the subnet's cidr",
        fix: 'the amphorae reach members from the VIP subnet, so its CIDR opens the workers\' port: give it, e.g. Network.fromId(networkId, subnetId, "10.0.0.0/24"), or use Network.fromName',
      });
    }
    // A looked-up CIDR is a token whose text changes between synths: key the rule by the
    // balancer instead, so construct ids of the rules it makes stay stable.
    return {
      peerKind: 'cidr',
      cidr,
      ethertype: 'IPv4',
      isWorld: false,
      uniqueId: `vip-subnet-of:${path}`,
      label: `VIP subnet of ${path}`,
    };
  }

  private checkVipAddress(path: string, address: string): void {
    if (isUnresolved(address)) return;
    const ip = parseIp(address);
    const subnet = this.network.subnet.cidrKnown ? parseCidr(this.network.subnet.cidr) : undefined;
    if (!ip || (subnet && !cidrContains(subnet, { ...ip, prefix: ip.version === 4 ? 32 : 128 }))) {
      throw new ValidationError({
        path,
        what: 'vipAddress',
        value: address,
        allowed: subnet
          ? `an address inside the VIP subnet ${this.network.subnet.cidr}`
          : 'an IPv4 or IPv6 address',
        fix: 'give a free address of the subnet, or leave vipAddress out',
      });
    }
    const reserved = subnet ? reservedSubnetAddress(subnet, ip.address) : undefined;
    if (reserved) {
      throw new ValidationError({
        path,
        what: 'vipAddress',
        value: address,
        allowed: `an address of ${this.network.subnet.cidr} other than its network, gateway and broadcast addresses (this is its ${reserved})`,
        fix: 'give a free address of the subnet, or leave vipAddress out',
      });
    }
  }

  /**
   * Who may connect to listener `listenerId`. A CIDR that is a Terraform reference gets a key
   * of its own (listener and position): the token's text changes between synths and would
   * rename the rule.
   */
  private listenerPeers(allowedCidrs: string[] | undefined, listenerId: string): IPeer[] {
    if (!allowedCidrs) return [this.vipPeer];
    return allowedCidrs.map((cidr, i) =>
      isUnresolved(cidr)
        ? {
            peerKind: 'cidr',
            cidr,
            ethertype: 'IPv4',
            isWorld: false,
            uniqueId: `allowed-cidr:${this.lbName}-${listenerId}-${i + 1}`,
            label: `allowed CIDR ${i + 1} of listener '${listenerId}' of ${this.node.path}`,
          }
        : Peer.cidr(cidr),
    );
  }

  /** `allowed_cidrs` to write: amphora from API 2.12; the VIP subnet when none are given. */
  private allowedCidrsOf(allowedCidrs: string[] | undefined): string[] | undefined {
    if (!this.features.allowedCidrs || !octaviaApiAtLeast(this.api, '2.12')) return undefined;
    return allowedCidrs ? [...allowedCidrs] : [this.network.subnet.cidr];
  }

  private insertHeadersOf(given: OctaviaInsertHeaders | undefined): Record<string, string> | undefined {
    if (!this.features.headerInsertion) return undefined;
    const proto = given?.forwardedProto ?? octaviaApiAtLeast(this.api, '2.1');
    const headers: Record<string, string> = {};
    if (given?.forwardedFor ?? true) headers['X-Forwarded-For'] = 'true';
    if (given?.forwardedPort) headers['X-Forwarded-Port'] = 'true';
    if (proto) headers['X-Forwarded-Proto'] = 'true';
    return headers;
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
    poolState(pool).targets.push(target);
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

  private checkPortFree(path: string, port: number): void {
    const used = [
      ...this.model.listeners.flatMap((l) => listenerPorts(l.options)),
      ...this.metricsListeners.map((m) => m.port),
    ];
    if (used.includes(port)) {
      throw new ValidationError({
        path,
        what: 'port',
        value: port,
        allowed: `a port no other listener of this balancer uses (in use: ${used.join(', ')})`,
        fix: 'give each listener its own port',
      });
    }
  }

  private checkCidrFamilies(path: string, allowedCidrs: string[] | undefined): void {
    const subnet = this.network.subnet.cidrKnown ? parseCidr(this.network.subnet.cidr) : undefined;
    if (!subnet || !allowedCidrs) return;
    for (const cidr of allowedCidrs) {
      const parsed = isUnresolved(cidr) ? undefined : parseCidr(cidr);
      if (parsed && parsed.version !== subnet.version) {
        throw new ValidationError({
          path,
          what: 'allowedCidrs entry',
          value: cidr,
          allowed: `IPv${subnet.version} CIDRs (the VIP ${this.network.subnet.cidr} is IPv${subnet.version}; Octavia refuses other families)`,
          fix: `drop ${cidr}, or put the balancer on a dual-stack VIP`,
        });
      }
    }
  }

  private validatePool(path: string, options: OctaviaPoolOptions): void {
    const driver = this.driver;
    const protocol = options.protocol ?? 'http';
    if (driver === 'ovn' && protocol !== 'tcp' && protocol !== 'udp') {
      requireCapability(this.capabilities, path, 'pool protocol', protocol, false, ['tcp', 'udp'], 'http');
    }
    const algorithm = options.algorithm ?? Algorithm.roundRobin();
    if (algorithm.kind === 'source-ip-port') {
      requireOctaviaApi(path, 'SOURCE_IP_PORT', this.api, 'use Algorithm.sourceIp()');
    }
    if (options.proxyProtocol !== undefined) {
      requireOctaviaDriver(
        path,
        driver,
        this.features.proxyProtocol,
        'proxyProtocol',
        options.proxyProtocol,
        'no proxyProtocol',
        'drop proxyProtocol (the ovn driver forwards packets unchanged, so members already see the client address)',
      );
      if (options.proxyProtocol !== 'v1' && options.proxyProtocol !== 'v2') {
        throw new ValidationError({
          path,
          what: 'proxyProtocol',
          value: options.proxyProtocol,
          allowed: '"v1" (PROXY) or "v2" (PROXYV2)',
          fix: 'choose the PROXY protocol version your members parse',
        });
      }
      if (protocol !== 'http' && protocol !== 'tcp') {
        throw new ValidationError({
          path,
          what: 'proxyProtocol with pool protocol',
          value: protocol,
          allowed: 'protocol "http" or "tcp" (the PROXY header precedes the plain stream)',
          fix: 'use protocol "tcp" with proxyProtocol',
        });
      }
      if (options.proxyProtocol === 'v2')
        requireOctaviaApi(path, 'PROXYV2 pools', this.api, 'use proxyProtocol "v1"');
    }
    const sticky = options.stickiness;
    if (sticky && sticky.kind !== 'source-ip' && protocol !== 'http') {
      throw new ValidationError({
        path,
        what: 'cookie stickiness on a pool of protocol',
        value: protocol,
        allowed: 'protocol "http" (the amphora must read the HTTP stream to see cookies)',
        fix: 'terminate TLS at the listener and use an http pool, or use Stickiness.sourceIp()',
      });
    }
    if (sticky?.kind === 'insert-cookie') {
      if (sticky.cookieName !== 'SERVERID' || sticky.maxAgeSeconds !== undefined) {
        throw new ValidationError({
          path,
          what: 'insert-cookie options (Octavia)',
          value: `${sticky}${sticky.maxAgeSeconds !== undefined ? ` maxAgeSeconds ${sticky.maxAgeSeconds}` : ''}`,
          allowed:
            'Stickiness.insertCookie() without name or maxAge (Octavia inserts a session cookie named SRV)',
          fix: 'use Stickiness.insertCookie(), or HaproxyBalancer for a named or long-lived cookie',
        });
      }
    }
    const active = options.healthCheck?.active;
    if (active) this.validateMonitor(path, options, active);
  }

  private validateMonitor(
    path: string,
    options: OctaviaPoolOptions,
    active: NonNullable<NonNullable<PoolOptions['healthCheck']>['active']>,
  ): void {
    const type = monitorTypeOf(options);
    const protocol = options.protocol ?? 'http';
    requireOctaviaDriver(
      path,
      this.driver,
      this.features.monitorTypes.includes(type),
      'health monitor type',
      type,
      'TCP, UDP-CONNECT',
      'the ovn driver runs TCP and UDP-CONNECT monitors only: use healthCheck.active.protocol "tcp" (UDP pools get UDP-CONNECT), or driver "amphora" for HTTP checks',
    );
    if (protocol === 'udp' && type !== 'UDP-CONNECT') {
      if (type === 'HTTPS') {
        throw new ValidationError({
          path,
          what: 'health monitor type on a udp pool',
          value: type,
          allowed: 'UDP-CONNECT (the default), TCP or HTTP',
          fix: 'leave healthCheck.active.protocol out for UDP-CONNECT, or use "tcp"/"http"',
        });
      }
      requireOctaviaApi(
        path,
        'HTTP and TCP monitors on UDP pools',
        this.api,
        'leave healthCheck.active.protocol out (UDP-CONNECT)',
      );
    }
    if (type !== 'HTTP' && type !== 'HTTPS') {
      for (const [what, value] of [
        ['path', active.path],
        ['method', active.method],
        ['expectedCodes', active.expectedCodes],
      ] as const) {
        if (value !== undefined) {
          throw new ValidationError({
            path,
            what: `healthCheck.active.${what} on a ${type} monitor`,
            value,
            allowed: 'path, method and expectedCodes only with an HTTP or HTTPS monitor',
            fix: `drop healthCheck.active.${what}, or set healthCheck.active.protocol "http"`,
          });
        }
      }
    }
    for (const [what, value] of [
      ['intervalSeconds', active.intervalSeconds],
      ['timeoutSeconds', active.timeoutSeconds],
    ] as const) {
      if (value !== undefined) {
        checkInteger(
          path,
          `healthCheck.active.${what}`,
          value,
          1,
          86400,
          'Octavia monitors count whole seconds: round it, e.g. 5',
        );
      }
    }
    if (
      active.expectedCodes !== undefined &&
      !/^([1-5][0-9]{2}(,[1-5][0-9]{2})*|[1-5][0-9]{2}-[1-5][0-9]{2})$/.test(active.expectedCodes)
    ) {
      throw new ValidationError({
        path,
        what: 'healthCheck.active.expectedCodes (Octavia)',
        value: active.expectedCodes,
        allowed:
          'one code, a list or one range: "200", "200,204", "200-399" (Octavia does not mix lists and ranges)',
        fix: 'write a single range or a list of codes',
      });
    }
  }

  private validateListener(path: string, options: OctaviaListenerOptions): void {
    const driver = this.driver;
    const features = this.features;
    const caps = this.capabilities;
    const tls = options.tls;
    for (const p of listenerPorts(options)) this.checkPortFree(path, p);
    if (options.rateLimitPerSecond !== undefined) {
      throw new ValidationError({
        path,
        what: `rateLimitPerSecond (${caps.backend})`,
        value: options.rateLimitPerSecond,
        allowed:
          'no rate limit (Octavia has no request rate limiting; connectionLimit caps concurrent connections)',
        fix: 'drop rateLimitPerSecond and use connectionLimit, or NginxBalancer/HaproxyBalancer for per-client rate limits',
      });
    }
    const protocol = listenerProtocolOf(
      driver,
      options.protocol ?? (tls && tls.mode !== 'passthrough' ? 'https' : 'http'),
      tls,
    );
    this.checkPoolProtocol(path, protocol, 'defaultPool', options.defaultPool);
    for (const [i, rule] of (options.rules ?? []).entries()) {
      const where = `${path} rule ${i + 1}`;
      this.checkPoolProtocol(where, protocol, 'pool', rule.pool);
      if (rule.header && rule.header.value === undefined) {
        throw new ValidationError({
          path: where,
          what: 'header rule without a value (Octavia)',
          value: rule.header.name,
          allowed: 'a header name with a value: Octavia compares the value (HEADER EQUAL_TO)',
          fix: `give header: { name: ${JSON.stringify(rule.header.name)}, value: "…" }, or use NginxBalancer/HaproxyBalancer to match presence`,
        });
      }
      if (
        rule.header?.value !== undefined &&
        !isUnresolved(rule.header.value) &&
        !/^[\x21-\x7e]+$/.test(rule.header.value)
      ) {
        throw new ValidationError({
          path: where,
          what: 'header value',
          value: rule.header.value,
          allowed: "visible ASCII characters without spaces (Octavia's header value syntax)",
          fix: 'match a value without spaces, e.g. a token or an id',
        });
      }
    }
    const slugs = (options.rules ?? []).map(ruleSlug);
    for (const [i, slug] of slugs.entries()) {
      if (slugs.indexOf(slug) !== i) {
        throw new ValidationError({
          path: `${path} rule ${i + 1}`,
          what: 'rule',
          value: slug,
          allowed: 'rules that differ in pool or condition',
          fix: 'drop the duplicate rule (the first one already matches these requests)',
        });
      }
    }
    this.checkCidrFamilies(path, options.allowedCidrs);
    if (options.allowedCidrs === undefined || !options.allowedCidrs.every(isWorldCidr)) {
      if (features.allowedCidrs && !octaviaApiAtLeast(this.api, '2.12')) {
        requireOctaviaApi(
          path,
          'allowed_cidrs',
          this.api,
          'the amphora would accept anyone who can reach the VIP: say allowedCidrs: ["0.0.0.0/0"] to accept that',
        );
      }
    }
    const httpLevel = protocol === 'HTTP' || protocol === 'TERMINATED_HTTPS';
    const headers = options.insertHeaders;
    if (headers !== undefined) {
      requireOctaviaDriver(
        path,
        driver,
        features.headerInsertion,
        'insertHeaders',
        headers,
        'no insertHeaders',
        'drop insertHeaders (the ovn driver does not speak HTTP), or use driver "amphora"',
      );
      if (!httpLevel) {
        throw new ValidationError({
          path,
          what: 'insertHeaders on a listener of protocol',
          value: protocol,
          allowed: 'HTTP or TERMINATED_HTTPS listeners (the amphora must parse HTTP to insert headers)',
          fix: 'drop insertHeaders, or use proxyProtocol on the pool to pass the client address on layer 4',
        });
      }
      if (headers.forwardedProto) {
        requireOctaviaApi(
          path,
          'X-Forwarded-Proto header insertion',
          this.api,
          'drop insertHeaders.forwardedProto',
        );
      }
    }
    if (options.timeouts !== undefined) {
      requireOctaviaDriver(
        path,
        driver,
        features.listenerTimeouts,
        'timeouts',
        options.timeouts,
        'no timeouts',
        'drop timeouts (the ovn driver has none), or use driver "amphora"',
      );
      requireOctaviaApi(path, 'listener timeouts', this.api, 'drop timeouts');
      for (const [what, value] of Object.entries(options.timeouts)) {
        if (value === undefined || isUnresolved(value)) continue;
        if (
          typeof value !== 'number' ||
          !Number.isFinite(value) ||
          value < 0 ||
          value > MAX_TIMEOUT_SECONDS
        ) {
          throw new ValidationError({
            path,
            what: `timeouts.${what}`,
            value,
            allowed: `seconds from 0 to ${MAX_TIMEOUT_SECONDS} (24 days, Octavia's maximum)`,
            fix: 'give the timeout in seconds, e.g. 50 or 0.5',
          });
        }
      }
    }
    if (options.connectionLimit !== undefined) {
      requireOctaviaDriver(
        path,
        driver,
        features.connectionLimit,
        'connectionLimit',
        options.connectionLimit,
        'no connectionLimit',
        'drop connectionLimit (the ovn driver has none), or use driver "amphora"',
      );
      checkInteger(
        path,
        'connectionLimit',
        options.connectionLimit,
        1,
        2147483647,
        'give the most concurrent connections, or leave it out for unlimited',
      );
    }
    const terminated = protocol === 'TERMINATED_HTTPS';
    const tlsOnly: Array<[string, unknown, Parameters<typeof requireOctaviaApi>[1]]> = [
      ['tls.versions', tls?.versions, 'TLS versions'],
      ['tlsCiphers', options.tlsCiphers, 'TLS ciphers'],
      ['tls.hstsMaxAgeSeconds', tls?.hstsMaxAgeSeconds, 'HSTS'],
    ];
    for (const [what, value, feature] of tlsOnly) {
      if (value === undefined) continue;
      if (!terminated) {
        throw new ValidationError({
          path,
          what: `${what} on a listener of protocol`,
          value: protocol,
          allowed: 'a TLS-terminating listener (TERMINATED_HTTPS); a passthrough listener never sees TLS',
          fix: `drop ${what}, or terminate TLS at the balancer (tls.certificate with a Barbican container)`,
        });
      }
      requireOctaviaApi(path, feature, this.api, `drop ${what}`);
    }
    if (
      options.tlsCiphers !== undefined &&
      !isUnresolved(options.tlsCiphers) &&
      !/^[A-Za-z0-9!+@:._=-]+$/.test(options.tlsCiphers)
    ) {
      throw new ValidationError({
        path,
        what: 'tlsCiphers',
        value: options.tlsCiphers,
        allowed:
          'an OpenSSL cipher string such as "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"',
        fix: 'separate ciphers with ":" and no spaces',
      });
    }
    if (tls?.hstsMaxAgeSeconds !== undefined) {
      checkInteger(
        path,
        'tls.hstsMaxAgeSeconds',
        tls.hstsMaxAgeSeconds,
        0,
        2147483647,
        'give the HSTS max-age in seconds, e.g. 31536000',
      );
    }
    if ((options.hstsIncludeSubdomains || options.hstsPreload) && tls?.hstsMaxAgeSeconds === undefined) {
      throw new ValidationError({
        path,
        what: options.hstsPreload ? 'hstsPreload' : 'hstsIncludeSubdomains',
        value: true,
        allowed: 'together with tls.hstsMaxAgeSeconds',
        fix: 'set tls.hstsMaxAgeSeconds, e.g. 31536000',
      });
    }
    if (tls?.redirectFromPort !== undefined) {
      requireOctaviaDriver(
        path,
        driver,
        features.redirects,
        'tls.redirectFromPort',
        tls.redirectFromPort,
        'no redirect listener (layer 4 only)',
        'the ovn driver has no HTTP listeners or L7 redirects; drop redirectFromPort, or use driver "amphora"',
      );
      const prefix = options.redirectPrefix;
      if (
        prefix === undefined ||
        (!isUnresolved(prefix) && !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/.test(prefix))
      ) {
        throw new ValidationError({
          path,
          what: 'redirectPrefix',
          value: prefix,
          allowed: 'the scheme and host of the HTTPS site, e.g. "https://www.example.org" (no path)',
          fix: "give redirectPrefix: Octavia's REDIRECT_PREFIX prepends it to the request path and cannot reuse the request's host",
        });
      }
    } else if (options.redirectPrefix !== undefined) {
      throw new ValidationError({
        path,
        what: 'redirectPrefix',
        value: options.redirectPrefix,
        allowed: 'only together with tls.redirectFromPort',
        fix: 'set tls.redirectFromPort (e.g. 80), or drop redirectPrefix',
      });
    }
  }

  private checkPoolProtocol(
    path: string,
    listener: OctaviaListenerProtocol,
    what: string,
    pool: IBalancerPool,
  ): void {
    const own = this.poolMap.get(pool.name);
    if (!own) return;
    const accepted = OCTAVIA_LISTENER_POOL_PROTOCOLS[listener];
    if (!accepted.includes(own.octaviaProtocol)) {
      throw new ValidationError({
        path,
        what: `${what} '${pool.name}' of protocol`,
        value: own.octaviaProtocol,
        allowed: `pools of protocol ${accepted.join(', ')} behind a ${listener} listener`,
        fix:
          listener === 'HTTPS' || listener === 'TCP'
            ? 'give the pool protocol "tcp" (or "https" for a passthrough pool)'
            : listener === 'UDP'
              ? 'give the pool protocol "udp"'
              : 'give the pool protocol "http" (the balancer speaks plain HTTP to members after terminating TLS)',
      });
    }
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function poolProtocolOf(options: OctaviaPoolOptions): OctaviaPoolProtocol {
  if (options.proxyProtocol === 'v2') return 'PROXYV2';
  if (options.proxyProtocol === 'v1') return 'PROXY';
  switch (options.protocol ?? 'http') {
    case 'https':
      return 'HTTPS';
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    default:
      return 'HTTP';
  }
}

function listenerProtocolOf(
  driver: OctaviaDriver,
  protocol: ListenerProtocol,
  tls: ListenerTls | undefined,
): OctaviaListenerProtocol {
  if (tls?.mode === 'passthrough') return driver === 'ovn' ? 'TCP' : 'HTTPS';
  switch (protocol) {
    case 'https':
      return 'TERMINATED_HTTPS';
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    default:
      return 'HTTP';
  }
}

/**
 * The monitor type: `healthCheck.active.protocol` when given; else HTTP when a path, method or
 * expected codes are given; else the pool's (HTTP for http pools, HTTPS for https, TCP for tcp
 * and PROXY pools, UDP-CONNECT for udp).
 */
function monitorTypeOf(options: OctaviaPoolOptions): OctaviaMonitorType {
  const active = options.healthCheck?.active;
  const given = active?.protocol;
  if (given === 'http') return 'HTTP';
  if (given === 'https') return 'HTTPS';
  if (given === 'tcp') return 'TCP';
  const protocol = options.protocol ?? 'http';
  if (protocol === 'https') return 'HTTPS';
  const httpAsked =
    active?.path !== undefined || active?.method !== undefined || active?.expectedCodes !== undefined;
  if (protocol === 'http' || httpAsked) return 'HTTP';
  return protocol === 'udp' ? 'UDP-CONNECT' : 'TCP';
}

/** `to-api-path-api`: a stable key of a rule from its pool and conditions (construct ids). */
function ruleSlug(rule: RoutingRule): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'root';
  const parts = [`to-${rule.pool.name}`];
  if (rule.pathPrefix !== undefined) parts.push(`path-${clean(rule.pathPrefix)}`);
  if (rule.hostName !== undefined) parts.push(`host-${clean(rule.hostName)}`);
  if (rule.header)
    parts.push(
      `header-${clean(rule.header.name)}${rule.header.value !== undefined ? `-${clean(rule.header.value)}` : ''}`,
    );
  if (rule.websocket) parts.push('websocket');
  return parts.join('-');
}
