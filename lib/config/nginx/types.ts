import type {
  BalancerNode,
  ListenerCache,
  ListenerModel,
  ListenerOptions,
  PoolModel,
  RoutingRule,
} from '../../core/balancer';
import type { PoolRef } from '../proxy-common';

/** A pool named by its name, or any object with a `name` (an `IBalancerPool`). */
export type NginxPoolRef = PoolRef;

/**
 * One node of a pool: an nginx `server` line (`weight=`, `backup`; the name is printed as a
 * comment after it).
 * @deprecated use `BalancerNode` (lib/core), which this is
 */
export type NginxNode = BalancerNode;

/**
 * A pool: an nginx `upstream` (in `http` for http/https pools, in `stream` for tcp/udp). It is
 * the core model's pool ({@link PoolModel}: every `IBalancerPool` is one); what nginx makes of
 * its options:
 *
 * - `stickiness`: only `Stickiness.sourceIp()` (`ip_hash`) exists in open-source nginx;
 * - `healthCheck`: passive only (`max_fails`, default 3, and `fail_timeout`, default 30 s);
 * - `keepaliveConnections`: idle connections cached per worker (`keepalive`, default 32);
 * - `timeouts`: nginx sets timeouts per `location`: a listener's location gets its default
 *   pool's, and when its rules reach pools with other timeouts, the longest of each
 *   (`responseSeconds` is `proxy_read_timeout` and `proxy_send_timeout`; a stream listener takes
 *   `connectSeconds` as `proxy_connect_timeout` and `responseSeconds` as `proxy_timeout`); the
 *   host's {@link NginxTimeouts} when not given;
 * - `runtimeManaged`: the file says so and records the options the run-time client gives the
 *   servers it adds (`# webfarm:server-options max_fails=3 …`);
 * - no nodes: the upstream answers 502 until nodes are added.
 */
export type NginxPool = PoolModel;

/**
 * A layer-7 rule: requests matching every given condition go to `pool` (an http/https pool).
 * @deprecated use `RoutingRule<NginxPoolRef>` (lib/core), which this is
 */
export type NginxRoutingRule = RoutingRule<NginxPoolRef>;

/**
 * Response caching on a listener (`proxy_cache`).
 * @deprecated use `ListenerCache` (lib/core), which this is
 */
export type NginxCache = ListenerCache;

/**
 * A listener's options as nginx takes them: the core model's ({@link ListenerOptions}, pools
 * named by object or by name) and the one setting only a host's own configuration has.
 * `rules` are rendered as a chain of `map`s, one per condition, that picks the upstream for
 * `proxy_pass` (the first rule whose conditions all hold wins, as HAProxy's `use_backend` and
 * Octavia's L7 policies): `location` prefixes would pick the longest match instead, and
 * `server_name` blocks could not combine a host with a header.
 */
export interface NginxListenerOptions extends ListenerOptions<NginxPoolRef> {
  /**
   * The local address to listen on.
   * @default - every address
   */
  readonly bindAddress?: string;
}

/**
 * A listener: an nginx `server` (in `http`, or in `stream` for tcp/udp), one file each, named
 * after it. Every `IBalancerListener` is one.
 */
export interface NginxListener extends ListenerModel<NginxPoolRef> {
  /** Its options. */
  readonly options: NginxListenerOptions;
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
