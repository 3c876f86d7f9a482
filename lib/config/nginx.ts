import {
  Algorithm,
  HealthCheck,
  ListenerProtocol,
  ListenerTls,
  NGINX_CAPABILITIES,
  Stickiness,
  TlsVersion,
  checkHeaderName,
  checkPoolRequirements,
  requireCapability,
} from '../core/balancing';
import { isUnresolved } from '../core/tokens';
import { checkCidr, checkInteger, checkName, checkPort, checkSeconds, checkUnique } from '../core/validate';
import { RenderedFile } from './files';
import { PoolRef, checkRequestHeaders, fail, findPool } from './proxy-common';
import {
  QuoteContext,
  checkHeaderValue,
  checkHostName,
  checkPathPrefix,
  formatAddress,
  formatFilePath,
  formatHost,
  formatNodeHost,
  formatSeconds,
  literalNumber,
  nginxQuote,
  pcreLiteral,
} from './quote';

/**
 * nginx configuration: a typed model ({@link NginxConfig}) and one printer ({@link renderNginx}).
 *
 * The output is a base `nginx.conf` (global settings, proxy defaults, the `stub_status` server)
 * that includes one file per pool and one file per listener, so that changing one pool rewrites
 * one file (the seed deployment tool's layout: concurrent edits of different pools don't
 * collide) and the base file, delivered once at boot, never changes when pools do.
 *
 * Open-source nginx has passive health checks only and no cookie-insert stickiness: a pool that
 * asks for either is a {@link ValidationError} that names HAProxy as the fix.
 */

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
   * @default 5
   */
  readonly connectSeconds?: number;
  /**
   * Between two reads of a node's response (`proxy_read_timeout`).
   * @default 60
   */
  readonly readSeconds?: number;
  /**
   * Between two writes of the request to a node (`proxy_send_timeout`).
   * @default 60
   */
  readonly sendSeconds?: number;
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
   * @default - connect 5 s, read 60 s, send 60 s
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

/**
 * Renders the whole nginx configuration: the base `nginx.conf` first, then one file per pool,
 * then one file per listener. Validates the model first; any mistake is one
 * {@link ValidationError}.
 *
 * Retries: a request that fails on one node with a connection error, a timeout, or a 502/503/504
 * is tried on the next node (`proxy_next_upstream error timeout http_502 http_503 http_504`), at
 * most `nextUpstreamTries` times. nginx does this for idempotent methods only (GET, HEAD, PUT,
 * DELETE, OPTIONS, TRACE); webfarm never adds `non_idempotent`, so a POST is never sent twice.
 */
export function renderNginx(config: NginxConfig): RenderedFile[] {
  const model = resolveModel(config);
  const files: RenderedFile[] = [{ path: model.layout.mainConfig, content: printNginx(baseConfig(model)) }];
  for (const pool of model.pools) {
    const dir = pool.stream ? model.layout.streamPoolsDir : model.layout.poolsDir;
    files.push({ path: `${dir}/${pool.name}.conf`, content: printNginx(poolFile(pool)) });
  }
  for (const listener of model.listeners) {
    const dir = listener.stream ? model.layout.streamListenersDir : model.layout.listenersDir;
    files.push({ path: `${dir}/${listener.name}.conf`, content: printNginx(listenerFile(model, listener)) });
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// The printer: a tiny syntax tree of directives, blocks and comments, printed with 4-space indent.
// Arguments are already quoted when they reach it.

/** A directive, a block, a comment or a blank line. */
type Item =
  | {
      readonly kind: 'directive';
      readonly name: string;
      readonly args: readonly string[];
      readonly note?: string;
    }
  | { readonly kind: 'block'; readonly name: string; readonly args: readonly string[]; readonly body: Item[] }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'blank' };

const directive = (name: string, ...args: string[]): Item => ({ kind: 'directive', name, args });
const block = (name: string, args: string[], body: Item[]): Item => ({ kind: 'block', name, args, body });
const comment = (text: string): Item => ({ kind: 'comment', text });
const blank: Item = { kind: 'blank' };

function printNginx(items: Item[], depth = 0): string {
  const pad = '    '.repeat(depth);
  let out = '';
  for (const item of items) {
    switch (item.kind) {
      case 'blank':
        out += '\n';
        break;
      case 'comment':
        for (const line of item.text.split('\n')) out += `${pad}# ${line}`.trimEnd() + '\n';
        break;
      case 'directive':
        out += `${pad}${[item.name, ...item.args].join(' ')};${item.note ? `  # ${item.note}` : ''}\n`;
        break;
      case 'block':
        out += `${pad}${[item.name, ...item.args].join(' ')} {\n${printNginx(item.body, depth + 1)}${pad}}\n`;
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation: the model is checked and defaults are filled in before anything is printed.

interface ResolvedPool {
  readonly name: string;
  readonly stream: boolean;
  readonly protocol: 'http' | 'https' | 'tcp' | 'udp';
  readonly algorithm: Algorithm;
  readonly stickiness?: Stickiness;
  readonly maxFails: number;
  readonly failTimeoutSeconds: number;
  readonly keepalive: number;
  readonly nodes: ReadonlyArray<{ name: string; address: string; weight?: number; backup: boolean }>;
  readonly runtimeManaged: boolean;
}

interface ResolvedCondition {
  /** The nginx variable tested. */
  readonly source: string;
  /** The regular expression map key (with its `~` or `~*`), unquoted. */
  readonly regex: string;
  /** For the comment. */
  readonly describe: string;
}

interface ResolvedRule {
  readonly pool: ResolvedPool;
  readonly conditions: ResolvedCondition[];
}

interface ResolvedListener {
  readonly name: string;
  readonly stream: boolean;
  readonly protocol: ListenerProtocol;
  readonly listen: string;
  readonly port: number;
  readonly bindAddress?: string;
  readonly defaultPool: ResolvedPool;
  readonly rules: ResolvedRule[];
  readonly tls?: {
    readonly certificatePath: string;
    readonly keyPath: string;
    readonly versions: readonly TlsVersion[];
    readonly redirectFromPort?: number;
    readonly hstsMaxAgeSeconds?: number;
  };
  readonly allowedCidrs: readonly string[];
  readonly rate?: { readonly perSecond: number; readonly burst: number };
  readonly cache?: { readonly maxSizeMb: number; readonly validSeconds: number };
  readonly serverNames: readonly string[];
  readonly requestHeaders: ReadonlyArray<readonly [string, string]>;
}

interface ResolvedModel {
  readonly layout: NginxLayout;
  readonly paths: Required<NginxPaths>;
  readonly user: string;
  readonly workerConnections: number;
  readonly status?: { readonly port: number; readonly path: string; readonly adminCidrs: readonly string[] };
  readonly stream: boolean;
  readonly timeouts: Required<NginxTimeouts>;
  readonly nextUpstreamTries: number;
  readonly pools: ResolvedPool[];
  readonly listeners: ResolvedListener[];
}

function resolveModel(config: NginxConfig): ResolvedModel {
  const where = 'nginx';
  const paths = resolvePaths(config.paths ?? {});
  const user = config.user ?? 'www-data';
  if (!isUnresolved(user) && !/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) {
    fail(where, 'user', user, 'a Unix user name such as "www-data"', 'give the user the workers run as');
  }
  const workerConnections = config.workerConnections ?? 4096;
  checkInteger(where, 'workerConnections', workerConnections, 16, 1048576, 'give e.g. 4096');
  const timeouts = {
    connectSeconds: config.timeouts?.connectSeconds ?? 5,
    readSeconds: config.timeouts?.readSeconds ?? 60,
    sendSeconds: config.timeouts?.sendSeconds ?? 60,
  };
  for (const [key, value] of Object.entries(timeouts)) checkSeconds(where, `timeouts.${key}`, value, 3600);
  const nextUpstreamTries = config.nextUpstreamTries ?? 3;
  checkInteger(
    where,
    'nextUpstreamTries',
    nextUpstreamTries,
    1,
    10,
    'give how many nodes a request may try, e.g. 3',
  );
  const stream = config.stream ?? true;

  const pools: ResolvedPool[] = [];
  for (const pool of config.pools) {
    checkUnique(
      where,
      'pool name',
      pool.name,
      pools.map((p) => p.name),
    );
    pools.push(resolvePool(pool, stream));
  }

  let status: ResolvedModel['status'];
  if (config.status !== false) {
    const s = config.status ?? {};
    const path = `${where} status`;
    const port = s.port ?? 8081;
    checkPort(path, 'port', literalNumber(port, { path, what: 'port' }));
    const statusPath = s.path ?? '/nginx_status';
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(statusPath)) {
      fail(path, 'path', statusPath, 'a URL path of letters, digits and ._~/-', 'e.g. "/nginx_status"');
    }
    const adminCidrs = [...(s.adminCidrs ?? [])];
    for (const cidr of adminCidrs) checkCidr(path, 'adminCidrs entry', cidr);
    status = { port, path: statusPath, adminCidrs };
  }

  const listeners: ResolvedListener[] = [];
  // Ports are taken per transport: a tcp and a udp listener may share one (DNS on 53).
  const usedPorts: string[] = status ? [`${status.port}/tcp`] : [];
  for (const listener of config.listeners) {
    checkUnique(
      where,
      'listener name',
      listener.name,
      listeners.map((l) => l.name),
    );
    const resolved = resolveListener(listener, pools, stream);
    const path = `nginx listener '${listener.name}'`;
    for (const [i, port] of [
      resolved.port,
      ...(resolved.tls?.redirectFromPort ? [resolved.tls.redirectFromPort] : []),
    ].entries()) {
      const key = `${port}/${i === 0 && resolved.protocol === 'udp' ? 'udp' : 'tcp'}`;
      if (usedPorts.includes(key)) {
        fail(
          path,
          'port',
          port,
          `a port no other listener or the status server uses for the same transport (in use: ${usedPorts.join(', ')})`,
          'give each listener its own port (or move the status server with status.port)',
        );
      }
      usedPorts.push(key);
    }
    listeners.push(resolved);
  }

  return {
    layout: nginxLayout(paths),
    paths,
    user,
    workerConnections,
    status,
    stream,
    timeouts,
    nextUpstreamTries,
    pools,
    listeners,
  };
}

function resolvePaths(given: NginxPaths): Required<NginxPaths> {
  const paths = { ...NGINX_DEFAULT_PATHS, ...given };
  for (const key of ['confDir', 'logDir', 'pidFile', 'tempDir', 'cacheDir'] as const) {
    formatFilePath(paths[key], { path: 'nginx paths', what: key });
    paths[key] = paths[key].replace(/(.)\/+$/, '$1');
  }
  if (paths.modulesInclude !== false && !/^\/[A-Za-z0-9._/@+*-]*$/.test(paths.modulesInclude)) {
    fail(
      'nginx paths',
      'modulesInclude',
      paths.modulesInclude,
      'an absolute path or glob of letters, digits and ._/@+-*',
      'e.g. "/etc/nginx/modules-enabled/*.conf", or false',
    );
  }
  return paths;
}

const NGINX_HEADER_NAME = /^[A-Za-z0-9-]+$/;

function resolvePool(pool: NginxPool, streamEnabled: boolean): ResolvedPool {
  checkName('nginx', 'pool name', pool.name);
  const path = `nginx pool '${pool.name}'`;
  const protocol = pool.protocol ?? 'http';
  if (!['http', 'https', 'tcp', 'udp'].includes(protocol)) {
    fail(path, 'protocol', protocol, '"http", "https", "tcp" or "udp"', 'say what the nodes speak');
  }
  const stream = protocol === 'tcp' || protocol === 'udp';
  if (stream && !streamEnabled) {
    fail(
      path,
      'protocol',
      protocol,
      '"http" or "https" (stream is off)',
      'set stream: true to balance tcp/udp',
    );
  }
  const algorithm = pool.algorithm ?? Algorithm.roundRobin();
  checkPoolRequirements(NGINX_CAPABILITIES, path, {
    algorithm,
    stickiness: pool.stickiness,
    healthCheck: pool.healthCheck,
  });
  if (algorithm.kind === 'hash-header' && algorithm.key && !isUnresolved(algorithm.key)) {
    if (!NGINX_HEADER_NAME.test(algorithm.key)) {
      fail(
        path,
        'hash header name',
        algorithm.key,
        'letters, digits and "-" (nginx names the header as $http_<name>, and drops headers with "_")',
        'rename the header, or use HaproxyBalancer, which hashes any header name',
      );
    }
  }
  if (algorithm.kind === 'hash-cookie' && algorithm.key && !/^[A-Za-z0-9_]+$/.test(algorithm.key)) {
    fail(
      path,
      'hash cookie name',
      algorithm.key,
      'letters, digits and "_" (nginx reads the cookie as $cookie_<name>)',
      'rename the cookie, or use HaproxyBalancer, which hashes any cookie name',
    );
  }
  if (stream && ['hash-header', 'hash-cookie', 'hash-uri'].includes(algorithm.kind)) {
    fail(
      path,
      `algorithm of a ${protocol} pool`,
      algorithm.kind,
      'round-robin, least-connections, source-ip, random-two',
      'a layer-4 pool sees no HTTP headers, cookies or URIs; hash the client with Algorithm.sourceIp()',
    );
  }
  if (pool.stickiness && !['round-robin', 'source-ip'].includes(algorithm.kind)) {
    fail(
      path,
      'stickiness with this algorithm (nginx)',
      `${pool.stickiness} with ${algorithm}`,
      'source-ip stickiness with round-robin only',
      'nginx keeps clients on a node by hashing their address, which replaces the algorithm: use Algorithm.sourceIp()',
    );
  }
  const keepalive = pool.keepaliveConnections ?? 32;
  checkInteger(path, 'keepaliveConnections', keepalive, 0, 10000, 'give e.g. 32, or 0 to disable');
  const passive = pool.healthCheck?.passive ?? {};
  const maxFails = passive.maxFails ?? 3;
  const failTimeoutSeconds = passive.failTimeoutSeconds ?? 30;
  const backupAllowed = algorithm.kind === 'round-robin' || algorithm.kind === 'least-connections';
  const names = new Set<string>();
  const nodes = pool.nodes.map((node) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(node.name)) {
      fail(
        path,
        'node name',
        node.name,
        'letters, digits, ".", "_" and "-", at most 63 characters',
        'name nodes like "web-1"',
      );
    }
    checkUnique(path, 'node name', node.name, names);
    names.add(node.name);
    const ctx: QuoteContext = { path, what: `host of node '${node.name}'` };
    const port = literalNumber(node.port, { path, what: `port of node '${node.name}'` });
    checkPort(path, `port of node '${node.name}'`, port);
    if (node.weight !== undefined) {
      checkInteger(
        path,
        `weight of node '${node.name}'`,
        node.weight,
        1,
        256,
        'give a relative weight from 1 to 256',
      );
    }
    if (node.backup && !backupAllowed) {
      fail(
        path,
        `backup node '${node.name}'`,
        String(algorithm),
        'backup nodes with round-robin or least-connections',
        'nginx cannot keep a backup node in a hashing or random pool: drop `backup` or change the algorithm',
      );
    }
    return {
      name: node.name,
      address: `${formatNodeHost(node.host, ctx, 'nginx')}:${port}`,
      weight: node.weight,
      backup: !!node.backup,
    };
  });
  return {
    name: pool.name,
    stream,
    protocol,
    algorithm,
    stickiness: pool.stickiness,
    maxFails,
    failTimeoutSeconds,
    keepalive,
    nodes,
    runtimeManaged: pool.runtimeManaged === true,
  };
}

function resolveListener(
  listener: NginxListener,
  pools: ResolvedPool[],
  streamEnabled: boolean,
): ResolvedListener {
  checkName('nginx', 'listener name', listener.name);
  const path = `nginx listener '${listener.name}'`;
  const port = literalNumber(listener.port, { path, what: 'port' });
  checkPort(path, 'port', port);
  const terminate = listener.tls !== undefined && listener.tls.mode !== 'passthrough';
  const protocol = listener.protocol ?? (terminate ? 'https' : 'http');
  if (!['http', 'https', 'tcp', 'udp'].includes(protocol)) {
    fail(path, 'protocol', protocol, '"http", "https", "tcp" or "udp"', 'say what clients speak');
  }
  const stream = protocol === 'tcp' || protocol === 'udp';
  if (stream && !streamEnabled) {
    fail(
      path,
      'protocol',
      protocol,
      '"http" or "https" (stream is off)',
      'set stream: true to balance tcp/udp',
    );
  }
  const bindAddress =
    listener.bindAddress === undefined
      ? undefined
      : formatAddress(listener.bindAddress, { path, what: 'bindAddress' });

  const defaultPool = findPool(path, 'defaultPool', listener.defaultPool, pools);
  checkPoolFits(path, 'defaultPool', protocol, defaultPool);

  let tls: ResolvedListener['tls'];
  if (listener.tls) {
    const t = listener.tls;
    if (t.mode === 'passthrough') {
      if (protocol !== 'tcp') {
        fail(
          path,
          'TLS passthrough protocol',
          protocol,
          '"tcp" (nginx does not decrypt)',
          'set protocol: "tcp"',
        );
      }
    } else {
      if (protocol !== 'https') {
        fail(
          path,
          'protocol of a TLS-terminating listener',
          protocol,
          '"https"',
          'leave protocol out (https is implied)',
        );
      }
      const cert = t.certificate;
      if (!cert) {
        fail(
          path,
          'tls.certificate',
          undefined,
          'certificate files on the host',
          'give tls.certificate: { kind: "files", certificatePath, keyPath }',
        );
      }
      requireCapability(NGINX_CAPABILITIES, path, 'certificate source', cert.kind, cert.kind === 'files', [
        'files',
      ]);
      if (cert.kind !== 'files') throw new Error('unreachable');
      const versions = t.versions ?? ['TLSv1.2', 'TLSv1.3'];
      checkTlsVersions(path, versions);
      if (t.redirectFromPort !== undefined)
        checkPort(
          path,
          'tls.redirectFromPort',
          literalNumber(t.redirectFromPort, { path, what: 'tls.redirectFromPort' }),
        );
      if (t.hstsMaxAgeSeconds !== undefined)
        checkInteger(
          path,
          'tls.hstsMaxAgeSeconds',
          t.hstsMaxAgeSeconds,
          1,
          63072000,
          'give whole seconds (HSTS max-age is an integer), e.g. 31536000',
        );
      tls = {
        certificatePath: formatFilePath(cert.certificatePath, {
          path,
          what: 'tls.certificate.certificatePath',
        }),
        keyPath: formatFilePath(cert.keyPath, { path, what: 'tls.certificate.keyPath' }),
        versions,
        redirectFromPort: t.redirectFromPort,
        hstsMaxAgeSeconds: t.hstsMaxAgeSeconds,
      };
    }
  } else if (protocol === 'https') {
    fail(path, 'protocol', 'https', 'https together with a `tls` block', 'add tls: { certificate: … }');
  }

  const rules: ResolvedRule[] = (listener.rules ?? []).map((rule, i) => {
    const where = `${path} rule ${i + 1}`;
    if (stream) {
      fail(
        where,
        'routing rule on a layer-4 listener',
        protocol,
        'routing rules on http or https listeners',
        'make the listener speak HTTP, or route by port',
      );
    }
    const pool = findPool(where, 'pool', rule.pool, pools);
    checkPoolFits(where, 'pool', protocol, pool);
    return { pool, conditions: resolveConditions(where, rule) };
  });

  const allowedCidrs = [...(listener.allowedCidrs ?? [])];
  if (listener.allowedCidrs && allowedCidrs.length === 0) {
    fail(
      path,
      'allowedCidrs',
      [],
      'a non-empty list of CIDR blocks, or leave it out',
      'list who may connect, e.g. ["0.0.0.0/0"]',
    );
  }
  for (const cidr of allowedCidrs) checkCidr(path, 'allowedCidrs entry', cidr);

  let rate: ResolvedListener['rate'];
  if (listener.rateLimitPerSecond !== undefined) {
    if (stream) {
      fail(
        path,
        'rateLimitPerSecond on a layer-4 listener',
        listener.rateLimitPerSecond,
        'rate limits on http or https listeners',
        'nginx limits HTTP requests; drop the limit or use an HTTP listener',
      );
    }
    checkInteger(
      path,
      'rateLimitPerSecond',
      listener.rateLimitPerSecond,
      1,
      1000000,
      'give requests per second per client, e.g. 20',
    );
    const burst = listener.rateLimitBurst ?? listener.rateLimitPerSecond;
    checkInteger(
      path,
      'rateLimitBurst',
      burst,
      0,
      1000000,
      'give how many requests above the rate are served at once, e.g. 20',
    );
    rate = { perSecond: listener.rateLimitPerSecond, burst };
  } else if (listener.rateLimitBurst !== undefined) {
    fail(
      path,
      'rateLimitBurst',
      listener.rateLimitBurst,
      'a burst together with rateLimitPerSecond',
      'give rateLimitPerSecond too',
    );
  }

  let cache: ResolvedListener['cache'];
  if (listener.cache) {
    if (stream) {
      fail(
        path,
        'cache on a layer-4 listener',
        protocol,
        'caching on http or https listeners',
        'drop `cache`',
      );
    }
    const maxSizeMb = listener.cache.maxSizeMb ?? 1024;
    checkInteger(path, 'cache.maxSizeMb', maxSizeMb, 1, 10485760, 'give megabytes, e.g. 1024');
    const validSeconds = listener.cache.validSeconds ?? 600;
    checkInteger(path, 'cache.validSeconds', validSeconds, 1, 31536000, 'give whole seconds, e.g. 600');
    cache = { maxSizeMb, validSeconds };
  }

  const serverNames = [...(listener.serverNames ?? [])];
  if (stream && serverNames.length) {
    fail(
      path,
      'serverNames on a layer-4 listener',
      serverNames,
      'server names on http or https listeners',
      'drop serverNames',
    );
  }
  for (const name of serverNames) checkHostName(name, { path, what: 'serverNames entry' });

  const requestHeaders = checkRequestHeaders(
    path,
    listener.requestHeaders,
    stream,
    'headers on http or https listeners',
  ).map(([name, value]) => {
    const ctx = { path, what: `requestHeaders[${JSON.stringify(name)}]` };
    return [nginxQuote(name, ctx), nginxQuote(value, { ...ctx, variables: true })] as const;
  });

  return {
    name: listener.name,
    stream,
    protocol,
    listen: bindAddress ? `${formatHost(bindAddress, { path, what: 'bindAddress' })}:${port}` : String(port),
    port,
    bindAddress,
    defaultPool,
    rules,
    tls,
    allowedCidrs,
    rate,
    cache,
    serverNames,
    requestHeaders,
  };
}

function checkPoolFits(path: string, what: string, protocol: ListenerProtocol, pool: ResolvedPool): void {
  const wanted = protocol === 'udp' ? ['udp'] : protocol === 'tcp' ? ['tcp'] : ['http', 'https'];
  if (!wanted.includes(pool.protocol)) {
    fail(
      path,
      `${what} protocol`,
      `pool '${pool.name}' is ${pool.protocol}, listener is ${protocol}`,
      `a pool whose protocol is ${wanted.map((w) => `"${w}"`).join(' or ')}`,
      protocol === 'tcp' || protocol === 'udp'
        ? `a ${protocol} listener forwards bytes: give the pool protocol "${protocol}" (its nodes may still speak TLS)`
        : 'an HTTP listener proxies to an "http" or "https" pool',
    );
  }
}

function checkTlsVersions(path: string, versions: readonly TlsVersion[]): void {
  if (!versions.length || versions.some((v) => v !== 'TLSv1.2' && v !== 'TLSv1.3')) {
    fail(
      path,
      'tls.versions',
      versions,
      '"TLSv1.2" and/or "TLSv1.3"',
      'older protocols are broken; keep the default',
    );
  }
}

function resolveConditions(where: string, rule: NginxRoutingRule): ResolvedCondition[] {
  const conditions: ResolvedCondition[] = [];
  if (rule.hostName !== undefined) {
    const ctx = { path: where, what: 'hostName' };
    if (isUnresolved(rule.hostName))
      fail(where, 'hostName', rule.hostName, 'a host name known at synth time', 'give a literal name');
    checkHostName(rule.hostName, ctx);
    const host = rule.hostName.toLowerCase();
    const regex = host.startsWith('*.') ? `~^.+${pcreLiteral(host.slice(1))}$` : `~^${pcreLiteral(host)}$`;
    conditions.push({ source: '$host', regex, describe: `host ${host}` });
  }
  if (rule.pathPrefix !== undefined) {
    if (isUnresolved(rule.pathPrefix))
      fail(where, 'pathPrefix', rule.pathPrefix, 'a path known at synth time', 'give a literal path');
    checkPathPrefix(rule.pathPrefix, { path: where, what: 'pathPrefix' });
    conditions.push({
      source: '$request_uri',
      regex: `~^${pcreLiteral(rule.pathPrefix)}`,
      describe: `path starts with ${rule.pathPrefix}`,
    });
  }
  if (rule.header !== undefined) {
    const { name, value } = rule.header;
    checkHeaderName(where, 'header name', name);
    if (isUnresolved(name) || !NGINX_HEADER_NAME.test(name)) {
      fail(
        where,
        'header name',
        name,
        'letters, digits and "-" (nginx reads a header as $http_<name>)',
        'rename the header, or use HaproxyBalancer',
      );
    }
    const source = `$http_${name.toLowerCase().replace(/-/g, '_')}`;
    if (value === undefined) {
      conditions.push({ source, regex: '~.', describe: `header ${name} is present` });
    } else {
      if (isUnresolved(value))
        fail(where, 'header value', value, 'a value known at synth time', 'give a literal value');
      checkHeaderValue(value, { path: where, what: 'header value' });
      conditions.push({
        source,
        regex: `~^${pcreLiteral(value)}$`,
        describe: `header ${name} is exactly the given value`,
      });
    }
  }
  if (rule.websocket) {
    conditions.push({ source: '$http_upgrade', regex: '~*^websocket$', describe: 'websocket upgrade' });
  }
  if (!conditions.length) {
    fail(
      where,
      'rule condition',
      '(none)',
      'at least one of pathPrefix, header, hostName, websocket',
      'say which requests the rule matches, or use defaultPool',
    );
  }
  return conditions;
}

// ---------------------------------------------------------------------------------------------
// The files.

function baseConfig(model: ResolvedModel): Item[] {
  const { paths, layout } = model;
  const items: Item[] = [
    comment('nginx.conf, rendered by webfarm. Pools and listeners live in one file each under'),
    comment(`${paths.confDir}/webfarm/; this file changes only with global settings.`),
    directive('user', model.user),
    directive('worker_processes', 'auto'),
    directive('worker_rlimit_nofile', String(model.workerConnections * 2)),
    directive('pid', paths.pidFile),
    directive('error_log', `${paths.logDir}/error.log`, 'warn'),
  ];
  if (paths.modulesInclude !== false) items.push(directive('include', paths.modulesInclude));
  items.push(
    blank,
    block('events', [], [directive('worker_connections', String(model.workerConnections))]),
    blank,
  );

  const http: Item[] = [
    directive('server_tokens', 'off'),
    directive('sendfile', 'on'),
    directive('tcp_nopush', 'on'),
    directive('tcp_nodelay', 'on'),
    directive('keepalive_timeout', '65s'),
    directive('default_type', 'application/octet-stream'),
    blank,
    comment('Who asked, which node answered, and how long each step took.'),
    directive(
      'log_format',
      'webfarm',
      `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '`,
      `'"$http_referer" "$http_user_agent" upstream=$upstream_addr upstream_status=$upstream_status '`,
      `'request_time=$request_time upstream_connect_time=$upstream_connect_time '`,
      `'upstream_response_time=$upstream_response_time'`,
    ),
    // Buffered: one write per 64 KiB or per second instead of one per request (a busy
    // balancer otherwise spends a write(2) on every request; a crash loses at most a second).
    directive('access_log', `${paths.logDir}/access.log`, 'webfarm', 'buffer=64k', 'flush=1s'),
    blank,
    directive('client_body_temp_path', `${paths.tempDir}/body`),
    directive('proxy_temp_path', `${paths.tempDir}/proxy`),
    directive('fastcgi_temp_path', `${paths.tempDir}/fastcgi`),
    directive('uwsgi_temp_path', `${paths.tempDir}/uwsgi`),
    directive('scgi_temp_path', `${paths.tempDir}/scgi`),
    blank,
    directive('ssl_session_cache', 'shared:webfarm_tls:10m'),
    directive('ssl_session_timeout', '1d'),
    directive('ssl_session_tickets', 'off'),
    blank,
    comment('Websocket upgrades pass through; every other request clears "Connection", so the'),
    comment('connections to the nodes stay open for reuse (upstream keepalive).'),
    block(
      'map',
      ['$http_upgrade', '$connection_upgrade'],
      [directive('default', 'upgrade'), directive('""', '""')],
    ),
    blank,
    comment('Proxying defaults for every listener.'),
    directive('proxy_http_version', '1.1'),
    directive('proxy_connect_timeout', formatSeconds(model.timeouts.connectSeconds)),
    directive('proxy_send_timeout', formatSeconds(model.timeouts.sendSeconds)),
    directive('proxy_read_timeout', formatSeconds(model.timeouts.readSeconds)),
    comment('A failed attempt is tried on the next node. nginx retries only idempotent requests'),
    comment('(GET, HEAD, PUT, DELETE, OPTIONS, TRACE): without `non_idempotent`, which webfarm never'),
    comment('sets, a POST that reached a node is not sent again.'),
    directive('proxy_next_upstream', 'error', 'timeout', 'http_502', 'http_503', 'http_504'),
    directive('proxy_next_upstream_tries', String(model.nextUpstreamTries)),
    blank,
    directive('include', `${layout.poolsDir}/*.conf`),
    directive('include', `${layout.listenersDir}/*.conf`),
  ];
  if (model.status) {
    const s = model.status;
    const location: Item[] = [
      directive('stub_status'),
      directive('allow', '127.0.0.1'),
      directive('allow', '::1'),
      ...s.adminCidrs.map((c) => directive('allow', c)),
      directive('deny', 'all'),
    ];
    http.push(
      blank,
      comment(
        s.adminCidrs.length
          ? 'stub_status: readable from this host and the admin networks only.'
          : 'stub_status: readable from this host only.',
      ),
      block(
        'server',
        [],
        [
          directive('listen', s.adminCidrs.length ? String(s.port) : `127.0.0.1:${s.port}`),
          directive('server_name', '_'),
          directive('access_log', 'off'),
          block('location', ['=', s.path], location),
          block('location', ['/'], [directive('return', '404')]),
        ],
      ),
    );
  }
  items.push(block('http', [], http));

  if (model.stream) {
    items.push(
      blank,
      block(
        'stream',
        [],
        [
          directive(
            'log_format',
            'webfarm_stream',
            `'$remote_addr [$time_local] $protocol $status $bytes_sent $bytes_received '`,
            `'session_time=$session_time upstream=$upstream_addr upstream_connect_time=$upstream_connect_time'`,
          ),
          directive('access_log', `${paths.logDir}/stream.log`, 'webfarm_stream', 'buffer=64k', 'flush=1s'),
          directive('proxy_connect_timeout', formatSeconds(model.timeouts.connectSeconds)),
          directive('proxy_next_upstream', 'on'),
          directive('proxy_next_upstream_tries', String(model.nextUpstreamTries)),
          blank,
          directive('include', `${layout.streamPoolsDir}/*.conf`),
          directive('include', `${layout.streamListenersDir}/*.conf`),
        ],
      ),
    );
  }
  return items;
}

function algorithmLines(pool: ResolvedPool): Item[] {
  const algo = pool.algorithm;
  const consistent = algo.consistent ? ['consistent'] : [];
  switch (algo.kind) {
    case 'round-robin':
      return pool.stickiness ? stickyByAddress(pool) : [];
    case 'least-connections':
      return [directive('least_conn')];
    case 'source-ip':
      return stickyByAddress(pool);
    case 'hash-header':
      return [directive('hash', `$http_${(algo.key ?? '').toLowerCase().replace(/-/g, '_')}`, ...consistent)];
    case 'hash-cookie':
      return [directive('hash', `$cookie_${algo.key}`, ...consistent)];
    case 'hash-uri':
      return [directive('hash', '$request_uri', ...consistent)];
    case 'random-two':
      return [directive('random', 'two', 'least_conn')];
    default:
      throw new Error(`unreachable: ${algo.kind}`);
  }
}

function stickyByAddress(pool: ResolvedPool): Item[] {
  // The stream module has no ip_hash; hashing the whole address is its equivalent.
  return pool.stream ? [directive('hash', '$remote_addr', 'consistent')] : [directive('ip_hash')];
}

function poolFile(pool: ResolvedPool): Item[] {
  const body: Item[] = [
    directive('zone', `webfarm_${pool.stream ? 'stream' : 'http'}_${pool.name.replace(/-/g, '_')}`, '64k'),
    ...algorithmLines(pool),
  ];
  const passive = [`max_fails=${pool.maxFails}`, `fail_timeout=${formatSeconds(pool.failTimeoutSeconds)}`];
  if (pool.runtimeManaged) {
    body.push(
      comment('Nodes are changed at run time (webfarm nodes); a push creates this file and never'),
      comment('overwrites it. Servers the run-time client adds get these options:'),
      comment(`webfarm:server-options ${passive.join(' ')}`),
    );
  }
  if (!pool.nodes.length) {
    body.push(
      comment('No nodes yet: requests get 502 until some are added.'),
      directive('server', '127.0.0.1:9', 'down'),
    );
  }
  for (const node of pool.nodes) {
    body.push({
      kind: 'directive',
      name: 'server',
      args: [
        node.address,
        ...(node.weight !== undefined && node.weight !== 1 ? [`weight=${node.weight}`] : []),
        ...passive,
        ...(node.backup ? ['backup'] : []),
      ],
      note: node.name,
    });
  }
  if (!pool.stream && pool.keepalive > 0) {
    body.push(directive('keepalive', String(pool.keepalive)), directive('keepalive_timeout', '60s'));
  }
  return [
    comment(
      `Pool '${pool.name}' (${pool.protocol}, ${pool.algorithm}), rendered by webfarm: one file per pool.`,
    ),
    block('upstream', [upstreamName(pool)], body),
  ];
}

function upstreamName(pool: ResolvedPool): string {
  return pool.name;
}

function proxyTarget(pool: ResolvedPool): string {
  return `${pool.protocol === 'https' ? 'https' : 'http'}://${upstreamName(pool)}`;
}

function variableBase(listener: ResolvedListener): string {
  return `$webfarm_${listener.name.replace(/-/g, '_')}`;
}

function routingMaps(listener: ResolvedListener): Item[] {
  const base = variableBase(listener);
  const items: Item[] = [
    comment('Routing rules, checked in order; the first rule whose conditions all hold wins. Each map'),
    comment('tests one condition and otherwise falls through to the next rule (maps are lazy).'),
  ];
  listener.rules.forEach((rule, i) => {
    const next = i + 1 < listener.rules.length ? `${base}_rule${i + 2}` : proxyTarget(listener.defaultPool);
    rule.conditions.forEach((cond, j) => {
      const variable = j === 0 ? `${base}_rule${i + 1}` : `${base}_rule${i + 1}_if${j + 1}`;
      const hit = j + 1 < rule.conditions.length ? `${base}_rule${i + 1}_if${j + 2}` : proxyTarget(rule.pool);
      items.push(
        comment(
          `rule ${i + 1}${rule.conditions.length > 1 ? `, condition ${j + 1}` : ''}: ${cond.describe} -> pool '${rule.pool.name}'`,
        ),
        block(
          'map',
          [cond.source, variable],
          [
            directive(
              nginxQuote(cond.regex, { path: `nginx listener '${listener.name}'`, what: 'rule' }),
              hit,
            ),
            directive('default', next),
          ],
        ),
      );
    });
  });
  return items;
}

function accessRules(listener: ResolvedListener): Item[] {
  if (!listener.allowedCidrs.length) return [];
  return [...listener.allowedCidrs.map((c) => directive('allow', c)), directive('deny', 'all')];
}

function listenerFile(model: ResolvedModel, listener: ResolvedListener): Item[] {
  const items: Item[] = [];
  const zone = `webfarm_${listener.name.replace(/-/g, '_')}`;
  if (listener.stream) {
    items.push(
      comment(
        `Listener '${listener.name}' (${listener.protocol} on port ${listener.port}), rendered by webfarm.`,
      ),
      block(
        'server',
        [],
        [
          directive('listen', listener.listen, ...(listener.protocol === 'udp' ? ['udp'] : [])),
          ...accessRules(listener),
          directive('proxy_pass', upstreamName(listener.defaultPool)),
        ],
      ),
    );
    return items;
  }
  items.push(
    comment(
      `Listener '${listener.name}' (${listener.protocol} on port ${listener.port}), rendered by webfarm.`,
    ),
  );
  if (listener.rate) {
    items.push(
      directive(
        'limit_req_zone',
        '$binary_remote_addr',
        `zone=${zone}_rate:10m`,
        `rate=${listener.rate.perSecond}r/s`,
      ),
    );
  }
  if (listener.cache) {
    items.push(
      directive(
        'proxy_cache_path',
        `${model.paths.cacheDir}/cache-${listener.name}`,
        'levels=1:2',
        `keys_zone=${zone}_cache:10m`,
        `max_size=${listener.cache.maxSizeMb}m`,
        'inactive=60m',
        'use_temp_path=off',
      ),
    );
  }
  if (listener.rules.length) items.push(blank, ...routingMaps(listener));
  items.push(blank);

  const server: Item[] = [];
  const tls = listener.tls;
  server.push(directive('listen', listener.listen, ...(tls ? ['ssl', 'http2'] : [])));
  server.push(directive('server_name', ...(listener.serverNames.length ? listener.serverNames : ['_'])));
  if (tls) {
    server.push(
      directive('ssl_certificate', tls.certificatePath),
      directive('ssl_certificate_key', tls.keyPath),
      directive('ssl_protocols', ...tls.versions),
      directive('ssl_ciphers', NGINX_TLS_CIPHERS),
      directive('ssl_prefer_server_ciphers', 'off'),
    );
  }
  server.push(...accessRules(listener));
  if (listener.rate) {
    server.push(
      directive('limit_req', `zone=${zone}_rate`, `burst=${listener.rate.burst}`, 'nodelay'),
      directive('limit_req_status', '429'),
    );
  }
  const location: Item[] = [
    directive(
      'proxy_pass',
      listener.rules.length ? `${variableBase(listener)}_rule1` : proxyTarget(listener.defaultPool),
    ),
    directive('proxy_set_header', 'Host', '$host'),
    directive('proxy_set_header', 'X-Real-IP', '$remote_addr'),
    directive('proxy_set_header', 'X-Forwarded-For', '$proxy_add_x_forwarded_for'),
    directive('proxy_set_header', 'X-Forwarded-Proto', '$scheme'),
    directive('proxy_set_header', 'X-Forwarded-Host', '$host'),
    directive('proxy_set_header', 'Upgrade', '$http_upgrade'),
    directive('proxy_set_header', 'Connection', '$connection_upgrade'),
    ...listener.requestHeaders.map(([name, value]) => directive('proxy_set_header', name, value)),
  ];
  if (listener.cache) {
    location.push(
      directive('proxy_cache', `${zone}_cache`),
      directive('proxy_cache_valid', '200', '301', '302', formatSeconds(listener.cache.validSeconds)),
      directive(
        'proxy_cache_use_stale',
        'error',
        'timeout',
        'updating',
        'http_500',
        'http_502',
        'http_503',
        'http_504',
      ),
      directive('proxy_cache_lock', 'on'),
      directive('add_header', 'X-Cache-Status', '$upstream_cache_status', 'always'),
    );
  }
  if (tls?.hstsMaxAgeSeconds !== undefined) {
    location.push(
      directive('add_header', 'Strict-Transport-Security', `"max-age=${tls.hstsMaxAgeSeconds}"`, 'always'),
    );
  }
  server.push(block('location', ['/'], location));
  items.push(block('server', [], server));

  if (tls?.redirectFromPort !== undefined) {
    const listen = listener.bindAddress
      ? `${formatHost(listener.bindAddress, { path: listener.name, what: 'bindAddress' })}:${tls.redirectFromPort}`
      : String(tls.redirectFromPort);
    const target =
      listener.port === 443 ? 'https://$host$request_uri' : `https://$host:${listener.port}$request_uri`;
    items.push(
      blank,
      comment(`Plain HTTP on port ${tls.redirectFromPort} is redirected to HTTPS.`),
      block(
        'server',
        [],
        [
          directive('listen', listen),
          directive('server_name', ...(listener.serverNames.length ? listener.serverNames : ['_'])),
          ...accessRules(listener),
          directive('return', '301', target),
        ],
      ),
    );
  }
  return items;
}
