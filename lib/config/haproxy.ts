import {
  ActiveHealthCheck,
  Algorithm,
  HAPROXY_CAPABILITIES,
  HealthCheck,
  ListenerProtocol,
  ListenerTls,
  PoolTimeouts,
  Stickiness,
  TlsVersion,
  checkHeaderName,
  checkPoolRequirements,
  checkPoolTimeouts,
  effectiveProbeTimeout,
  requireCapability,
} from '../core/balancing';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { checkCidr, checkInteger, checkName, checkPort, checkSeconds, checkUnique } from '../core/validate';
import { RenderedFile } from './files';
import { PoolRef, checkRequestHeaders, fail, findPool } from './proxy-common';
import {
  checkHeaderValue,
  checkHostName,
  checkPathPrefix,
  formatAddress,
  formatFilePath,
  formatHost,
  formatNodeHost,
  formatSeconds,
  haproxyLogFormatQuote,
  haproxyQuote,
  literalNumber,
} from './quote';

/**
 * HAProxy configuration: a typed model ({@link HaproxyConfig}) and one printer
 * ({@link renderHaproxy}) that writes one `haproxy.cfg` with a `frontend` per listener and a
 * `backend` per pool (frontends and backends may share a name in HAProxy).
 *
 * Health: every node is checked actively — the pool's `healthCheck.active` probe, or by default
 * an HTTP `GET /` every 2 s (healthy below 500; TCP connect for tcp pools) — and passively:
 * `maxFails` errors or 5xx answers on real traffic mark it down at once (`observe layer7`, tcp
 * pools `layer4`, `error-limit … on-error mark-down`). HAProxy has no
 * time window for passive failures: a node marked down returns after `rise` successful checks,
 * so `failTimeoutSeconds` (an nginx notion) is not used.
 *
 * Retries: a failed attempt is retried (`retries`, `retry-on all-retryable-errors`) on another
 * node (`option redispatch 1`); layer-7 retries (after the request was sent) are disabled for
 * methods that are not idempotent, so a POST is never sent twice.
 */

/** A pool named by its name, or any object with a `name` (an `IBalancerPool`). */
export type HaproxyPoolRef = PoolRef;

/** One node of a pool: an HAProxy `server` line. */
export interface HaproxyNode {
  /** Stable name: the `server` name and the value of a sticky cookie. */
  readonly name: string;
  /** Address or DNS name; may be a Terraform reference (a worker's IP). */
  readonly host: string;
  /** Port on the node. */
  readonly port: number;
  /**
   * Relative share of traffic (`weight`).
   * @default 1
   */
  readonly weight?: number;
  /**
   * Used only when every other node is down (`backup`).
   * @default false
   */
  readonly backup?: boolean;
}

/** A pool: an HAProxy `backend`. */
export interface HaproxyPool {
  /** Pool name (lowercase letters, digits, `-`); the backend's name. */
  readonly name: string;
  /**
   * What the nodes speak: `https` adds `ssl verify none` (the nodes' certificates are not
   * verified, as nginx's default); `tcp` makes a layer-4 backend.
   * @default 'http'
   */
  readonly protocol?: 'http' | 'https' | 'tcp';
  /**
   * How a node is picked.
   * @default Algorithm.roundRobin()
   */
  readonly algorithm?: Algorithm;
  /**
   * Keep a client on one node: an inserted cookie, the application's cookie, or the client address.
   * @default - none
   */
  readonly stickiness?: Stickiness;
  /**
   * Health checks.
   * @default - HTTP pools: `GET /` every 2 s (2 s timeout), healthy below 500, out after 3
   * misses, and passive `observe layer7` (3 errors or 5xx answers take a node out); tcp pools:
   * connect checks every 2 s and `observe layer4`
   */
  readonly healthCheck?: HealthCheck;
  /**
   * This pool's own connect and response timeouts (`timeout connect` / `timeout server` in its
   * backend), e.g. long ones for long-running services.
   * @default - the configuration's {@link HaproxyTimeouts} (3 s / 30 s)
   */
  readonly timeouts?: PoolTimeouts;
  /**
   * Idle connections to the nodes may be reused by other clients (`http-reuse safe`); 0 disables
   * reuse (`http-reuse never`). The number itself caps idle connections per node (`pool-max-conn`).
   * @default 32
   */
  readonly keepaliveConnections?: number;
  /** The nodes; an empty pool answers 503 until nodes are added. */
  readonly nodes: readonly HaproxyNode[];
  /**
   * Changed at run time (`webfarm nodes`): the backend is rendered into its own file under
   * `paths.poolsDir` (HAProxy reads it after `haproxy.cfg`), so the run-time client can keep it
   * in step with the servers it adds through the runtime API. The algorithm must be one HAProxy
   * can add servers to at run time (round robin, least connections, random, or a consistent hash).
   * @default false
   */
  readonly runtimeManaged?: boolean;
}

/** A layer-7 rule: requests matching every given condition go to `pool`. */
export interface HaproxyRoutingRule {
  /** Where matching requests go. */
  readonly pool: HaproxyPoolRef;
  /**
   * The request path starts with this prefix (`path_beg`).
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

/** TLS on an HAProxy listener: HAProxy reads certificate and key from one PEM file. */
export interface HaproxyTls extends ListenerTls {
  /**
   * The PEM file with the certificate chain and the key (`bind … ssl crt <pemPath>`).
   * @default - `certificate.certificatePath` when `keyPath` is the same file or that path plus `.key`
   */
  readonly pemPath?: string;
}

/** A listener: an HAProxy `frontend`. */
export interface HaproxyListener {
  /** Listener name (lowercase letters, digits, `-`); the frontend's name. */
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
  readonly defaultPool: HaproxyPoolRef;
  /**
   * Layer-7 rules, checked in order; the first rule whose conditions all hold wins.
   * @default - none
   */
  readonly rules?: readonly HaproxyRoutingRule[];
  /**
   * TLS termination or passthrough (a `tcp` listener).
   * @default - plain text
   */
  readonly tls?: HaproxyTls;
  /**
   * Client networks allowed to connect; others are refused at connection time.
   * @default - anyone who can reach the port
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Requests per second per client address, tracked in a stick-table; excess requests get 429.
   * @default - no rate limit
   */
  readonly rateLimitPerSecond?: number;
  /**
   * Extra headers set on every request (`http-request set-header`); values are literal text.
   * @default - none
   */
  readonly requestHeaders?: Readonly<Record<string, string>>;
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

/**
 * Renders `haproxy.cfg`. Validates the model first; any mistake is one {@link ValidationError}.
 * The file is mode `0600` when it holds the stats password.
 */
export function renderHaproxy(config: HaproxyConfig): RenderedFile[] {
  const model = resolveModel(config);
  const sections: Section[] = [globalSection(model), defaultsSection(model)];
  if (model.stats) sections.push(...statsSections(model.stats, model.log !== false));
  for (const listener of model.listeners) sections.push(frontendSection(listener, model.log !== false));
  for (const pool of model.pools.filter((p) => !p.runtimeManaged)) sections.push(backendSection(pool));
  const file: RenderedFile = { path: model.paths.configFile, content: printHaproxy(sections) };
  // Run-time pools: one file each, which the run-time client rewrites (never haproxy.cfg).
  const runtime = model.pools
    .filter((p) => p.runtimeManaged)
    .map((pool) => ({
      path: `${model.paths.poolsDir}/${pool.name}.cfg`,
      content: printHaproxy([backendSection(pool)]).replace(
        '# haproxy.cfg, rendered by webfarm.',
        `# Pool '${pool.name}', created by webfarm and changed at run time (webfarm nodes): a push never overwrites it.`,
      ),
    }));
  return [model.stats?.password !== undefined ? { ...file, mode: '0600' } : file, ...runtime];
}

// ---------------------------------------------------------------------------------------------
// The printer: sections of lines; each line is a list of words, already quoted.

interface Section {
  readonly comment?: string;
  readonly header: readonly string[];
  readonly lines: ReadonlyArray<readonly string[] | { readonly comment: string }>;
}

function printHaproxy(sections: Section[]): string {
  const out: string[] = ['# haproxy.cfg, rendered by webfarm.'];
  for (const section of sections) {
    out.push('');
    if (section.comment) out.push(...section.comment.split('\n').map((l) => `# ${l}`.trimEnd()));
    out.push(section.header.join(' '));
    for (const line of section.lines) {
      if ('comment' in line) out.push(...line.comment.split('\n').map((l) => `    # ${l}`.trimEnd()));
      else out.push(`    ${line.join(' ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Validation.

interface ResolvedPool {
  readonly name: string;
  readonly protocol: 'http' | 'https' | 'tcp';
  readonly algorithm: Algorithm;
  readonly stickiness?: Stickiness;
  readonly active?: ActiveHealthCheck;
  readonly maxFails: number;
  readonly keepalive: number;
  readonly nodes: ReadonlyArray<{ name: string; address: string; weight?: number; backup: boolean }>;
  readonly runtimeManaged: boolean;
  readonly timeouts?: PoolTimeouts;
}

interface ResolvedListener {
  readonly name: string;
  readonly mode: 'http' | 'tcp';
  readonly protocol: ListenerProtocol;
  readonly port: number;
  readonly binds: string[][];
  readonly tlsPort?: number;
  readonly redirectFromPort?: number;
  readonly hstsMaxAgeSeconds?: number;
  readonly defaultPool: ResolvedPool;
  readonly rules: ReadonlyArray<{
    readonly pool: ResolvedPool;
    readonly acls: ReadonlyArray<readonly string[]>;
  }>;
  readonly allowedCidrs: readonly string[];
  readonly rateLimitPerSecond?: number;
  readonly requestHeaders: ReadonlyArray<readonly [string, string]>;
}

interface ResolvedStats {
  readonly bind: string;
  readonly user: string;
  readonly password?: string;
  readonly prometheus: boolean;
  readonly refreshSeconds: number;
}

interface ResolvedModel {
  readonly paths: Required<HaproxyPaths>;
  readonly user: string;
  readonly group: string;
  readonly maxConnections: number;
  readonly log: string | false;
  readonly timeouts: Required<HaproxyTimeouts>;
  readonly retries: number;
  readonly stats?: ResolvedStats;
  readonly pools: ResolvedPool[];
  readonly listeners: ResolvedListener[];
}

/** Header and cookie names HAProxy reads inside `hdr(…)`/`req.cook(…)` without quoting. */
const SIMPLE_NAME = /^[A-Za-z0-9_.-]+$/;

function resolveModel(config: HaproxyConfig): ResolvedModel {
  const where = 'haproxy';
  const given = config.paths ?? {};
  const paths: Required<HaproxyPaths> = {
    configFile: formatFilePath(given.configFile ?? HAPROXY_DEFAULT_PATHS.configFile, {
      path: 'haproxy paths',
      what: 'configFile',
    }),
    chroot:
      given.chroot === false
        ? false
        : formatFilePath(given.chroot ?? (HAPROXY_DEFAULT_PATHS.chroot as string), {
            path: 'haproxy paths',
            what: 'chroot',
          }),
    adminSocket: formatFilePath(given.adminSocket ?? HAPROXY_DEFAULT_PATHS.adminSocket, {
      path: 'haproxy paths',
      what: 'adminSocket',
    }),
    poolsDir: formatFilePath(given.poolsDir ?? HAPROXY_DEFAULT_PATHS.poolsDir, {
      path: 'haproxy paths',
      what: 'poolsDir',
    }),
  };
  const user = config.user ?? 'haproxy';
  const group = config.group ?? 'haproxy';
  for (const [what, value] of [
    ['user', user],
    ['group', group],
  ] as const) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(value)) {
      fail(
        where,
        what,
        value,
        'a Unix user or group name such as "haproxy"',
        'give the account HAProxy runs as',
      );
    }
  }
  const maxConnections = config.maxConnections ?? 4096;
  checkInteger(where, 'maxConnections', maxConnections, 16, 1048576, 'give e.g. 4096');
  const log = config.log ?? '/dev/log';
  if (log !== false && !/^(\/[A-Za-z0-9._/@+-]+|(udp@)?[0-9.]+(:[0-9]+)?|stdout|stderr)$/.test(log)) {
    fail(where, 'log', log, 'a socket path, "stdout", "stderr" or ip:port', 'e.g. "/dev/log", or false');
  }
  const t = config.timeouts ?? {};
  const timeouts: Required<HaproxyTimeouts> = {
    connectSeconds: t.connectSeconds ?? 3,
    clientSeconds: t.clientSeconds ?? 30,
    serverSeconds: t.serverSeconds ?? 30,
    httpRequestSeconds: t.httpRequestSeconds ?? 10,
    httpKeepAliveSeconds: t.httpKeepAliveSeconds ?? 10,
    queueSeconds: t.queueSeconds ?? 30,
    tunnelSeconds: t.tunnelSeconds ?? 3600,
  };
  for (const [key, value] of Object.entries(timeouts)) checkSeconds(where, `timeouts.${key}`, value, 86400);
  const retries = config.retries ?? 3;
  checkInteger(where, 'retries', retries, 0, 10, 'give how many times a failed attempt is retried, e.g. 3');

  const pools: ResolvedPool[] = [];
  for (const pool of config.pools) {
    checkUnique(
      where,
      'pool name',
      pool.name,
      pools.map((p) => p.name),
    );
    pools.push(resolvePool(pool));
  }

  let stats: ResolvedStats | undefined;
  const usedPorts: number[] = [];
  if (config.stats !== false) {
    const s = config.stats ?? {};
    const path = 'haproxy stats';
    const port = literalNumber(s.port ?? 8404, { path, what: 'port' });
    checkPort(path, 'port', port);
    usedPorts.push(port);
    const bindAddress = formatAddress(s.bindAddress ?? '127.0.0.1', { path, what: 'bindAddress' });
    const loopback = /^(127\.[0-9.]+|::1)$/.test(bindAddress);
    if (!loopback && s.password === undefined) {
      fail(
        path,
        'bindAddress',
        bindAddress,
        'a loopback address (127.0.0.1, ::1), or any address together with a password',
        'keep the default 127.0.0.1, or give stats.password (e.g. a generated random_password)',
      );
    }
    const statsUser = s.user ?? 'admin';
    if (!SIMPLE_NAME.test(statsUser)) {
      fail(path, 'user', statsUser, 'letters, digits, "_", "." and "-"', 'e.g. "admin"');
    }
    if (s.password !== undefined && !isUnresolved(s.password) && s.password.length === 0) {
      fail(
        path,
        'password',
        '',
        'a non-empty password',
        'give a password, or leave it out on a loopback address',
      );
    }
    const refreshSeconds = s.refreshSeconds ?? 10;
    checkInteger(path, 'refreshSeconds', refreshSeconds, 1, 3600, 'give whole seconds, e.g. 10');
    stats = {
      bind: `${formatHost(bindAddress, { path, what: 'bindAddress' })}:${port}`,
      user: statsUser,
      password: s.password === undefined ? undefined : quoteSecret(s.password, { path, what: 'password' }),
      prometheus: s.prometheus ?? true,
      refreshSeconds,
    };
  }

  const listeners: ResolvedListener[] = [];
  for (const listener of config.listeners) {
    checkUnique(
      where,
      'listener name',
      listener.name,
      listeners.map((l) => l.name),
    );
    const resolved = resolveListener(listener, pools);
    for (const port of [resolved.port, ...(resolved.redirectFromPort ? [resolved.redirectFromPort] : [])]) {
      if (usedPorts.includes(port)) {
        fail(
          `haproxy listener '${listener.name}'`,
          'port',
          port,
          `a port no other listener or the stats page uses (in use: ${usedPorts.join(', ')})`,
          'give each listener its own port (or move the stats page with stats.port)',
        );
      }
      usedPorts.push(port);
    }
    listeners.push(resolved);
  }
  return { paths, user, group, maxConnections, log, timeouts, retries, stats, pools, listeners };
}

/** {@link haproxyQuote} for a secret: a rejection does not print the secret. */
function quoteSecret(secret: string, ctx: { path: string; what: string }): string {
  try {
    return haproxyQuote(secret, ctx);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError({
      path: e.path,
      what: e.what,
      value: '(hidden)',
      allowed: e.allowed,
      fix: e.fix,
    });
  }
}

function resolvePool(pool: HaproxyPool): ResolvedPool {
  checkName('haproxy', 'pool name', pool.name);
  const path = `haproxy pool '${pool.name}'`;
  const protocol = pool.protocol ?? 'http';
  if (!['http', 'https', 'tcp'].includes(protocol)) {
    requireCapability(HAPROXY_CAPABILITIES, path, 'pool protocol', protocol, false, ['http', 'https', 'tcp']);
  }
  const algorithm = pool.algorithm ?? Algorithm.roundRobin();
  checkPoolRequirements(HAPROXY_CAPABILITIES, path, {
    algorithm,
    stickiness: pool.stickiness,
    healthCheck: pool.healthCheck,
  });
  if ((algorithm.kind === 'hash-header' || algorithm.kind === 'hash-cookie') && algorithm.key) {
    if (isUnresolved(algorithm.key) || !SIMPLE_NAME.test(algorithm.key)) {
      fail(
        path,
        `${algorithm.kind === 'hash-header' ? 'hash header' : 'hash cookie'} name`,
        algorithm.key,
        'letters, digits, "_", "." and "-"',
        'rename it; other characters cannot be written inside an HAProxy sample fetch',
      );
    }
  }
  if (protocol === 'tcp') {
    if (['hash-header', 'hash-cookie', 'hash-uri'].includes(algorithm.kind)) {
      fail(
        path,
        'algorithm of a tcp pool',
        algorithm.kind,
        'round-robin, least-connections, source-ip, random-two',
        'a layer-4 pool sees no HTTP headers, cookies or URIs; hash the client with Algorithm.sourceIp()',
      );
    }
    if (pool.stickiness && pool.stickiness.kind !== 'source-ip') {
      fail(
        path,
        'cookie stickiness on a tcp pool',
        String(pool.stickiness),
        'Stickiness.sourceIp() on tcp pools',
        'use Stickiness.sourceIp() or make the pool speak HTTP',
      );
    }
  }
  const stickyName = pool.stickiness?.cookieName;
  if (stickyName !== undefined && !SIMPLE_NAME.test(stickyName)) {
    fail(
      path,
      'stickiness cookie name',
      stickyName,
      'letters, digits, "_", "." and "-"',
      'rename the cookie',
    );
  }
  const active = pool.healthCheck?.active;
  const keepalive = pool.keepaliveConnections ?? 32;
  checkInteger(path, 'keepaliveConnections', keepalive, 0, 10000, 'give e.g. 32, or 0 to disable reuse');
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
    return {
      name: node.name,
      address: `${formatNodeHost(node.host, { path, what: `host of node '${node.name}'` }, 'HAProxy')}:${port}`,
      weight: node.weight,
      backup: !!node.backup,
    };
  });
  return {
    name: pool.name,
    protocol,
    algorithm,
    stickiness: pool.stickiness,
    active,
    maxFails: pool.healthCheck?.passive?.maxFails ?? 3,
    keepalive,
    nodes,
    runtimeManaged: checkRuntimePool(path, pool, algorithm),
    timeouts: checkPoolTimeouts(path, pool.timeouts),
  };
}

/** HAProxy adds servers at run time only to backends with a dynamic algorithm. */
function checkRuntimePool(path: string, pool: HaproxyPool, algorithm: Algorithm): boolean {
  if (!pool.runtimeManaged) return false;
  const hashed = ['hash-header', 'hash-cookie', 'hash-uri'].includes(algorithm.kind);
  if (hashed && !algorithm.consistent) {
    fail(
      path,
      'algorithm of a run-time pool',
      String(algorithm),
      'round robin, least connections, random, source IP, or a consistent hash',
      'HAProxy adds servers at run time only with a dynamic algorithm: give the hash { consistent: true }',
    );
  }
  return true;
}

function resolveListener(listener: HaproxyListener, pools: ResolvedPool[]): ResolvedListener {
  checkName('haproxy', 'listener name', listener.name);
  const path = `haproxy listener '${listener.name}'`;
  const port = literalNumber(listener.port, { path, what: 'port' });
  checkPort(path, 'port', port);
  const tls = listener.tls;
  const terminate = tls !== undefined && tls.mode !== 'passthrough';
  const protocol = listener.protocol ?? (terminate ? 'https' : 'http');
  requireCapability(
    HAPROXY_CAPABILITIES,
    path,
    'protocol',
    protocol,
    HAPROXY_CAPABILITIES.listenerProtocols.includes(protocol),
    HAPROXY_CAPABILITIES.listenerProtocols,
  );
  const mode = protocol === 'tcp' ? 'tcp' : 'http';
  const host =
    listener.bindAddress === undefined
      ? ''
      : formatHost(formatAddress(listener.bindAddress, { path, what: 'bindAddress' }), {
          path,
          what: 'bindAddress',
        });
  const defaultPool = findPool(path, 'defaultPool', listener.defaultPool, pools);
  checkPoolFits(path, 'defaultPool', mode, defaultPool);

  const binds: string[][] = [];
  let redirectFromPort: number | undefined;
  let hstsMaxAgeSeconds: number | undefined;
  if (tls && tls.mode === 'passthrough') {
    if (protocol !== 'tcp') {
      fail(
        path,
        'TLS passthrough protocol',
        protocol,
        '"tcp" (HAProxy does not decrypt)',
        'set protocol: "tcp"',
      );
    }
    binds.push([`${host}:${port}`]);
  } else if (tls) {
    if (protocol !== 'https') {
      fail(
        path,
        'protocol of a TLS-terminating listener',
        protocol,
        '"https"',
        'leave protocol out (https is implied)',
      );
    }
    const versions = tls.versions ?? ['TLSv1.2', 'TLSv1.3'];
    if (!versions.length || versions.some((v: TlsVersion) => v !== 'TLSv1.2' && v !== 'TLSv1.3')) {
      fail(
        path,
        'tls.versions',
        versions,
        '"TLSv1.2" and/or "TLSv1.3"',
        'older protocols are broken; keep the default',
      );
    }
    const pem = pemPathOf(path, tls);
    binds.push([
      `${host}:${port}`,
      'ssl',
      'crt',
      pem,
      'ssl-min-ver',
      versions.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3',
      ...(versions.includes('TLSv1.3') ? [] : ['ssl-max-ver', 'TLSv1.2']),
      'alpn',
      'h2,http/1.1',
    ]);
    if (tls.redirectFromPort !== undefined) {
      redirectFromPort = literalNumber(tls.redirectFromPort, { path, what: 'tls.redirectFromPort' });
      checkPort(path, 'tls.redirectFromPort', redirectFromPort);
      binds.push([`${host}:${redirectFromPort}`]);
    }
    if (tls.hstsMaxAgeSeconds !== undefined) {
      checkInteger(
        path,
        'tls.hstsMaxAgeSeconds',
        tls.hstsMaxAgeSeconds,
        1,
        63072000,
        'give whole seconds (HSTS max-age is an integer), e.g. 31536000',
      );
      hstsMaxAgeSeconds = tls.hstsMaxAgeSeconds;
    }
  } else {
    if (protocol === 'https') {
      fail(path, 'protocol', 'https', 'https together with a `tls` block', 'add tls: { pemPath: … }');
    }
    binds.push([`${host}:${port}`]);
  }

  const rules = (listener.rules ?? []).map((rule, i) => {
    const where = `${path} rule ${i + 1}`;
    if (mode === 'tcp') {
      fail(
        where,
        'routing rule on a layer-4 listener',
        protocol,
        'routing rules on http or https listeners',
        'make the listener speak HTTP, or route by port',
      );
    }
    const pool = findPool(where, 'pool', rule.pool, pools);
    checkPoolFits(where, 'pool', mode, pool);
    return { pool, acls: ruleAcls(where, i + 1, rule) };
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

  if (listener.rateLimitPerSecond !== undefined) {
    if (mode === 'tcp') {
      fail(
        path,
        'rateLimitPerSecond on a layer-4 listener',
        listener.rateLimitPerSecond,
        'rate limits on http or https listeners',
        'drop the limit or use an HTTP listener',
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
  }

  const requestHeaders = checkRequestHeaders(
    path,
    listener.requestHeaders,
    mode === 'tcp',
    'headers on http listeners',
  ).map(([name, value]) => {
    const ctx = { path, what: `requestHeaders[${JSON.stringify(name)}]` };
    return [haproxyQuote(name, ctx), haproxyLogFormatQuote(value, ctx)] as const;
  });

  return {
    name: listener.name,
    mode,
    protocol,
    port,
    binds,
    tlsPort: terminate ? port : undefined,
    redirectFromPort,
    hstsMaxAgeSeconds,
    defaultPool,
    rules,
    allowedCidrs,
    rateLimitPerSecond: listener.rateLimitPerSecond,
    requestHeaders,
  };
}

function pemPathOf(path: string, tls: HaproxyTls): string {
  if (tls.pemPath !== undefined) return formatFilePath(tls.pemPath, { path, what: 'tls.pemPath' });
  const cert = tls.certificate;
  if (!cert) {
    fail(path, 'tls.pemPath', undefined, 'a PEM file with certificate and key', 'give tls.pemPath');
  }
  requireCapability(HAPROXY_CAPABILITIES, path, 'certificate source', cert.kind, cert.kind === 'files', [
    'files',
  ]);
  if (cert.kind !== 'files') throw new Error('unreachable');
  const certPath = formatFilePath(cert.certificatePath, { path, what: 'tls.certificate.certificatePath' });
  formatFilePath(cert.keyPath, { path, what: 'tls.certificate.keyPath' });
  if (cert.keyPath === cert.certificatePath || cert.keyPath === `${cert.certificatePath}.key`)
    return certPath;
  return fail(
    path,
    'tls.certificate.keyPath',
    cert.keyPath,
    `the certificate file itself, or "${cert.certificatePath}.key" (HAProxy loads the key from there)`,
    'give tls.pemPath with certificate and key in one file (cat site.crt site.key > site.pem)',
  );
}

function checkPoolFits(path: string, what: string, mode: 'http' | 'tcp', pool: ResolvedPool): void {
  const fits = mode === 'tcp' ? pool.protocol === 'tcp' : pool.protocol !== 'tcp';
  if (!fits) {
    fail(
      path,
      `${what} protocol`,
      `pool '${pool.name}' is ${pool.protocol}, listener mode is ${mode}`,
      mode === 'tcp' ? 'a pool whose protocol is "tcp"' : 'a pool whose protocol is "http" or "https"',
      mode === 'tcp'
        ? 'a tcp listener forwards bytes: give the pool protocol "tcp" (its nodes may still speak TLS)'
        : 'an HTTP listener proxies to an "http" or "https" pool',
    );
  }
}

function ruleAcls(where: string, n: number, rule: HaproxyRoutingRule): string[][] {
  const acls: string[][] = [];
  if (rule.hostName !== undefined) {
    if (isUnresolved(rule.hostName)) {
      fail(where, 'hostName', rule.hostName, 'a host name known at synth time', 'give a literal name');
    }
    checkHostName(rule.hostName, { path: where, what: 'hostName' });
    const host = rule.hostName.toLowerCase();
    const fetch = 'req.hdr(host),lower,regsub(:[0-9]+$,)';
    acls.push(
      host.startsWith('*.')
        ? [
            `rule${n}_host`,
            fetch,
            '-m',
            'end',
            '--',
            haproxyQuote(host.slice(1), { path: where, what: 'hostName' }),
          ]
        : [`rule${n}_host`, fetch, '-m', 'str', '--', haproxyQuote(host, { path: where, what: 'hostName' })],
    );
  }
  if (rule.pathPrefix !== undefined) {
    if (isUnresolved(rule.pathPrefix)) {
      fail(where, 'pathPrefix', rule.pathPrefix, 'a path known at synth time', 'give a literal path');
    }
    checkPathPrefix(rule.pathPrefix, { path: where, what: 'pathPrefix' });
    acls.push([
      `rule${n}_path`,
      'path_beg',
      '--',
      haproxyQuote(rule.pathPrefix, { path: where, what: 'pathPrefix' }),
    ]);
  }
  if (rule.header !== undefined) {
    const { name, value } = rule.header;
    checkHeaderName(where, 'header name', name);
    if (isUnresolved(name) || !SIMPLE_NAME.test(name)) {
      fail(
        where,
        'header name',
        name,
        'letters, digits, "_", "." and "-"',
        'rename the header; other characters cannot be written inside an HAProxy sample fetch',
      );
    }
    if (value === undefined) {
      acls.push([`rule${n}_header`, `req.fhdr(${name.toLowerCase()},1)`, '-m', 'len', 'gt', '0']);
    } else {
      if (isUnresolved(value)) {
        fail(where, 'header value', value, 'a value known at synth time', 'give a literal value');
      }
      checkHeaderValue(value, { path: where, what: 'header value' });
      acls.push([
        `rule${n}_header`,
        `req.fhdr(${name.toLowerCase()},1)`,
        '-m',
        'str',
        '--',
        haproxyQuote(value, { path: where, what: 'header value' }),
      ]);
    }
  }
  if (rule.websocket) {
    acls.push([`rule${n}_websocket`, 'req.hdr(upgrade)', '-m', 'str', '-i', '--', 'websocket']);
  }
  if (!acls.length) {
    fail(
      where,
      'rule condition',
      '(none)',
      'at least one of pathPrefix, header, hostName, websocket',
      'say which requests the rule matches, or use defaultPool',
    );
  }
  return acls;
}

// ---------------------------------------------------------------------------------------------
// The sections.

function globalSection(model: ResolvedModel): Section {
  const lines: string[][] = [];
  if (model.log !== false) lines.push(['log', model.log, 'local0']);
  if (model.paths.chroot !== false) lines.push(['chroot', model.paths.chroot]);
  lines.push(
    ['user', model.user],
    ['group', model.group],
    ['maxconn', String(model.maxConnections)],
    ['stats', 'socket', model.paths.adminSocket, 'mode', '660', 'level', 'admin', 'expose-fd', 'listeners'],
    ['stats', 'timeout', '30s'],
    ['ssl-default-bind-ciphers', HAPROXY_TLS_CIPHERS.tls12],
    ['ssl-default-bind-ciphersuites', HAPROXY_TLS_CIPHERS.tls13],
    ['ssl-default-bind-options', 'ssl-min-ver', 'TLSv1.2', 'no-tls-tickets'],
  );
  return { header: ['global'], lines };
}

function defaultsSection(model: ResolvedModel): Section {
  const t = model.timeouts;
  return {
    header: ['defaults'],
    lines: [
      ...(model.log !== false ? [['log', 'global']] : []),
      ['mode', 'http'],
      ...(model.log !== false
        ? [
            ['option', 'httplog'],
            ['option', 'dontlognull'],
          ]
        : []),
      ['timeout', 'connect', formatSeconds(t.connectSeconds)],
      ['timeout', 'client', formatSeconds(t.clientSeconds)],
      ['timeout', 'server', formatSeconds(t.serverSeconds)],
      ['timeout', 'http-request', formatSeconds(t.httpRequestSeconds)],
      ['timeout', 'http-keep-alive', formatSeconds(t.httpKeepAliveSeconds)],
      ['timeout', 'queue', formatSeconds(t.queueSeconds)],
      ['timeout', 'tunnel', formatSeconds(t.tunnelSeconds)],
      { comment: 'A failed attempt is retried, each time on another node.' },
      ['retries', String(model.retries)],
      ['option', 'redispatch', '1'],
    ],
  };
}

function statsSections(stats: ResolvedStats, logging: boolean): Section[] {
  const sections: Section[] = [];
  const lines: Array<string[] | { comment: string }> = [
    ['bind', stats.bind],
    ['mode', 'http'],
    ...(logging ? [['http-request', 'set-log-level', 'silent']] : []),
  ];
  if (stats.password !== undefined) {
    sections.push({
      comment: 'The login of the stats page and the metrics.',
      header: ['userlist', 'webfarm_stats'],
      lines: [['user', stats.user, 'insecure-password', stats.password]],
    });
    lines.push(['http-request', 'auth', 'realm', 'webfarm', 'unless', '{', 'http_auth(webfarm_stats)', '}']);
  }
  if (stats.prometheus) {
    lines.push(['http-request', 'use-service', 'prometheus-exporter', 'if', '{', 'path', '/metrics', '}']);
  }
  lines.push(
    ['stats', 'enable'],
    ['stats', 'uri', '/stats'],
    ['stats', 'refresh', `${stats.refreshSeconds}s`],
  );
  sections.push({
    comment:
      stats.password !== undefined
        ? 'Stats page (/stats) and Prometheus metrics (/metrics), behind a login.'
        : 'Stats page (/stats) and Prometheus metrics (/metrics), on a loopback address only.',
    header: ['frontend', 'webfarm_stats'],
    lines,
  });
  return sections;
}

function frontendSection(listener: ResolvedListener, logging: boolean): Section {
  const lines: Array<readonly string[] | { comment: string }> = [];
  for (const bind of listener.binds) lines.push(['bind', ...bind]);
  lines.push(['mode', listener.mode]);
  if (listener.mode === 'tcp') {
    if (logging) lines.push(['option', 'tcplog']);
  } else {
    lines.push(['option', 'forwardfor']);
  }
  if (listener.allowedCidrs.length) {
    lines.push(['tcp-request', 'connection', 'reject', 'unless', '{', 'src', ...listener.allowedCidrs, '}']);
  }
  if (listener.rateLimitPerSecond !== undefined) {
    lines.push(
      { comment: `At most ${listener.rateLimitPerSecond} requests per second per client address.` },
      ['stick-table', 'type', 'ipv6', 'size', '100k', 'expire', '10s', 'store', 'http_req_rate(1s)'],
      ['http-request', 'track-sc0', 'src'],
      [
        'http-request',
        'deny',
        'deny_status',
        '429',
        'if',
        '{',
        'sc_http_req_rate(0)',
        'gt',
        String(listener.rateLimitPerSecond),
        '}',
      ],
    );
  }
  if (listener.redirectFromPort !== undefined) {
    const port = listener.tlsPort === 443 ? '' : `:${listener.tlsPort}`;
    lines.push({ comment: `Plain HTTP on port ${listener.redirectFromPort} is redirected to HTTPS.` }, [
      'http-request',
      'redirect',
      'location',
      `https://%[req.hdr(host),regsub(:[0-9]+$,)]${port}%[url]`,
      'code',
      '301',
      'unless',
      '{',
      'ssl_fc',
      '}',
    ]);
  }
  if (listener.mode === 'http') {
    const tls = listener.tlsPort !== undefined;
    lines.push(
      [
        'http-request',
        'set-header',
        'X-Forwarded-Proto',
        tls ? 'https' : 'http',
        ...(tls ? ['if', '{', 'ssl_fc', '}'] : []),
      ],
      ...(tls && listener.redirectFromPort !== undefined
        ? [['http-request', 'set-header', 'X-Forwarded-Proto', 'http', 'unless', '{', 'ssl_fc', '}']]
        : []),
      ['http-request', 'set-header', 'X-Forwarded-Host', '%[req.hdr(host)]'],
      ['http-request', 'set-header', 'X-Real-IP', '%[src]'],
      ...listener.requestHeaders.map(([name, value]) => ['http-request', 'set-header', name, value]),
    );
    if (listener.hstsMaxAgeSeconds !== undefined) {
      lines.push([
        'http-response',
        'set-header',
        'Strict-Transport-Security',
        `max-age=${listener.hstsMaxAgeSeconds}`,
        'if',
        '{',
        'ssl_fc',
        '}',
      ]);
    }
  }
  if (listener.rules.length) {
    lines.push({
      comment: 'Routing rules, checked in order; the first rule whose conditions all hold wins.',
    });
    for (const rule of listener.rules) for (const acl of rule.acls) lines.push(['acl', ...acl]);
    for (const rule of listener.rules) {
      lines.push(['use_backend', rule.pool.name, 'if', ...rule.acls.map((acl) => acl[0])]);
    }
  }
  lines.push(['default_backend', listener.defaultPool.name]);
  return {
    comment: `Listener '${listener.name}' (${listener.protocol} on port ${listener.port}).`,
    header: ['frontend', listener.name],
    lines,
  };
}

function balanceLines(pool: ResolvedPool): string[][] {
  const algo = pool.algorithm;
  const consistent = algo.consistent ? [['hash-type', 'consistent']] : [];
  switch (algo.kind) {
    case 'round-robin':
      return [['balance', 'roundrobin']];
    case 'least-connections':
      return [['balance', 'leastconn']];
    case 'source-ip':
      return [
        ['balance', 'source'],
        ['hash-type', 'consistent'],
      ];
    case 'hash-header':
      return [['balance', `hdr(${algo.key})`], ...consistent];
    case 'hash-cookie':
      return [['balance', 'hash', `req.cook(${algo.key})`], ...consistent];
    case 'hash-uri':
      return [['balance', 'uri', 'whole'], ...consistent];
    case 'random-two':
      return [['balance', 'random(2)']];
    default:
      throw new Error(`unreachable: ${algo.kind}`);
  }
}

/** `^(2[0-9][0-9]|3[0-9][0-9])$` for "200-399": the expected codes as one regex. */
function statusRegex(expected: string): string {
  const codes = new Set<number>();
  for (const part of expected.split(',')) {
    const [from, to] = part.split('-').map(Number);
    for (let c = from; c <= (to ?? from); c++) codes.add(c);
  }
  const alternatives: string[] = [];
  for (let h = 1; h <= 5; h++) {
    if (Array.from({ length: 100 }, (_, i) => h * 100 + i).every((c) => codes.has(c))) {
      alternatives.push(`${h}[0-9][0-9]`);
      continue;
    }
    for (let t = 0; t <= 9; t++) {
      const base = h * 100 + t * 10;
      if (Array.from({ length: 10 }, (_, i) => base + i).every((c) => codes.has(c))) {
        alternatives.push(`${h}${t}[0-9]`);
        continue;
      }
      for (let u = 0; u <= 9; u++) if (codes.has(base + u)) alternatives.push(String(base + u));
    }
  }
  return `^(${alternatives.join('|')})$`;
}

function backendSection(pool: ResolvedPool): Section {
  const lines: Array<readonly string[] | { comment: string }> = [
    ['mode', pool.protocol === 'tcp' ? 'tcp' : 'http'],
    ...balanceLines(pool),
    ...(pool.timeouts?.connectSeconds !== undefined
      ? [['timeout', 'connect', formatSeconds(pool.timeouts.connectSeconds)]]
      : []),
    ...(pool.timeouts?.responseSeconds !== undefined
      ? [['timeout', 'server', formatSeconds(pool.timeouts.responseSeconds)]]
      : []),
  ];
  const http = pool.protocol !== 'tcp';
  const active = pool.active;
  const check = ['check'];
  if (active) {
    const probe = active.protocol ?? 'http';
    if (probe !== 'tcp') {
      const code = active.expectedCodes ?? '200-399';
      lines.push(
        ['option', 'httpchk'],
        [
          'http-check',
          'send',
          'meth',
          active.method ?? 'GET',
          'uri',
          haproxyQuote(active.path ?? '/', {
            path: `haproxy pool '${pool.name}'`,
            what: 'healthCheck.active.path',
          }),
        ],
        /^[0-9]{3}$/.test(code)
          ? ['http-check', 'expect', 'status', code]
          : [
              'http-check',
              'expect',
              'rstatus',
              haproxyQuote(statusRegex(code), {
                path: `haproxy pool '${pool.name}'`,
                what: 'healthCheck.active.expectedCodes',
              }),
            ],
      );
      if (probe === 'https' && pool.protocol !== 'https') check.push('check-ssl', 'verify', 'none');
    }
    lines.push(['timeout', 'check', formatSeconds(effectiveProbeTimeout(active))]);
    check.push(
      'inter',
      formatSeconds(active.intervalSeconds ?? 5),
      'rise',
      String(active.healthyThreshold ?? 2),
      'fall',
      String(active.unhealthyThreshold ?? 3),
    );
  } else if (http) {
    // The default for HTTP pools: an HTTP probe (a TCP connect says nothing about a node that
    // accepts connections and never answers), healthy on any answer below 500, every 2 s with a
    // 2 s timeout, out after 3 misses: a hanging node leaves rotation within about 8 s.
    lines.push(
      ['option', 'httpchk'],
      ['http-check', 'send', 'meth', 'GET', 'uri', '/'],
      ['http-check', 'expect', 'rstatus', '^[1-4][0-9][0-9]$'],
      ['timeout', 'check', '2s'],
    );
    check.push('inter', '2s', 'rise', '2', 'fall', '3');
  } else {
    check.push('inter', '2s', 'rise', '2', 'fall', '3');
  }
  // Passive checks: real traffic that fails takes the node out (HTTP pools: 5xx answers count).
  check.push(
    'observe',
    http ? 'layer7' : 'layer4',
    'error-limit',
    String(pool.maxFails),
    'on-error',
    'mark-down',
  );
  if (http) {
    lines.push(
      // 502/503/504 from a node are retried on another node (idempotent requests only, below).
      ['retry-on', 'all-retryable-errors', '502', '503', '504'],
      { comment: 'Requests that already reached a node are retried only when idempotent.' },
      ['acl', 'idempotent', 'method', 'GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'],
      ['http-request', 'disable-l7-retry', 'unless', 'idempotent'],
      pool.keepalive > 0 ? ['http-reuse', 'safe'] : ['http-reuse', 'never'],
    );
  }
  const sticky = pool.stickiness;
  if (sticky?.kind === 'insert-cookie') {
    lines.push([
      'cookie',
      sticky.cookieName ?? 'SERVERID',
      'insert',
      'indirect',
      'nocache',
      'httponly',
      ...(sticky.maxAgeSeconds !== undefined
        ? ['maxlife', `${sticky.maxAgeSeconds}s`, 'attr', `Max-Age=${sticky.maxAgeSeconds}`]
        : []),
    ]);
  } else if (sticky?.kind === 'app-cookie') {
    lines.push(['cookie', sticky.cookieName ?? 'JSESSIONID', 'prefix', 'nocache']);
  } else if (sticky?.kind === 'source-ip') {
    lines.push(['stick-table', 'type', 'ipv6', 'size', '200k', 'expire', '30m'], ['stick', 'on', 'src']);
  }
  lines.push([
    'default-server',
    ...check,
    ...(http && pool.keepalive > 0 ? ['pool-max-conn', String(pool.keepalive)] : []),
    ...(pool.protocol === 'https' ? ['ssl', 'verify', 'none'] : []),
  ]);
  if (!pool.nodes.length) lines.push({ comment: 'No nodes yet: requests get 503 until some are added.' });
  const cookie = sticky?.kind === 'insert-cookie' || sticky?.kind === 'app-cookie';
  for (const node of pool.nodes) {
    lines.push([
      'server',
      node.name,
      node.address,
      ...(node.weight !== undefined && node.weight !== 1 ? ['weight', String(node.weight)] : []),
      ...(node.backup ? ['backup'] : []),
      ...(cookie ? ['cookie', node.name] : []),
    ]);
  }
  return {
    comment: `Pool '${pool.name}' (${pool.protocol}, ${pool.algorithm}).`,
    header: ['backend', pool.name],
    lines,
  };
}
