import { Construct } from 'constructs';
import { Lazy } from '../../core/cdk';
import { Algorithm, effectiveProbeTimeout } from '../../core/balancing';
import {
  BalancerNode,
  BalancerPool,
  IBalancerPool,
  IBalancerTarget,
  TargetOptions,
  parseNode,
  weighNodes,
} from '../../core/balancer';
import { LbPoolV2 } from '../../../.gen/providers/openstack/lb-pool-v2';
import { LbMembersV2, lbMembersV2MemberToTerraform } from '../../../.gen/providers/openstack/lb-members-v2';
import { LbMonitorV2 } from '../../../.gen/providers/openstack/lb-monitor-v2';
import { OctaviaPoolProtocol } from './capabilities';
import type { OctaviaListener } from './listener';
import { OctaviaPoolOptions } from './options';
import { LB_METHOD, PERSISTENCE, monitorTypeOf, poolProtocolOf, stripBrackets } from './protocols';

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
  /** The shared bookkeeping (nodes, options). @internal */
  public readonly _inner: BalancerPool;
  /** Targets added, for the ovn driver's client rules. @internal */
  public readonly _targets: IBalancerTarget[] = [];
  /** The listener that names the pool by `listener_id`. @internal */
  public _home?: OctaviaListener;
  private readonly checkMember: (node: BalancerNode) => void;
  private readonly path: string;

  /** Made by {@link OctaviaBalancer.addPool}. @internal */
  constructor(parts: OctaviaPoolParts) {
    this.resource = parts.resource;
    this.members = parts.members;
    this.monitor = parts.monitor;
    this.octaviaProtocol = parts.protocol;
    this._inner = parts.inner;
    this.checkMember = parts.checkMember;
    this.path = parts.path;
  }

  /** The listener that owns this pool by `listener_id` (the first one that made it its default pool). */
  public get home(): OctaviaListener | undefined {
    return this._home;
  }

  /** The pool id. */
  public get name(): string {
    return this._inner.name;
  }

  /** The port the members serve on. */
  public get port(): number {
    return this._inner.port;
  }

  /** The options, validated (with the driver's defaults filled in). */
  public get options(): OctaviaPoolOptions {
    return this._inner.options;
  }

  /** The effective algorithm. */
  public get algorithm(): Algorithm {
    return this._inner.algorithm;
  }

  /** The nodes in the order they were added (members are written in name order). */
  public get nodes(): readonly BalancerNode[] {
    return this._inner.nodes;
  }

  /**
   * Adds the target's nodes as members and opens the target's pool port to the balancer.
   * Members see the amphora's address (source NAT), never a security group, so the rule is a
   * `remote_ip_prefix` of the VIP subnet (a Terraform reference when the subnet was looked up).
   * With the ovn driver members see the clients' own addresses (no source NAT): the port is also
   * opened to each listener's `allowedCidrs` (the only client filter OVN has).
   */
  public addTarget(target: IBalancerTarget, options: TargetOptions = {}): void {
    for (const node of weighNodes(this.path, target.balancerNodes(this.port), options.weight)) {
      this.checkMember(node);
    }
    const subscribe = target.onNodesAdded?.bind(target);
    // Nodes the target adds later are checked as members too, before the pool takes them.
    const checked: IBalancerTarget = {
      connections: target.connections,
      balancerNodes: (port) => target.balancerNodes(port),
      ...(subscribe
        ? {
            onNodesAdded: (port, added) =>
              subscribe(port, (nodes) => {
                for (const node of weighNodes(this.path, nodes, options.weight)) this.checkMember(node);
                added(nodes);
              }),
          }
        : {}),
    };
    this._inner.addTarget(checked, options);
  }

  /** Adds members: `'203.0.113.10:80'` (external, by address) or {@link BalancerNode}s. */
  public addNodes(nodes: Array<string | BalancerNode>): void {
    for (const given of nodes)
      this.checkMember(typeof given === 'string' ? parseNode(this.path, given) : given);
    this._inner.addNodes(nodes);
  }

  /** Removes members by `host:port` or name. */
  public removeNodes(nodes: Array<string | BalancerNode>): void {
    this._inner.removeNodes(nodes);
  }
}

/** The resources of one pool, as {@link createPoolResources} makes them. */
export interface PoolResources {
  /** `Pool-<id>`. */
  readonly resource: LbPoolV2;
  /** `Members-<id>`. */
  readonly members: LbMembersV2;
  /** `Monitor-<id>`, with `healthCheck.active`. */
  readonly monitor?: LbMonitorV2;
  /** Octavia's protocol of the pool. */
  readonly protocol: OctaviaPoolProtocol;
}

/** Where a pool's resources read what is known only at synth. */
export interface PoolResourceInputs {
  /** The load balancer's name in the cloud (resources are named `<lbName>-<id>`). */
  readonly lbName: string;
  /** Where messages about the pool point (also its description). */
  readonly path: string;
  /** The load balancer's id. */
  readonly loadBalancerId: string;
  /** The pool, once made (its home listener and nodes are read at synth). */
  readonly pool: () => OctaviaPool | undefined;
}

/**
 * Creates `Pool-<id>`, `Members-<id>` and, with `healthCheck.active`, `Monitor-<id>` in `scope`
 * for validated options. The pool names its home listener by `listener_id` when it has one and
 * the load balancer otherwise; the members are written in node name order.
 */
export function createPoolResources(
  scope: Construct,
  id: string,
  options: OctaviaPoolOptions,
  algorithm: Algorithm,
  inputs: PoolResourceInputs,
): PoolResources {
  const protocol = poolProtocolOf(options);
  const stickiness = options.stickiness;
  const resource = new LbPoolV2(scope, `Pool-${id}`, {
    name: `${inputs.lbName}-${id}`,
    description: `managed by webfarm: ${inputs.path}`,
    protocol,
    lbMethod: LB_METHOD[algorithm.kind] ?? 'ROUND_ROBIN',
    listenerId: Lazy.stringValue({ produce: () => inputs.pool()?.home?.resource.id }),
    loadbalancerId: Lazy.stringValue({
      produce: () => (inputs.pool()?.home ? undefined : inputs.loadBalancerId),
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
  const members = new LbMembersV2(scope, `Members-${id}`, {
    poolId: resource.id,
    member: Lazy.anyValue({ produce: () => memberBlocks(inputs.pool()) }, { omitEmptyArray: true }),
  });
  const active = options.healthCheck?.active;
  let monitor: LbMonitorV2 | undefined;
  if (active) {
    const type = monitorTypeOf(options);
    const http = type === 'HTTP' || type === 'HTTPS';
    monitor = new LbMonitorV2(scope, `Monitor-${id}`, {
      name: `${inputs.lbName}-${id}`,
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
  return { resource, members, monitor, protocol };
}

function memberBlocks(pool: OctaviaPool | undefined): unknown[] {
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
