/**
 * The balancer topology record: what a balancer is made of (listeners, pools, members, the
 * resources behind them, who may reach each listener), written by every balancer backend into
 * the `"//"` block of one of its resources at synth. `webfarm review` reads it from `cdk.tf.json`
 * (imported type-only), so no review depends on the wording of rendered configuration files or
 * on a backend's resource types.
 */
import { IResolveContext, Lazy, TerraformResource, Token } from './cdk';
import { resolveReferences } from './escape';
import { isUnresolved } from './tokens';
import { HealthCheck } from './balancing';
import { IBalancerListener, IBalancerPool } from './balancer';

/** The key under a resource's `"//"` block that holds a {@link BalancerTopology}. */
export const TOPOLOGY_KEY = 'webfarm-topology';

/** Who keeps a pool's member list. */
export type PoolManagement =
  /** The members are in the Terraform configuration (every member change is a plan). */
  | 'terraform'
  /** The members are added and removed at run time on the balancer (not by Terraform). */
  | 'runtime';

/** One member (node) of a pool in a {@link BalancerTopology}. */
export interface TopologyMember {
  /** Node name, unique in the pool. */
  readonly name: string;
  /** Address as written in the stack: a literal, or a Terraform reference (`${…}`). */
  readonly host: string;
  /** Port on the node. */
  readonly port: number;
  /**
   * Relative share of traffic.
   * @default - 1
   */
  readonly weight?: number;
  /**
   * Used only when the other members are down.
   * @default false
   */
  readonly backup?: boolean;
  /**
   * Address of the resource that registers the member (Octavia's members resource).
   * @default - none: the member is a line of the balancer's configuration
   */
  readonly resource?: string;
}

/** One pool of a {@link BalancerTopology}. */
export interface TopologyPool {
  /** Pool name. */
  readonly name: string;
  /** Protocol spoken to the members (`http`, `https`, `tcp`, `udp`). */
  readonly protocol: string;
  /** Algorithm (`round-robin`, `hash-header(machineid)`, …). */
  readonly algorithm: string;
  /**
   * Health check summary (`active HTTP GET /health every 5s`, `passive max_fails=3 30s`).
   * @default - none
   */
  readonly healthCheck?: string;
  /** Who keeps the member list. */
  readonly managed: PoolManagement;
  /**
   * Address of the pool's resource (Octavia pool).
   * @default - none: the pool is a block of the balancer's configuration
   */
  readonly resource?: string;
  /** Members, in name order. */
  readonly members: readonly TopologyMember[];
}

/** One listener of a {@link BalancerTopology}. */
export interface TopologyListener {
  /** Listener name. */
  readonly name: string;
  /** Port clients connect to. */
  readonly port: number;
  /** `http`, `https`, `tcp`, `udp`, … */
  readonly protocol: string;
  /** Pools it sends to: the default pool first, then those of its routing rules. */
  readonly pools: readonly string[];
  /**
   * Networks the security group admits to the port (exposure): `allowedCidrs`, else the
   * balancer's own subnet. Literal CIDRs or Terraform references.
   */
  readonly reachableFrom: readonly string[];
  /**
   * Other ports the listener occupies (an HTTP → HTTPS redirect port).
   * @default - none
   */
  readonly extraPorts?: readonly number[];
  /**
   * Address of the listener's resource (Octavia listener).
   * @default - none: the listener is a block of the balancer's configuration
   */
  readonly resource?: string;
}

/** One host of a self-hosted balancer. */
export interface TopologyHost {
  /** Host name. */
  readonly name: string;
  /** Address of its instance. */
  readonly instance: string;
  /** Address of its network port. */
  readonly port: string;
}

/** What one balancer is made of, as recorded in the synthesized stack. */
export interface BalancerTopology {
  /** Construct path of the balancer (its identity across changes). */
  readonly balancer: string;
  /** Backend: `nginx`, `haproxy`, `octavia`, … */
  readonly backend: string;
  /** Display name: the host name(s) or the load balancer's name. */
  readonly name: string;
  /** The hosts of a self-hosted balancer (none for a managed one). */
  readonly hosts: readonly TopologyHost[];
  /**
   * Address of the virtual IP's port shared by a keepalived pair.
   * @default - none
   */
  readonly virtualIpPort?: string;
  /** Addresses of the resources clients reach it through (ports, VIP port, load balancer). */
  readonly entries: readonly string[];
  /** Addresses of its security groups. */
  readonly securityGroups: readonly string[];
  /** Addresses of the resources that make it (instances, pushes, load balancer, listeners, pools). */
  readonly resources: readonly string[];
  /** Listeners, by port. */
  readonly listeners: readonly TopologyListener[];
  /** Pools, in the order they were added. */
  readonly pools: readonly TopologyPool[];
}

/** The Terraform address of a resource (`type.name`). */
export function resourceAddress(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** A health check in a few words. */
export function healthCheckSummary(check: HealthCheck | undefined): string | undefined {
  if (check?.active) {
    const a = check.active;
    const protocol = (a.protocol ?? 'http').toUpperCase();
    const http = protocol === 'HTTP' || protocol === 'HTTPS';
    return `active ${protocol}${http ? ` ${a.method ?? 'GET'} ${a.path ?? '/'}` : ''} every ${a.intervalSeconds ?? 5}s`;
  }
  if (check?.passive) {
    return `passive max_fails=${check.passive.maxFails ?? 3} fail_timeout=${check.passive.failTimeoutSeconds ?? 30}s`;
  }
  return undefined;
}

/** The record of one pool (members in name order). */
export function poolTopology(
  pool: IBalancerPool,
  parts: {
    readonly resource?: string;
    readonly membersResource?: string;
    readonly managed?: PoolManagement;
  } = {},
): TopologyPool {
  const healthCheck = healthCheckSummary(pool.options.healthCheck);
  return {
    name: pool.name,
    protocol: pool.options.protocol ?? 'http',
    algorithm: pool.algorithm.toString(),
    ...(healthCheck ? { healthCheck } : {}),
    managed: parts.managed ?? (pool.options.runtimeManaged ? 'runtime' : 'terraform'),
    ...(parts.resource ? { resource: parts.resource } : {}),
    members: [...pool.nodes]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((n) => ({
        name: n.name,
        host: n.host,
        port: n.port,
        ...(n.weight !== undefined && n.weight !== 1 ? { weight: n.weight } : {}),
        ...(n.backup ? { backup: true } : {}),
        ...(parts.membersResource ? { resource: parts.membersResource } : {}),
      })),
  };
}

/** The record of one listener. */
export function listenerTopology(
  listener: IBalancerListener,
  reachableFrom: readonly string[],
  resource?: string,
): TopologyListener {
  const o = listener.options;
  const pools = [...new Set([o.defaultPool.name, ...(o.rules ?? []).map((r) => r.pool.name)])];
  return {
    name: listener.name,
    port: o.port,
    protocol: listener.protocol,
    pools,
    reachableFrom: [...reachableFrom],
    ...(o.tls?.redirectFromPort !== undefined ? { extraPorts: [o.tls.redirectFromPort] } : {}),
    ...(resource ? { resource } : {}),
  };
}

/**
 * Writes the topology of a balancer under `resource`'s `"//"` block (which Terraform ignores),
 * produced at synth so that pools, members and listeners added later are in it.
 *
 * The record is one JSON text, its references resolved here once each, member addresses once
 * each (see `topologyText`; `webfarm review` decodes it): as an object, cdktf
 * would walk every member of every pool (100,000 at 1,000 workers × 100 pools, ~7 GB of
 * short-lived allocations and +440 MB of peak memory at synth).
 */
export function recordTopology(resource: TerraformResource, produce: () => BalancerTopology): void {
  resource.addOverride(
    `//.${TOPOLOGY_KEY}`,
    Lazy.stringValue({ produce: (context) => topologyText(produce(), context) }),
  );
}

/**
 * `record` as stored: JSON text with its references resolved (JSON-escaped where they land),
 * each distinct member address once in `addresses`, members naming theirs by index (`address`)
 * instead of `host` — a worker in 100 pools is one address, not 100 copies of its reference.
 */
function topologyText(record: BalancerTopology, context: IResolveContext): string {
  const hosts = [...new Set(record.pools.flatMap((p) => p.members.map((m) => m.host)))];
  const resolvedHosts = resolveReferences(hosts, context);
  const addresses: string[] = [];
  const indexOf = new Map<string, number>();
  const indexOfHost = new Map<string, number>();
  hosts.forEach((host, i) => {
    let index = indexOf.get(resolvedHosts[i]);
    if (index === undefined) {
      index = addresses.push(resolvedHosts[i]) - 1;
      indexOf.set(resolvedHosts[i], index);
    }
    indexOfHost.set(host, index);
  });
  const stored = {
    ...record,
    addresses,
    pools: record.pools.map((p) => ({
      ...p,
      members: p.members.map(({ host, ...member }) => ({ ...member, address: indexOfHost.get(host) })),
    })),
  };
  // A number token (a port given as a Terraform variable) is written as its reference text.
  const text = JSON.stringify(stored, (_key, value: unknown) =>
    typeof value === 'number' && isUnresolved(value) ? Token.asString(value) : value,
  );
  return resolveReferences([text], context, (resolved) => JSON.stringify(resolved).slice(1, -1))[0];
}
