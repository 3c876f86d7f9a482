import { ValidationError } from './errors';
import { checkInteger, checkOneOf, checkSeconds } from './validate';
import { isUnresolved } from './tokens';
import { HealthCheck, checkActiveHealthCheck, checkHealthCheckObject } from './health-checks';

export type { ActiveHealthCheck, HealthCheck, PassiveHealthCheck, PoolTimeouts } from './health-checks';
export {
  checkActiveHealthCheck,
  checkExpectedCodes,
  checkPoolTimeouts,
  effectiveProbeTimeout,
} from './health-checks';

/**
 * The balancing vocabulary shared by every backend (DESIGN decision 3): one way to say
 * "how to pick a node", "how to keep a client on a node", "how to tell a node is healthy" and
 * "how to terminate TLS", which each balancer backend translates.
 */

/** How a pool picks a node. */
export type AlgorithmKind =
  /** Each node in turn (nginx default, HAProxy `roundrobin`, Octavia `ROUND_ROBIN`). */
  | 'round-robin'
  /** The node with the fewest active connections (`least_conn`, `leastconn`, `LEAST_CONNECTIONS`). */
  | 'least-connections'
  /** Hash of the client address (`ip_hash`, `balance source`, `SOURCE_IP`). */
  | 'source-ip'
  /** Hash of client address and port (Octavia `SOURCE_IP_PORT`, the only OVN algorithm). */
  | 'source-ip-port'
  /** Hash of a request header (`hash $http_<name>`, `balance hdr(<name>)`). */
  | 'hash-header'
  /** Hash of a cookie value (`hash $cookie_<name>`, `balance hdr(Cookie)`-style by `cookie`). */
  | 'hash-cookie'
  /** Hash of the request URI (`hash $request_uri`, `balance uri`). */
  | 'hash-uri'
  /** Power of two random choices, least connections (`random two least_conn`, `balance random(2)`). */
  | 'random-two';

/**
 * How a pool picks a node; build one with the static methods. A header or cookie name is checked
 * where the algorithm is used (`addPool`), so the error names the pool's construct path.
 */
export class Algorithm {
  /** Each node in turn, weighted. */
  public static roundRobin(): Algorithm {
    return new Algorithm('round-robin');
  }
  /** The node with the fewest active connections. */
  public static leastConnections(): Algorithm {
    return new Algorithm('least-connections');
  }
  /** The same client address always reaches the same node. */
  public static sourceIp(): Algorithm {
    return new Algorithm('source-ip');
  }
  /** Hash of client address and port (Octavia/OVN). */
  public static sourceIpPort(): Algorithm {
    return new Algorithm('source-ip-port');
  }
  /**
   * The same value of request header `name` always reaches the same node (the climate-data
   * platform's `hash $http_machineid`). Consistent hashing (ketama) is on by default, so adding
   * a node moves only about 1/N of the keys.
   */
  public static hashHeader(name: string, options: { readonly consistent?: boolean } = {}): Algorithm {
    return new Algorithm('hash-header', name, options.consistent ?? true);
  }
  /** The same value of cookie `name` always reaches the same node. */
  public static hashCookie(name: string, options: { readonly consistent?: boolean } = {}): Algorithm {
    return new Algorithm('hash-cookie', name, options.consistent ?? true);
  }
  /** The same request URI always reaches the same node (caches). */
  public static hashUri(options: { readonly consistent?: boolean } = {}): Algorithm {
    return new Algorithm('hash-uri', undefined, options.consistent ?? true);
  }
  /** Two random nodes, the less loaded one wins. */
  public static randomTwo(): Algorithm {
    return new Algorithm('random-two');
  }

  private constructor(
    /** Which algorithm. */
    public readonly kind: AlgorithmKind,
    /** The header or cookie name of a hash algorithm. */
    public readonly key?: string,
    /** Consistent (ketama) hashing for hash algorithms. */
    public readonly consistent?: boolean,
  ) {}

  /** True for the algorithms that hash something of the request. */
  public get isHash(): boolean {
    return (
      this.kind === 'hash-header' ||
      this.kind === 'hash-cookie' ||
      this.kind === 'hash-uri' ||
      this.kind === 'source-ip' ||
      this.kind === 'source-ip-port'
    );
  }

  /** `hash-header(machineid)`, `round-robin`, … */
  public toString(): string {
    return this.key ? `${this.kind}(${this.key})` : this.kind;
  }
}

/** How a client is kept on one node across requests. */
export type StickinessKind =
  /** The balancer inserts its own cookie naming the node (HAProxy `cookie … insert`, Octavia `HTTP_COOKIE`). */
  | 'insert-cookie'
  /** The application's own session cookie is learned (HAProxy `cookie <name> prefix`, Octavia `APP_COOKIE`). */
  | 'app-cookie'
  /** By client address (nginx `ip_hash`, HAProxy stick-table on `src`, Octavia `SOURCE_IP`). */
  | 'source-ip';

/**
 * Session persistence; build one with the static methods. The cookie name and max-age are
 * checked where the stickiness is used (`addPool`), so the error names the pool's construct path.
 */
export class Stickiness {
  /** The balancer inserts a cookie (default name `SERVERID`). */
  public static insertCookie(
    name = 'SERVERID',
    options: { readonly maxAgeSeconds?: number } = {},
  ): Stickiness {
    return new Stickiness('insert-cookie', name, options.maxAgeSeconds);
  }
  /** Follow the application's own session cookie, e.g. `JSESSIONID`. */
  public static appCookie(name: string): Stickiness {
    return new Stickiness('app-cookie', name);
  }
  /** By client address. */
  public static sourceIp(): Stickiness {
    return new Stickiness('source-ip');
  }

  private constructor(
    /** Which kind. */
    public readonly kind: StickinessKind,
    /** The cookie name, for cookie kinds. */
    public readonly cookieName?: string,
    /** Cookie lifetime; session cookie when unset. */
    public readonly maxAgeSeconds?: number,
  ) {}

  /** `insert-cookie(SERVERID)`, `source-ip`. */
  public toString(): string {
    return this.cookieName ? `${this.kind}(${this.cookieName})` : this.kind;
  }
}

/** Where the certificate and key of a TLS listener come from. */
export type TlsCertificate =
  /** Files already on the balancer host (e.g. from certbot). */
  | { readonly kind: 'files'; readonly certificatePath: string; readonly keyPath: string }
  /** A Barbican secret container (Octavia `TERMINATED_HTTPS`). */
  | { readonly kind: 'barbican'; readonly containerRef: string };

/** TLS protocol versions a listener may accept. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** TLS on a listener. */
export interface ListenerTls {
  /**
   * `terminate`: the balancer decrypts (and proxies HTTP); `passthrough`: TCP straight to the nodes.
   * @default 'terminate'
   */
  readonly mode?: 'terminate' | 'passthrough';
  /**
   * The certificate of a terminating listener.
   * @default - required when mode is 'terminate'
   */
  readonly certificate?: TlsCertificate;
  /**
   * Accepted protocol versions.
   * @default ['TLSv1.2', 'TLSv1.3']
   */
  readonly versions?: TlsVersion[];
  /**
   * Also listen on plain HTTP `redirectFromPort` and redirect to HTTPS.
   * @default - no redirect listener
   */
  readonly redirectFromPort?: number;
  /**
   * Send `Strict-Transport-Security` with this max-age.
   * @default - no HSTS header
   */
  readonly hstsMaxAgeSeconds?: number;
}

/** A listener option only some backends render. */
export type ListenerExtra = 'cache' | 'serverNames' | 'requestHeaders' | 'rateLimitBurst';

/** Protocol of a listener. */
export type ListenerProtocol = 'http' | 'https' | 'tcp' | 'udp';

/** What a backend can do; checked at synth (DESIGN decision 4). */
export interface BalancerCapabilities {
  /** Backend name used in messages: `nginx`, `HAProxy`, `Octavia (ovn driver)`. */
  readonly backend: string;
  /** Algorithms it implements. */
  readonly algorithms: readonly AlgorithmKind[];
  /** Stickiness kinds it implements. */
  readonly stickiness: readonly StickinessKind[];
  /** Active health checks. */
  readonly activeHealthChecks: boolean;
  /** Passive health checks. */
  readonly passiveHealthChecks: boolean;
  /** Listener protocols. */
  readonly listenerProtocols: readonly ListenerProtocol[];
  /** TLS termination at the balancer. */
  readonly tlsTermination: boolean;
  /** Certificate sources for termination. */
  readonly certificateKinds: readonly TlsCertificate['kind'][];
  /** TLS passthrough (TCP). */
  readonly tlsPassthrough: boolean;
  /** Layer-7 routing rules (path, header, host, websocket). */
  readonly routingRules: boolean;
  /** Backup nodes (used only when all others are down). */
  readonly backupNodes: boolean;
  /** Per-node weights. */
  readonly weights: boolean;
  /**
   * Pools whose nodes are changed at run time (`PoolOptions.runtimeManaged`).
   * @default false
   */
  readonly runtimeManagedPools?: boolean;
  /**
   * Listener options beyond ports and rules that the backend renders
   * (`ListenerOptions.cache`, `serverNames`, `requestHeaders`, `rateLimitBurst`).
   * @default - none of them
   */
  readonly listenerExtras?: readonly ListenerExtra[];
  /** Which backend to suggest when something is missing: `capability → advice`. */
  readonly advice: Readonly<Record<string, string>>;
}

/** Everything, for the NoopBalancer and the tests of users who do not care about a backend. */
export const UNRESTRICTED_CAPABILITIES: BalancerCapabilities = {
  backend: 'noop',
  algorithms: [
    'round-robin',
    'least-connections',
    'source-ip',
    'source-ip-port',
    'hash-header',
    'hash-cookie',
    'hash-uri',
    'random-two',
  ],
  stickiness: ['insert-cookie', 'app-cookie', 'source-ip'],
  activeHealthChecks: true,
  passiveHealthChecks: true,
  listenerProtocols: ['http', 'https', 'tcp', 'udp'],
  tlsTermination: true,
  certificateKinds: ['files', 'barbican'],
  tlsPassthrough: true,
  routingRules: true,
  backupNodes: true,
  weights: true,
  runtimeManagedPools: true,
  listenerExtras: ['cache', 'serverNames', 'requestHeaders', 'rateLimitBurst'],
  advice: {},
};

/** Open-source nginx (no cookie insertion, no active checks). */
export const NGINX_CAPABILITIES: BalancerCapabilities = {
  backend: 'nginx',
  algorithms: [
    'round-robin',
    'least-connections',
    'source-ip',
    'hash-header',
    'hash-cookie',
    'hash-uri',
    'random-two',
  ],
  stickiness: ['source-ip'],
  activeHealthChecks: false,
  passiveHealthChecks: true,
  listenerProtocols: ['http', 'https', 'tcp', 'udp'],
  tlsTermination: true,
  certificateKinds: ['files'],
  tlsPassthrough: true,
  routingRules: true,
  backupNodes: true,
  weights: true,
  runtimeManagedPools: true,
  listenerExtras: ['cache', 'serverNames', 'requestHeaders', 'rateLimitBurst'],
  advice: {
    'insert-cookie':
      'open-source nginx has no cookie-insert stickiness (that is nginx Plus `sticky cookie`); use HaproxyBalancer or OctaviaBalancer (HTTP_COOKIE), or Algorithm.hashCookie on an application cookie',
    'app-cookie':
      'open-source nginx cannot learn an application cookie; use Algorithm.hashCookie(name) on nginx, or HaproxyBalancer',
    activeHealthChecks:
      'open-source nginx has no active health checks (that is nginx Plus `health_check`); use HaproxyBalancer or OctaviaBalancer, or rely on passive checks (healthCheck.passive)',
    'source-ip-port': 'nginx cannot hash the client port; use Algorithm.sourceIp()',
    barbican: 'nginx reads certificates from files on the host; use certificate kind "files"',
  },
};

/** HAProxy 2.x. */
export const HAPROXY_CAPABILITIES: BalancerCapabilities = {
  backend: 'HAProxy',
  algorithms: [
    'round-robin',
    'least-connections',
    'source-ip',
    'hash-header',
    'hash-cookie',
    'hash-uri',
    'random-two',
  ],
  stickiness: ['insert-cookie', 'app-cookie', 'source-ip'],
  activeHealthChecks: true,
  passiveHealthChecks: true,
  listenerProtocols: ['http', 'https', 'tcp'],
  tlsTermination: true,
  certificateKinds: ['files'],
  tlsPassthrough: true,
  routingRules: true,
  backupNodes: true,
  weights: true,
  runtimeManagedPools: true,
  listenerExtras: ['requestHeaders'],
  advice: {
    cache: 'HAProxy has no disk cache in webfarm; use NginxBalancer for a response cache',
    serverNames: 'route by host name with a rule ({ hostName, pool }) on HAProxy',
    rateLimitBurst:
      'HAProxy counts requests per second without a burst; give rateLimitPerSecond only, or use NginxBalancer',
    udp: 'HAProxy does not balance UDP; use NginxBalancer (stream) or OctaviaBalancer',
    'source-ip-port': 'HAProxy cannot hash the client port; use Algorithm.sourceIp()',
    barbican: 'HAProxy reads certificates from files on the host; use certificate kind "files"',
  },
};

/** Checks `value` against a backend's list; throws the backend's advice when it is missing. */
export function requireCapability(
  caps: BalancerCapabilities,
  path: string,
  what: string,
  value: string,
  supported: boolean,
  allowed: readonly string[] | string,
  adviceKey: string = value,
): void {
  if (supported) return;
  throw new ValidationError({
    path,
    what: `${what} (${caps.backend})`,
    value,
    allowed: typeof allowed === 'string' ? allowed : allowed.length ? allowed.join(', ') : 'none',
    fix:
      caps.advice[adviceKey] ??
      `${caps.backend} does not support ${value}; choose one of the allowed values or another balancer backend`,
  });
}

/** What a pool asks of its backend (the subset of pool options that capabilities govern). */
export interface PoolRequirements {
  /** The algorithm. */
  readonly algorithm: Algorithm;
  /** Stickiness, if any. */
  readonly stickiness?: Stickiness;
  /** Health checks, if any. */
  readonly healthCheck?: HealthCheck;
}

/**
 * Checks a pool's algorithm, stickiness and health checks against a backend, and the
 * combinations no backend can honour (stickiness by cookie on a pool that already hashes).
 */
export function checkPoolRequirements(caps: BalancerCapabilities, path: string, req: PoolRequirements): void {
  const algo = req.algorithm;
  checkAlgorithm(path, algo);
  if (req.stickiness !== undefined) checkStickiness(path, req.stickiness);
  requireCapability(caps, path, 'algorithm', algo.kind, caps.algorithms.includes(algo.kind), caps.algorithms);
  const sticky = req.stickiness;
  if (sticky) {
    requireCapability(
      caps,
      path,
      'stickiness',
      sticky.kind,
      caps.stickiness.includes(sticky.kind),
      caps.stickiness,
    );
    if (algo.isHash && !(sticky.kind === 'source-ip' && algo.kind === 'source-ip')) {
      throw new ValidationError({
        path,
        what: 'stickiness with a hashing algorithm',
        value: `${sticky} with ${algo}`,
        allowed:
          'stickiness with round-robin, least-connections or random-two; a hash algorithm is already sticky',
        fix: 'drop `stickiness` (the hash keeps clients on one node) or use Algorithm.roundRobin()/leastConnections()',
      });
    }
  }
  checkHealthCheckObject(path, req.healthCheck);
  const active = req.healthCheck?.active;
  if (active) {
    requireCapability(
      caps,
      path,
      'active health check',
      'active',
      caps.activeHealthChecks,
      'passive health checks only',
      'activeHealthChecks',
    );
    checkActiveHealthCheck(path, active);
  }
  const passive = req.healthCheck?.passive;
  if (passive) {
    requireCapability(
      caps,
      path,
      'passive health check',
      'passive',
      caps.passiveHealthChecks,
      'active health checks only',
      'passiveHealthChecks',
    );
    if (passive.maxFails !== undefined)
      checkInteger(
        path,
        'healthCheck.passive.maxFails',
        passive.maxFails,
        1,
        100,
        'give how many failed requests take a node out, e.g. 3',
      );
    if (passive.failTimeoutSeconds !== undefined)
      checkSeconds(path, 'healthCheck.passive.failTimeoutSeconds', passive.failTimeoutSeconds, 3600);
  }
}

const ALGORITHM_KINDS: readonly AlgorithmKind[] = [
  'round-robin',
  'least-connections',
  'source-ip',
  'source-ip-port',
  'hash-header',
  'hash-cookie',
  'hash-uri',
  'random-two',
];

/**
 * Checks an {@link Algorithm} at run time: a JavaScript caller or JSON can pass a plain object
 * that never went through the static factories (and their header-name check).
 */
export function checkAlgorithm(path: string, algo: Algorithm): void {
  const given = algo as unknown as { kind?: unknown; key?: unknown } | undefined;
  if (given === null || typeof given !== 'object') {
    throw new ValidationError({
      path,
      what: 'algorithm',
      value: algo,
      allowed: 'an Algorithm, e.g. Algorithm.roundRobin() or Algorithm.hashHeader("machineid")',
      fix: 'build the algorithm with one of the Algorithm static methods',
    });
  }
  checkOneOf(
    path,
    'algorithm kind',
    given.kind,
    ALGORITHM_KINDS,
    'build the algorithm with one of the Algorithm static methods',
  );
  if (given.kind === 'hash-header' || given.kind === 'hash-cookie') {
    checkHeaderName(
      path,
      `${given.kind === 'hash-header' ? 'header' : 'cookie'} name of the algorithm`,
      given.key as string,
    );
  }
}

/** Checks a {@link Stickiness} at run time (see {@link checkAlgorithm}). */
export function checkStickiness(path: string, sticky: Stickiness): void {
  const given = sticky as unknown as
    { kind?: unknown; cookieName?: unknown; maxAgeSeconds?: unknown } | undefined;
  if (given === null || typeof given !== 'object') {
    throw new ValidationError({
      path,
      what: 'stickiness',
      value: sticky,
      allowed: 'a Stickiness, e.g. Stickiness.sourceIp() or Stickiness.insertCookie()',
      fix: 'build it with one of the Stickiness static methods',
    });
  }
  checkOneOf(
    path,
    'stickiness kind',
    given.kind,
    ['insert-cookie', 'app-cookie', 'source-ip'] as const,
    'build it with one of the Stickiness static methods',
  );
  if (given.kind !== 'source-ip')
    checkHeaderName(path, 'cookie name of the stickiness', given.cookieName as string);
  if (given.maxAgeSeconds !== undefined) {
    checkInteger(
      path,
      'stickiness maxAgeSeconds',
      given.maxAgeSeconds as number,
      1,
      31536000,
      'give whole seconds (cookie Max-Age is an integer), e.g. 3600',
    );
  }
}

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Throws unless `name` is an HTTP token (a valid header or cookie name). */
export function checkHeaderName(path: string, what: string, name: string): void {
  if (isUnresolved(name)) return;
  if (typeof name !== 'string' || !TOKEN_CHARS.test(name) || name.length > 128) {
    throw new ValidationError({
      path,
      what,
      value: name,
      allowed: 'an HTTP token: letters, digits and !#$%&\'*+.^_`|~- (no spaces, no ":")',
      fix: 'use the bare name, e.g. "machineid" or "X-Request-Id"',
    });
  }
}

/**
 * Checks the listener options only some backends render ({@link ListenerExtra}) against the
 * backend, and their values.
 */
export function checkListenerExtras(
  caps: BalancerCapabilities,
  path: string,
  options: {
    readonly cache?: { readonly maxSizeMb?: number; readonly validSeconds?: number };
    readonly serverNames?: readonly string[];
    readonly requestHeaders?: Readonly<Record<string, string>>;
    readonly rateLimitBurst?: number;
    readonly rateLimitPerSecond?: number;
  },
): void {
  const supported = caps.listenerExtras ?? [];
  for (const extra of ['cache', 'serverNames', 'requestHeaders', 'rateLimitBurst'] as const) {
    if (options[extra] === undefined) continue;
    requireCapability(caps, path, 'listener option', extra, supported.includes(extra), supported);
  }
  if (options.rateLimitBurst !== undefined) {
    checkInteger(path, 'rateLimitBurst', options.rateLimitBurst, 0, 1000000, 'give extra requests, e.g. 40');
    if (options.rateLimitPerSecond === undefined) {
      throw new ValidationError({
        path,
        what: 'rateLimitBurst',
        value: options.rateLimitBurst,
        allowed: 'a burst together with rateLimitPerSecond',
        fix: 'give rateLimitPerSecond too, or leave rateLimitBurst out',
      });
    }
  }
  const cache = options.cache;
  if (cache !== undefined) {
    if (cache === null || typeof cache !== 'object') {
      throw new ValidationError({
        path,
        what: 'cache',
        value: cache,
        allowed: 'an object such as { maxSizeMb: 1024, validSeconds: 600 }',
        fix: 'give cache: {} for the defaults, or leave it out',
      });
    }
    if (cache.maxSizeMb !== undefined)
      checkInteger(path, 'cache.maxSizeMb', cache.maxSizeMb, 1, 1048576, 'give megabytes, e.g. 1024');
    if (cache.validSeconds !== undefined)
      checkSeconds(path, 'cache.validSeconds', cache.validSeconds, 31536000);
  }
  if (
    options.serverNames !== undefined &&
    (!Array.isArray(options.serverNames) || options.serverNames.length === 0)
  ) {
    throw new ValidationError({
      path,
      what: 'serverNames',
      value: options.serverNames,
      allowed: 'a non-empty list of host names',
      fix: 'list the names, e.g. ["nsboot.example.com"], or leave it out for every name',
    });
  }
  for (const name of Object.keys(options.requestHeaders ?? {}))
    checkHeaderName(path, 'requestHeaders name', name);
}
