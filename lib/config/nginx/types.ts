import {
  Algorithm,
  HealthCheck,
  ListenerProtocol,
  ListenerTls,
  PoolTimeouts,
  Stickiness,
} from '../../core/balancing';
import { PoolRef } from '../proxy-common';

/** A pool named by its name, or any object with a `name` (an `IBalancerPool`). */
export type NginxPoolRef = PoolRef;

/** One node of a pool: an nginx `server` line. */
export interface NginxNode {
  /** Stable name, printed as a comment after the `server` line. */
  readonly name: string;
  /** Address or DNS name; may be a Terraform reference (a worker's IP). */
  readonly host: string;
  /** Port on the node. */
  readonly port: number;
  /**
   * Relative share of traffic (`weight=`).
   * @default 1
   */
  readonly weight?: number;
  /**
   * Used only when every other node is down (`backup`); round robin and least connections only.
   * @default false
   */
  readonly backup?: boolean;
}

/** A pool: an nginx `upstream` (in `http`, or in `stream` for tcp/udp). */
export interface NginxPool {
  /** Pool name (lowercase letters, digits, `-`); the upstream's name. */
  readonly name: string;
  /**
   * What the nodes speak: `http`/`https` pools live in the `http` block, `tcp`/`udp` pools in
   * `stream`.
   * @default 'http'
   */
  readonly protocol?: 'http' | 'https' | 'tcp' | 'udp';
  /**
   * How a node is picked.
   * @default Algorithm.roundRobin()
   */
  readonly algorithm?: Algorithm;
  /**
   * Stickiness: only `Stickiness.sourceIp()` (rendered as `ip_hash`) exists in open-source nginx.
   * @default - none
   */
  readonly stickiness?: Stickiness;
  /**
   * Health checks: passive only (`max_fails`/`fail_timeout`).
   * @default - passive, maxFails 3, failTimeoutSeconds 30
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Idle keep-alive connections to the nodes cached per worker (`keepalive`); 0 disables.
   * @default 32
   */
  readonly keepaliveConnections?: number;
  /**
   * This pool's connect and response timeouts. nginx sets timeouts per `location`: a listener's
   * location gets its default pool's; when its rules reach pools with other timeouts, it gets
   * the longest of each (so no pool's requests are cut short). `responseSeconds` is
   * `proxy_read_timeout` and `proxy_send_timeout`; a stream (tcp/udp) listener takes
   * `connectSeconds` as `proxy_connect_timeout` and `responseSeconds` as `proxy_timeout`.
   * @default - the host's {@link NginxTimeouts}
   */
  readonly timeouts?: PoolTimeouts;
  /** The nodes; an empty pool answers 502 until nodes are added. */
  readonly nodes: readonly NginxNode[];
  /**
   * Changed at run time (`webfarm nodes`): the file says so and records the options the
   * run-time client gives the servers it adds (`# webfarm:server-options max_fails=3 …`).
   * @default false
   */
  readonly runtimeManaged?: boolean;
}

/** A layer-7 rule: requests matching every given condition go to `pool`. */
export interface NginxRoutingRule {
  /** Where matching requests go (an http/https pool). */
  readonly pool: NginxPoolRef;
  /**
   * The raw request path starts with this prefix (`/api/`).
   * @default - any path
   */
  readonly pathPrefix?: string;
  /**
   * The request carries this header (with this exact, case-sensitive value when given).
   * @default - any headers
   */
  readonly header?: { readonly name: string; readonly value?: string };
  /**
   * The request is for this host (`api.example.org`; `*.example.org` for any subdomain).
   * @default - any host
   */
  readonly hostName?: string;
  /**
   * The request is a websocket upgrade (`Upgrade: websocket`).
   * @default false
   */
  readonly websocket?: boolean;
}

/** Response caching on a listener (`proxy_cache`). */
export interface NginxCache {
  /**
   * Largest size of the cache on disk, in megabytes (`max_size`).
   * @default 1024
   */
  readonly maxSizeMb?: number;
  /**
   * How long a 200/301/302 response is served from the cache (`proxy_cache_valid`).
   * @default 600
   */
  readonly validSeconds?: number;
}

/** A listener: an nginx `server` (in `http`, or in `stream` for tcp/udp). */
export interface NginxListener {
  /** Listener name (lowercase letters, digits, `-`); names its file. */
  readonly name: string;
  /** The port clients connect to. */
  readonly port: number;
  /**
   * The local address to listen on.
   * @default - every address
   */
  readonly bindAddress?: string;
  /**
   * What clients speak.
   * @default 'http' ('https' when `tls` terminates)
   */
  readonly protocol?: ListenerProtocol;
  /** Where requests go when no rule matches. */
  readonly defaultPool: NginxPoolRef;
  /**
   * Layer-7 rules, checked in order; the first rule whose conditions all hold wins (as HAProxy's
   * `use_backend` lines and Octavia's L7 policies). Rendered as a chain of `map`s, one per
   * condition, that picks the upstream for `proxy_pass`: nginx `location` prefixes would pick the
   * longest match instead of the first rule, and `server_name` blocks could not combine a host
   * with a header.
   * @default - none
   */
  readonly rules?: readonly NginxRoutingRule[];
  /**
   * TLS termination (certificate files on the host) or passthrough (a `tcp` listener).
   * @default - plain text
   */
  readonly tls?: ListenerTls;
  /**
   * Client networks allowed to connect (`allow …; deny all;`).
   * @default - anyone who can reach the port
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Requests per second per client address (`limit_req`); excess requests get 429.
   * @default - no rate limit
   */
  readonly rateLimitPerSecond?: number;
  /**
   * Requests above the rate that are still served at once (`burst=`, `nodelay`).
   * @default - the rate (one second's worth)
   */
  readonly rateLimitBurst?: number;
  /**
   * Cache responses at the balancer.
   * @default - no cache
   */
  readonly cache?: NginxCache;
  /**
   * Host names this listener answers (`server_name`).
   * @default - any host (`_`)
   */
  readonly serverNames?: readonly string[];
  /**
   * Extra headers set on every proxied request (`proxy_set_header`); values are literal text.
   * @default - none
   */
  readonly requestHeaders?: Readonly<Record<string, string>>;
}

/** Where nginx's files live on the host. */
export interface NginxPaths {
  /**
   * Configuration folder: `nginx.conf` and `webfarm/` go here.
   * @default '/etc/nginx'
   */
  readonly confDir?: string;
  /**
   * Log folder (`access.log`, `error.log`, `stream.log`).
   * @default '/var/log/nginx'
   */
  readonly logDir?: string;
  /**
   * The master's pid file.
   * @default '/run/nginx.pid'
   */
  readonly pidFile?: string;
  /**
   * Folder for request bodies and proxied responses buffered to disk.
   * @default '/var/lib/nginx'
   */
  readonly tempDir?: string;
  /**
   * Folder that holds the listeners' response caches (`cache-<listener>` each; nginx creates
   * those, not this folder).
   * @default '/var/lib/nginx'
   */
  readonly cacheDir?: string;
  /**
   * Dynamic modules to load (Debian: the stream module comes from `libnginx-mod-stream`);
   * `false` when the binary has them built in.
   * @default '/etc/nginx/modules-enabled/*.conf'
   */
  readonly modulesInclude?: string | false;
}

/** The `stub_status` page. */
export interface NginxStatus {
  /**
   * Port of the status server.
   * @default 8081
   */
  readonly port?: number;
  /**
   * Path of the status page.
   * @default '/nginx_status'
   */
  readonly path?: string;
  /**
   * Networks besides this host (127.0.0.1, ::1) that may read it; when given, the status server
   * listens on every address, otherwise on 127.0.0.1 only.
   * @default - this host only
   */
  readonly adminCidrs?: readonly string[];
}

/** Timeouts towards the nodes. */
export interface NginxTimeouts {
  /**
   * Establishing a connection to a node (`proxy_connect_timeout`).
   * @default 3
   */
  readonly connectSeconds?: number;
  /**
   * Between two reads of a node's response (`proxy_read_timeout`): a node that accepts and never
   * answers costs a request this long before it is tried on the next node.
   * @default 30
   */
  readonly readSeconds?: number;
  /**
   * Between two writes of the request to a node (`proxy_send_timeout`).
   * @default 30
   */
  readonly sendSeconds?: number;
  /**
   * How long a request may keep moving to the next node (`proxy_next_upstream_timeout`): once
   * it has spent this long, no further node is tried. The default lets a request that timed out
   * on one node try the next, but not a third: a client waits at most about twice the read
   * timeout even when every node hangs.
   * @default - the connect plus the read timeout
   */
  readonly nextUpstreamSeconds?: number;
}

/** The typed model of one nginx balancer host. */
export interface NginxConfig {
  /** The pools (one file each). */
  readonly pools: readonly NginxPool[];
  /** The listeners (one file each). */
  readonly listeners: readonly NginxListener[];
  /**
   * Where files go.
   * @default - the Debian layout (see {@link NginxPaths})
   */
  readonly paths?: NginxPaths;
  /**
   * Unix user of the worker processes.
   * @default 'www-data'
   */
  readonly user?: string;
  /**
   * Connections per worker process (`worker_connections`); a proxied request uses two.
   * @default 4096
   */
  readonly workerConnections?: number;
  /**
   * The `stub_status` server; `false` for none.
   * @default - on 127.0.0.1:8081 at /nginx_status
   */
  readonly status?: NginxStatus | false;
  /**
   * Include the `stream` block for tcp/udp pools and listeners, even while there are none, so
   * that adding the first one does not change the base file (DESIGN decision 5). It needs nginx's
   * stream module (on Debian the package `libnginx-mod-stream`); `false` for a host without it,
   * which then rejects tcp/udp pools.
   * @default true
   */
  readonly stream?: boolean;
  /**
   * Timeouts towards the nodes.
   * @default - connect 3 s, read 30 s, send 30 s, next upstream 33 s
   */
  readonly timeouts?: NginxTimeouts;
  /**
   * How many nodes a request may be tried on (`proxy_next_upstream_tries`).
   * @default 3
   */
  readonly nextUpstreamTries?: number;
}

/** Where {@link renderNginx} puts things, for a deliverer that syncs folders. */
export interface NginxLayout {
  /** The base file: `<confDir>/nginx.conf`. */
  readonly mainConfig: string;
  /** One `<pool>.conf` per http pool (the folder is wholly webfarm's). */
  readonly poolsDir: string;
  /** One `<listener>.conf` per http listener. */
  readonly listenersDir: string;
  /** One `<pool>.conf` per tcp/udp pool. */
  readonly streamPoolsDir: string;
  /** One `<listener>.conf` per tcp/udp listener. */
  readonly streamListenersDir: string;
}

/** The production defaults of {@link NginxPaths}. */
export const NGINX_DEFAULT_PATHS: Required<NginxPaths> = {
  confDir: '/etc/nginx',
  logDir: '/var/log/nginx',
  pidFile: '/run/nginx.pid',
  tempDir: '/var/lib/nginx',
  cacheDir: '/var/lib/nginx',
  modulesInclude: '/etc/nginx/modules-enabled/*.conf',
};

/** Ciphers for TLS 1.2 (TLS 1.3 suites are fixed by OpenSSL): ECDHE with AEAD only. */
export const NGINX_TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The folders and base file of {@link renderNginx}'s output for `paths`. */
export function nginxLayout(paths: NginxPaths = {}): NginxLayout {
  const confDir = (paths.confDir ?? NGINX_DEFAULT_PATHS.confDir).replace(/\/+$/, '');
  return {
    mainConfig: `${confDir}/nginx.conf`,
    poolsDir: `${confDir}/webfarm/pools`,
    listenersDir: `${confDir}/webfarm/listeners`,
    streamPoolsDir: `${confDir}/webfarm/stream-pools`,
    streamListenersDir: `${confDir}/webfarm/stream-listeners`,
  };
}

/** The command that checks the rendered configuration on the host (run it before every reload). */
export function nginxCheckCommand(paths: NginxPaths = {}): string {
  return `nginx -t -q -c ${nginxLayout(paths).mainConfig}`;
}
