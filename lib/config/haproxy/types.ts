import type { ListenerTls } from '../../core/balancing';
import type {
  BalancerNode,
  ListenerModel,
  ListenerOptions,
  PoolModel,
  RoutingRule,
} from '../../core/balancer';
import type { PoolRef } from '../proxy-common';

/** A pool named by its name, or any object with a `name` (an `IBalancerPool`). */
export type HaproxyPoolRef = PoolRef;

/**
 * One node of a pool: an HAProxy `server` line (the name is the `server` name and the value of a
 * sticky cookie).
 * @deprecated use `BalancerNode` (lib/core), which this is
 */
export type HaproxyNode = BalancerNode;

/**
 * A pool: an HAProxy `backend`. It is the core model's pool ({@link PoolModel}: every
 * `IBalancerPool` is one); what HAProxy makes of its options:
 *
 * - `protocol`: `https` adds `ssl verify none` (the nodes' certificates are not verified, as
 *   nginx's default); `tcp` makes a layer-4 backend; `udp` is refused (HAProxy has no UDP);
 * - `healthCheck`: by default HTTP pools are checked with `GET /` every 2 s (2 s timeout,
 *   healthy below 500, out after 3 misses) and observed passively (`observe layer7`: 3 errors
 *   or 5xx answers take a node out); tcp pools by connecting every 2 s and `observe layer4`;
 * - `timeouts`: `timeout connect` / `timeout server` in its backend, else the configuration's
 *   {@link HaproxyTimeouts};
 * - `keepaliveConnections`: idle connections to the nodes may be reused by other clients
 *   (`http-reuse safe`, `pool-max-conn` per node; 0 is `http-reuse never`);
 * - `runtimeManaged`: the backend is rendered into its own file under `paths.poolsDir` (HAProxy
 *   reads it after `haproxy.cfg`), so the run-time client can keep it in step with the servers
 *   it adds through the runtime API; the algorithm must be one HAProxy can add servers to at run
 *   time (round robin, least connections, random, or a consistent hash);
 * - no nodes: the backend answers 503 until nodes are added.
 */
export type HaproxyPool = PoolModel;

/**
 * A layer-7 rule: requests matching every given condition go to `pool`.
 * @deprecated use `RoutingRule<HaproxyPoolRef>` (lib/core), which this is
 */
export type HaproxyRoutingRule = RoutingRule<HaproxyPoolRef>;

/** TLS on an HAProxy listener: HAProxy reads certificate and key from one PEM file. */
export interface HaproxyTls extends ListenerTls {
  /**
   * The PEM file with the certificate chain and the key (`bind … ssl crt <pemPath>`).
   * @default - `certificate.certificatePath` when `keyPath` is the same file or that path plus `.key`
   */
  readonly pemPath?: string;
}

/**
 * A listener's options as HAProxy takes them: the core model's ({@link ListenerOptions}, pools
 * named by object or by name), TLS with HAProxy's one PEM file, and the one setting only a
 * host's own configuration has. `cache`, `serverNames` and `rateLimitBurst` are nginx's: HAProxy
 * refuses them (a `ValidationError`, never silently dropped).
 */
export interface HaproxyListenerOptions extends ListenerOptions<HaproxyPoolRef> {
  /**
   * The local address to listen on.
   * @default - every address
   */
  readonly bindAddress?: string;
  /**
   * TLS termination or passthrough (a `tcp` listener).
   * @default - plain text
   */
  readonly tls?: HaproxyTls;
}

/** A listener: an HAProxy `frontend`. Every `IBalancerListener` is one. */
export interface HaproxyListener extends ListenerModel<HaproxyPoolRef> {
  /** Its options. */
  readonly options: HaproxyListenerOptions;
}

/** The statistics page and the Prometheus exporter. */
export interface HaproxyStats {
  /**
   * Port of the stats frontend.
   * @default 8404
   */
  readonly port?: number;
  /**
   * Address it binds. Anything but a loopback address needs a `password`.
   * @default '127.0.0.1'
   */
  readonly bindAddress?: string;
  /**
   * User name of the basic-auth login.
   * @default 'admin'
   */
  readonly user?: string;
  /**
   * Password of the basic-auth login (may be a Terraform reference to a generated password,
   * which must resolve to text without `'` and newlines).
   * @default - no login (loopback only)
   */
  readonly password?: string;
  /**
   * Serve Prometheus metrics at `/metrics` (HAProxy's built-in exporter).
   * @default true
   */
  readonly prometheus?: boolean;
  /**
   * Seconds between refreshes of the stats page.
   * @default 10
   */
  readonly refreshSeconds?: number;
  /**
   * Admin actions on the stats page (`stats admin`: drain, disable, enable a server), for the
   * logged-in user only; needs `password`.
   * @default false
   */
  readonly admin?: boolean;
}

/** Where HAProxy's files live on the host. */
export interface HaproxyPaths {
  /**
   * The configuration file.
   * @default '/etc/haproxy/haproxy.cfg'
   */
  readonly configFile?: string;
  /**
   * Folder HAProxy chroots into after start; `false` for none.
   * @default '/var/lib/haproxy'
   */
  readonly chroot?: string | false;
  /**
   * The admin socket (also hands the listening sockets to the new process on reload).
   * @default '/run/haproxy/admin.sock'
   */
  readonly adminSocket?: string;
  /**
   * Folder of the run-time pools' files (one `backend` per `<pool>.cfg`), read by HAProxy after
   * the configuration file (`-f <configFile> -f <poolsDir>`).
   * @default '/etc/haproxy/webfarm/pools'
   */
  readonly poolsDir?: string;
}

/** Timeouts. */
export interface HaproxyTimeouts {
  /**
   * Establishing a connection to a node.
   * @default 5
   */
  readonly connectSeconds?: number;
  /**
   * Client inactivity.
   * @default 50
   */
  readonly clientSeconds?: number;
  /**
   * Node inactivity (waiting for the response).
   * @default 50
   */
  readonly serverSeconds?: number;
  /**
   * Receiving a complete request (slowloris protection).
   * @default 10
   */
  readonly httpRequestSeconds?: number;
  /**
   * Idle keep-alive connections of clients.
   * @default 10
   */
  readonly httpKeepAliveSeconds?: number;
  /**
   * Waiting in the queue for a free node.
   * @default 30
   */
  readonly queueSeconds?: number;
  /**
   * Idle websocket and other tunnels.
   * @default 3600
   */
  readonly tunnelSeconds?: number;
}

/** The typed model of one HAProxy balancer host. */
export interface HaproxyConfig {
  /** The pools (backends). */
  readonly pools: readonly HaproxyPool[];
  /** The listeners (frontends). */
  readonly listeners: readonly HaproxyListener[];
  /**
   * Where files go.
   * @default - the Debian layout (see {@link HaproxyPaths})
   */
  readonly paths?: HaproxyPaths;
  /**
   * Unix user the process runs as after start.
   * @default 'haproxy'
   */
  readonly user?: string;
  /**
   * Unix group the process runs as after start.
   * @default 'haproxy'
   */
  readonly group?: string;
  /**
   * Concurrent connections per process (`maxconn`).
   * @default 4096
   */
  readonly maxConnections?: number;
  /**
   * Where logs go (`log <target> local0`); `false` for no logging.
   * @default '/dev/log'
   */
  readonly log?: string | false;
  /**
   * Timeouts.
   * @default - see {@link HaproxyTimeouts}
   */
  readonly timeouts?: HaproxyTimeouts;
  /**
   * Attempts after the first one fails (`retries`).
   * @default 3
   */
  readonly retries?: number;
  /**
   * The stats page and Prometheus exporter; `false` for none.
   * @default - on 127.0.0.1:8404, `/stats` and `/metrics`
   */
  readonly stats?: HaproxyStats | false;
}

/** The production defaults of {@link HaproxyPaths}. */
export const HAPROXY_DEFAULT_PATHS: Required<HaproxyPaths> = {
  configFile: '/etc/haproxy/haproxy.cfg',
  chroot: '/var/lib/haproxy',
  adminSocket: '/run/haproxy/admin.sock',
  poolsDir: '/etc/haproxy/webfarm/pools',
};

/** TLS 1.2 ciphers (ECDHE with AEAD only) and the TLS 1.3 suites. */
export const HAPROXY_TLS_CIPHERS = {
  tls12: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  tls13: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'].join(':'),
};

/** The command that checks the rendered configuration on the host (run it before every reload). */
export function haproxyCheckCommand(paths: HaproxyPaths = {}): string {
  return `haproxy -c -q -f ${paths.configFile ?? HAPROXY_DEFAULT_PATHS.configFile}`;
}

/**
 * The check command when run-time pools exist: the configuration file and the run-time pools'
 * folder, as HAProxy then starts (`-f <configFile> -f <poolsDir>`).
 */
export function haproxyRuntimeCheckCommand(paths: HaproxyPaths = {}): string {
  const dir = paths.poolsDir ?? HAPROXY_DEFAULT_PATHS.poolsDir;
  return `${haproxyCheckCommand(paths)} -f ${dir}`;
}
