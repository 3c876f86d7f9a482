import type { IConstruct } from 'constructs';
import {
  Algorithm,
  BalancerCapabilities,
  HealthCheck,
  PoolTimeouts,
  checkPoolTimeouts,
  ListenerProtocol,
  ListenerTls,
  Stickiness,
} from './balancing';
import { Connections, IConnectable } from './connections';
import { ValidationError } from './errors';
import { checkInteger, checkName, checkNode, checkOneOf, checkPort, checkUnique } from './validate';

/**
 * One member of a pool: nginx `server`, HAProxy `server`, Octavia member. Written `host:port`.
 */
export interface BalancerNode {
  /**
   * Stable name, the key of the node in its pool (construct ids and HAProxy server names derive
   * from it, so adding a node never renames another).
   */
  readonly name: string;
  /** Address or DNS name (may be a Terraform reference, e.g. a worker's IP). */
  readonly host: string;
  /** Port on the node. */
  readonly port: number;
  /**
   * Relative share of traffic.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Only used when every other node is down.
   * @default false
   */
  readonly backup?: boolean;
}

/** Something whose nodes can join a pool (a worker group, a list of external hosts). */
export interface IBalancerTarget {
  /**
   * The nodes this target offers on `port` (the pool's port).
   */
  balancerNodes(port: number): BalancerNode[];
  /**
   * Subscribes to nodes added later: `pool.addTarget` calls it, and the target calls `added`
   * with each new node on `port`, so a pool holds the target's nodes whatever the order of
   * `addTarget` and the target's own changes. Targets whose nodes never change leave it out.
   * @default - the pool keeps the nodes there were at `addTarget`
   */
  onNodesAdded?(port: number, added: (nodes: BalancerNode[]) => void): void;
  /**
   * The target's security groups, when it has any: `pool.addTarget` opens the path from the
   * balancer to these on the pool port.
   */
  readonly connections?: Connections;
}

/**
 * The weight of each node of a target: one number for every node, a map from node name to weight
 * (nodes not named keep weight 1), or a function of the node (`undefined` keeps its weight).
 */
export type NodeWeights =
  number | Readonly<Record<string, number>> | ((node: BalancerNode) => number | undefined);

/** Options of `pool.addTarget(target, options)`. */
export interface TargetOptions {
  /**
   * Relative share of traffic per node (nginx `weight=`, HAProxy `weight`, Octavia member
   * `weight`), e.g. `{ 'nsboot-1': 3, 'nsboot-2': 2, 'nsboot-3': 1 }` or
   * `(node) => (node.name === 'big-1' ? 3 : 1)`. Each weight is an integer from 1 to 256.
   * @default - every node weight 1
   */
  readonly weight?: NodeWeights;
}

/** One server of a worker pool, as other constructs see it. */
export interface WorkerNode {
  /** Stable node name (`web-1`). */
  readonly name: string;
  /** Private IPv4 address (a Terraform reference). */
  readonly privateAddress: string;
  /** True on the one primary node of a group with roles. */
  readonly primary: boolean;
}

/** A group of identical app servers that can sit behind a balancer. */
export interface IWorkerPool extends IBalancerTarget, IConnectable {
  /** The nodes, in name order. */
  readonly nodes: readonly WorkerNode[];
  /** The workers' security groups. */
  readonly connections: Connections;
}

/** Options of `balancer.addPool(id, options)`. */
export interface PoolOptions {
  /** The port the nodes serve on (and the port `addTarget` opens on the targets). */
  readonly port: number;
  /**
   * Protocol spoken to the nodes.
   * @default 'http'
   */
  readonly protocol?: 'http' | 'https' | 'tcp' | 'udp';
  /**
   * How a node is picked.
   * @default Algorithm.roundRobin()
   */
  readonly algorithm?: Algorithm;
  /**
   * Keep a client on one node.
   * @default - none
   */
  readonly stickiness?: Stickiness;
  /**
   * How nodes are judged healthy.
   * @default - passive checks where the backend has them (nginx/HAProxy `max_fails=3 fail_timeout=30s`)
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Idle keep-alive connections kept open to the nodes per worker process (HTTP pools).
   * @default 32
   */
  readonly keepaliveConnections?: number;
  /**
   * The pool's nodes are changed at run time (`webfarm nodes`, `RuntimeBalancer` from
   * `webfarm/runtime`), not by Terraform: the push creates the pool (empty, or with the nodes
   * given at synth) and never overwrites or removes its file while the pool is declared; every
   * later push leaves the nodes as the run-time client left them. Nodes added to it in the stack
   * are only its initial nodes. nginx and HAProxy hosts with SSH delivery only.
   * @default false - Terraform owns the pool: every push makes it exactly what the stack says
   */
  readonly runtimeManaged?: boolean;
  /**
   * Connect and response timeouts of this pool (see {@link PoolTimeouts} for how each backend
   * applies them).
   * @default - the balancer's: connect 3 s, response 30 s (nginx, HAProxy); Octavia's own
   */
  readonly timeouts?: PoolTimeouts;
}

/**
 * A layer-7 rule that sends some requests of a listener to another pool.
 *
 * @typeParam P - how the rule names its pool: the pool itself (`IBalancerPool`) in a stack; the
 * renderers (`lib/config`) also take a pool's name.
 */
export interface RoutingRule<P = IBalancerPool> {
  /** Where matching requests go. */
  readonly pool: P;
  /**
   * Match requests whose path starts with this prefix (`/api/`).
   * @default - any path
   */
  readonly pathPrefix?: string;
  /**
   * Match requests carrying this header (with this exact value when given).
   * @default - any headers
   */
  readonly header?: { readonly name: string; readonly value?: string };
  /**
   * Match requests for this host name.
   * @default - any host
   */
  readonly hostName?: string;
  /**
   * Match websocket upgrade requests (`Upgrade: websocket`).
   * @default false
   */
  readonly websocket?: boolean;
}

/**
 * Options of `balancer.addListener(id, options)`.
 *
 * @typeParam P - how the listener names its pools: the pools themselves (`IBalancerPool`) in a
 * stack; the renderers (`lib/config`) also take a pool's name.
 */
export interface ListenerOptions<P = IBalancerPool> {
  /** The port clients connect to. */
  readonly port: number;
  /**
   * Protocol clients speak.
   * @default 'http' ('https' when `tls` is given)
   */
  readonly protocol?: ListenerProtocol;
  /** Where requests go when no rule matches. */
  readonly defaultPool: P;
  /**
   * Layer-7 rules, checked in order.
   * @default - none
   */
  readonly rules?: RoutingRule<P>[];
  /**
   * TLS termination or passthrough.
   * @default - plain text
   */
  readonly tls?: ListenerTls;
  /**
   * Who may connect. There is no default "anyone": name `['0.0.0.0/0']` to face the internet.
   * @default - only the networks the balancer is on (no public rule)
   */
  readonly allowedCidrs?: string[];
  /**
   * Requests per second per client address before `429`/`503` (`limit_req`, stick-table).
   * @default - no rate limit
   */
  readonly rateLimitPerSecond?: number;
  /**
   * Requests above `rateLimitPerSecond` a client may burst before it is refused (nginx
   * `limit_req … burst=`).
   * @default - nginx's default for webfarm: twice the rate
   */
  readonly rateLimitBurst?: number;
  /**
   * Cache responses at the balancer (nginx `proxy_cache`, a zone per listener).
   * @default - no cache
   */
  readonly cache?: ListenerCache;
  /**
   * Host names this listener answers (nginx `server_name`).
   * @default - every host name
   */
  readonly serverNames?: string[];
  /**
   * Headers set on every request sent to the nodes (literal values).
   * @default - only the forwarding headers (Host, X-Forwarded-*, websocket upgrade)
   */
  readonly requestHeaders?: Readonly<Record<string, string>>;
}

/** A response cache at the balancer. */
export interface ListenerCache {
  /**
   * Largest size on disk, MB.
   * @default 1024
   */
  readonly maxSizeMb?: number;
  /**
   * How long a 200/301/302 response is served from the cache, seconds.
   * @default 600
   */
  readonly validSeconds?: number;
}

/**
 * A listener as data: what the renderers of `lib/config` read. Every `IBalancerListener` is one.
 *
 * @typeParam P - how its options name pools (see {@link ListenerOptions}).
 */
export interface ListenerModel<P = IBalancerPool> {
  /** Its id (unique per balancer). */
  readonly name: string;
  /** Its options. */
  readonly options: ListenerOptions<P>;
}

/** A listener, as the balancer recorded it. */
export interface IBalancerListener extends ListenerModel {
  /** Its options, validated. */
  readonly options: ListenerOptions;
  /** The effective protocol. */
  readonly protocol: ListenerProtocol;
}

/**
 * A pool as data: what the renderers of `lib/config` read (they need no pool port: each node has
 * its own). Every `IBalancerPool` is one.
 */
export interface PoolModel {
  /** Its id (unique per balancer). */
  readonly name: string;
  /** Its options, without the port `addTarget` opens. */
  readonly options: Omit<PoolOptions, 'port'>;
  /** The nodes in the order they were added. */
  readonly nodes: readonly BalancerNode[];
}

/** A pool (nginx `upstream`, HAProxy `backend`, Octavia pool). */
export interface IBalancerPool extends PoolModel {
  /** The port the nodes serve on. */
  readonly port: number;
  /** The pool options, validated. */
  readonly options: PoolOptions;
  /** The effective algorithm. */
  readonly algorithm: Algorithm;
  /**
   * Registers a target's nodes (weighted by `options.weight`) and opens the path balancer →
   * target on the pool port.
   */
  addTarget(target: IBalancerTarget, options?: TargetOptions): void;
  /** Adds nodes (`'host:port'` or {@link BalancerNode}); adding one already there is a no-op. */
  addNodes(nodes: Array<string | BalancerNode>): void;
  /** Removes nodes by `host:port` or name; removing one not there is a no-op. */
  removeNodes(nodes: Array<string | BalancerNode>): void;
}

/**
 * A load balancer: pools of nodes and listeners that route to them. Implemented by
 * `NginxBalancer`, `HaproxyBalancer`, `OctaviaBalancer`, the Docker balancer and
 * `NoopBalancer`. Also the seed deployment tool's balancer interface, with its contract:
 * `getNodes(pool)` is `[]` for a pool that does not exist, `addNodes(pool, nodes)` creates the
 * pool when it does not exist, `deleteNodes(pool, nodes)` succeeds when the pool or a node does
 * not exist; nodes are written `host:port`.
 */
export interface IBalancer extends IConstruct, IConnectable {
  /**
   * The address inside the balancer's network (a host's, a keepalived pair's virtual IP,
   * Octavia's VIP, a container's address on the stack network).
   */
  readonly privateAddress: string;
  /**
   * The address clients outside the network use: the floating IP on OpenStack, the published
   * address (`127.0.0.1`) on Docker.
   * @default - none: the listeners are reachable inside the network only
   */
  readonly publicAddress?: string;
  /** What this backend supports. */
  readonly capabilities: BalancerCapabilities;
  /** The pools, in the order they were added. */
  readonly pools: readonly IBalancerPool[];
  /** The listeners, in the order they were added. */
  readonly listeners: readonly IBalancerListener[];
  /** Adds a pool and returns it. */
  addPool(id: string, options: PoolOptions): IBalancerPool;
  /** Adds a listener and returns it. */
  addListener(id: string, options: ListenerOptions): IBalancerListener;
  /** `host:port` of every node of pool `pool`; `[]` when there is no such pool. */
  getNodes(pool: string): string[];
  /**
   * Adds nodes to pool `pool` (idempotent). When the pool does not exist it is created, with
   * `options` when given, else on the port of the first node (no routing: listeners and rules
   * stay the user's).
   */
  addNodes(pool: string, nodes: string[], options?: PoolOptions): void;
  /** Removes nodes from pool `pool`; a pool or node that does not exist is no error. */
  deleteNodes(pool: string, nodes: string[]): void;
  /**
   * Removes nodes from pool `pool`, as {@link IBalancer.deleteNodes}.
   * @deprecated use `deleteNodes` (the seed interface's name)
   */
  removeNodes(pool: string, nodes: string[]): void;
}

/** Parses `host:port` / `[v6]:port` into a node named after it. */
export function parseNode(path: string, text: string): BalancerNode {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):([0-9]{1,5})$/.exec(text);
  if (!m) {
    throw new ValidationError({
      path,
      what: 'node',
      value: text,
      allowed: '"host:port" or "[ipv6]:port", e.g. "10.0.0.5:8080"',
      fix: 'write the address and the port separated by ":"',
    });
  }
  const port = Number(m[2]);
  checkPort(path, `port of node ${JSON.stringify(text)}`, port);
  return { name: nodeNameOf(m[1], port), host: m[1], port };
}

function nodeNameOf(host: string, port: number): string {
  return `${host.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${port}`;
}

/** `host:port` of a node. */
export function nodeAddress(node: BalancerNode): string {
  return `${node.host}:${node.port}`;
}

/** What a pool asks of the balancer that owns it when a target is added. */
export interface PoolOwner {
  /** Checks a pool's options against the backend (throws ValidationError). */
  validatePool(path: string, options: PoolOptions): void;
  /** Opens the network path from the balancer to a target on `port` (security groups). */
  allowToTarget(target: IBalancerTarget, port: number, poolName: string): void;
  /** Where errors point: the balancer's construct path. */
  readonly path: string;
  /** Called after the pool's nodes changed (owners that cache renderings drop them). */
  changed?(): void;
}

/**
 * The node bookkeeping every backend shares: validated options, nodes keyed by stable names,
 * idempotent add/remove. Backends render from it late, so nodes added after construction count.
 */
export class BalancerPool implements IBalancerPool {
  /** The effective algorithm. */
  public readonly algorithm: Algorithm;
  private readonly byAddress = new Map<string, BalancerNode>();
  /** Node names in use (kept beside `byAddress`, so a name check costs no scan). */
  private readonly names = new Set<string>();

  constructor(
    private readonly owner: PoolOwner,
    /** The pool id. */
    public readonly name: string,
    /** The options. */
    public readonly options: PoolOptions,
  ) {
    const path = `${owner.path} pool '${name}'`;
    checkName(owner.path, 'pool id', name);
    checkOptionsObject(path, 'pool options', options);
    checkPort(path, 'port', options.port);
    if (options.protocol !== undefined)
      checkOneOf(path, 'protocol', options.protocol, ['http', 'https', 'tcp', 'udp'] as const);
    if (options.keepaliveConnections !== undefined) {
      checkInteger(
        path,
        'keepaliveConnections',
        options.keepaliveConnections,
        0,
        10000,
        'give a number of idle connections, e.g. 32, or 0 to disable',
      );
    }
    checkPoolTimeouts(path, options.timeouts);
    this.algorithm = options.algorithm ?? Algorithm.roundRobin();
    owner.validatePool(path, options);
  }

  /** The port the nodes serve on. */
  public get port(): number {
    return this.options.port;
  }

  /** The nodes in the order they were added. */
  public get nodes(): readonly BalancerNode[] {
    return [...this.byAddress.values()];
  }

  /** Registers a target's nodes (weighted) and opens balancer → target on the pool port. */
  public addTarget(target: IBalancerTarget, options: TargetOptions = {}): void {
    const path = `${this.owner.path} pool '${this.name}'`;
    this.addNodes(weighNodes(path, target.balancerNodes(this.port), options.weight));
    target.onNodesAdded?.(this.port, (nodes) => this.addNodes(weighNodes(path, nodes, options.weight)));
    this.owner.allowToTarget(target, this.port, this.name);
  }

  /** Adds nodes; one already present (same `host:port`) is left as it is. */
  public addNodes(nodes: Array<string | BalancerNode>): void {
    const path = `${this.owner.path} pool '${this.name}'`;
    for (const given of nodes) {
      const node = typeof given === 'string' ? parseNode(path, given) : this.checkNode(path, given);
      const address = nodeAddress(node);
      if (this.byAddress.has(address)) continue;
      checkUnique(path, 'node name', node.name, this.names);
      this.byAddress.set(address, node);
      this.names.add(node.name);
      this.owner.changed?.();
    }
  }

  /** Removes nodes by `host:port` or by name; unknown ones are ignored. */
  public removeNodes(nodes: Array<string | BalancerNode>): void {
    for (const given of nodes) {
      const key = typeof given === 'string' ? given : nodeAddress(given);
      const byAddress = this.byAddress.get(key);
      if (byAddress) {
        this.forget(key, byAddress);
        continue;
      }
      for (const [address, node] of this.byAddress) {
        if (node.name === key) this.forget(address, node);
      }
    }
  }

  private forget(address: string, node: BalancerNode): void {
    this.byAddress.delete(address);
    this.names.delete(node.name);
    this.owner.changed?.();
  }

  private checkNode(path: string, node: BalancerNode): BalancerNode {
    checkNode(path, node);
    return node;
  }
}

/** Throws unless `options` is an object (a JavaScript caller may pass nothing or a string). */
export function checkOptionsObject(path: string, what: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError({
      path,
      what,
      value: options,
      allowed: 'an object with at least a port, e.g. { port: 8080 }',
      fix: 'pass the options object as the second argument',
    });
  }
}

/** The listener record every backend shares. */
export class BalancerListener implements IBalancerListener {
  /** The effective protocol. */
  public readonly protocol: ListenerProtocol;

  constructor(
    owner: { readonly path: string },
    /** The listener id. */
    public readonly name: string,
    /** The options. */
    public readonly options: ListenerOptions,
  ) {
    checkName(owner.path, 'listener id', name);
    const path = `${owner.path} listener '${name}'`;
    checkOptionsObject(path, 'listener options', options);
    checkPort(path, 'port', options.port);
    if (options.protocol !== undefined)
      checkOneOf(path, 'protocol', options.protocol, ['http', 'https', 'tcp', 'udp'] as const);
    const pool = options.defaultPool as IBalancerPool | undefined;
    if (pool === null || typeof pool !== 'object' || typeof pool.name !== 'string') {
      throw new ValidationError({
        path,
        what: 'defaultPool',
        value: pool === undefined ? undefined : typeof pool,
        allowed: "a pool returned by this balancer's addPool()",
        fix: 'add the pool first and pass it: addListener(id, { port, defaultPool: pool })',
      });
    }
    this.protocol =
      options.protocol ?? (options.tls && options.tls.mode !== 'passthrough' ? 'https' : 'http');
    if (options.rateLimitPerSecond !== undefined) {
      checkInteger(
        path,
        'rateLimitPerSecond',
        options.rateLimitPerSecond,
        1,
        1000000,
        'give requests per second per client, e.g. 20',
      );
    }
  }
}

/**
 * The weight of each node a target offers, from {@link TargetOptions.weight}: one number for
 * every node, a map by node name (a name the target does not have is an error; nodes not named
 * keep their own weight), or a function of the node.
 */
export function weighNodes(
  path: string,
  nodes: readonly BalancerNode[],
  weight: NodeWeights | undefined,
): BalancerNode[] {
  if (weight === undefined) return [...nodes];
  if (typeof weight === 'number') return nodes.map((n) => ({ ...n, weight }));
  if (typeof weight === 'function') {
    return nodes.map((n) => {
      const w = weight(n);
      return w === undefined ? n : { ...n, weight: w };
    });
  }
  if (weight === null || typeof weight !== 'object' || Array.isArray(weight)) {
    throw new ValidationError({
      path,
      what: 'weight',
      value: weight,
      allowed: 'a number, a map from node name to number, or a function of the node',
      fix: 'e.g. weight: { "nsboot-1": 3, "nsboot-2": 2, "nsboot-3": 1 }',
    });
  }
  const names = new Set(nodes.map((n) => n.name));
  for (const name of Object.keys(weight)) {
    if (!names.has(name)) {
      throw new ValidationError({
        path,
        what: 'weight of node',
        value: name,
        allowed: `a node of the target (${[...names].join(', ') || 'none'})`,
        fix: 'name the nodes as the target names them (a WorkerGroup: "<name>-1", …)',
      });
    }
  }
  return nodes.map((n) => (Object.hasOwn(weight, n.name) ? { ...n, weight: weight[n.name] } : n));
}
