import { BalancerCapabilities } from '../../core/balancing';
import { ValidationError } from '../../core/errors';

/**
 * What Octavia can do, per provider driver and per API microversion, so that `OctaviaBalancer`
 * refuses at synth what the cloud would refuse at apply (DESIGN decision 4).
 *
 * Sources: Octavia's provider feature matrix (`doc/source/user/feature-classification/*.ini`)
 * and its API version history (`octavia/api/root_controller.py`, `api-ref/source/parameters.yaml`
 * `min_version`), both in openstack/octavia.
 */

/** Octavia provider drivers webfarm knows. */
export type OctaviaDriver = 'amphora' | 'ovn';

/**
 * The amphora driver (HAProxy in service VMs): layer 4 and 7, TLS termination with Barbican,
 * L7 policies, session persistence, every monitor type. No SOURCE_IP_PORT, no passive checks.
 */
export const OCTAVIA_AMPHORA_CAPABILITIES: BalancerCapabilities = {
  backend: 'Octavia (amphora driver)',
  algorithms: ['round-robin', 'least-connections', 'source-ip'],
  stickiness: ['insert-cookie', 'app-cookie', 'source-ip'],
  activeHealthChecks: true,
  passiveHealthChecks: false,
  listenerProtocols: ['http', 'https', 'tcp', 'udp'],
  tlsTermination: true,
  certificateKinds: ['barbican'],
  tlsPassthrough: true,
  routingRules: true,
  backupNodes: true,
  weights: true,
  advice: {
    'hash-header':
      'hash by header is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashHeader), or Algorithm.sourceIp() (SOURCE_IP)',
    'hash-cookie':
      'hash by cookie is not supported by Octavia; use Stickiness.appCookie(name) (APP_COOKIE) with round robin, or NginxBalancer or HaproxyBalancer (Algorithm.hashCookie)',
    'hash-uri':
      'hash by URI is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashUri)',
    'random-two':
      'Octavia has no power-of-two-choices balancing; use Algorithm.leastConnections() (LEAST_CONNECTIONS)',
    'source-ip-port':
      'the amphora driver has no SOURCE_IP_PORT (only the ovn driver has it); use Algorithm.sourceIp() (SOURCE_IP)',
    passiveHealthChecks:
      'Octavia has no passive health checks; use healthCheck.active (an Octavia health monitor)',
    files:
      'Octavia reads certificates from Barbican: store certificate and key as a Barbican secret container and use { kind: "barbican", containerRef }',
  },
};

const OVN_L4 =
  'the ovn driver is layer 4 only (TCP and UDP listeners and pools); use protocol "tcp", or driver "amphora" for HTTP';

/**
 * The ovn driver (OVN's native load balancer): layer 4 only, SOURCE_IP_PORT only, TCP and
 * UDP-CONNECT monitors, no L7, no TLS termination, no persistence, no weights, no backups.
 */
export const OCTAVIA_OVN_CAPABILITIES: BalancerCapabilities = {
  backend: 'Octavia (ovn driver)',
  algorithms: ['source-ip-port'],
  stickiness: [],
  activeHealthChecks: true,
  passiveHealthChecks: false,
  listenerProtocols: ['tcp', 'udp'],
  tlsTermination: false,
  certificateKinds: [],
  tlsPassthrough: true,
  routingRules: false,
  backupNodes: false,
  weights: false,
  advice: {
    'round-robin':
      'the ovn driver balances by SOURCE_IP_PORT only; use Algorithm.sourceIpPort() (the default on ovn), or driver "amphora" for ROUND_ROBIN',
    'least-connections':
      'the ovn driver balances by SOURCE_IP_PORT only; use Algorithm.sourceIpPort(), or driver "amphora" for LEAST_CONNECTIONS',
    'source-ip':
      'the ovn driver neither hashes by source address alone nor keeps sessions: use Algorithm.sourceIpPort() without stickiness, or driver "amphora" (SOURCE_IP)',
    'hash-header':
      'hash by header is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashHeader), or Algorithm.sourceIpPort() on ovn',
    'hash-cookie':
      'hash by cookie is not supported by Octavia; use NginxBalancer or HaproxyBalancer, or driver "amphora" with Stickiness.appCookie(name)',
    'hash-uri':
      'hash by URI is not supported by Octavia; use NginxBalancer or HaproxyBalancer (Algorithm.hashUri)',
    'random-two': 'the ovn driver balances by SOURCE_IP_PORT only; use Algorithm.sourceIpPort()',
    'insert-cookie':
      'the ovn driver has no session persistence (it cannot see HTTP); drop stickiness, or use driver "amphora" (HTTP_COOKIE)',
    'app-cookie':
      'the ovn driver has no session persistence (it cannot see HTTP); drop stickiness, or use driver "amphora" (APP_COOKIE)',
    http: OVN_L4,
    https:
      'the ovn driver is layer 4 only: for TLS passthrough use protocol "tcp" with tls.mode "passthrough"; to terminate TLS use driver "amphora" (TERMINATED_HTTPS with Barbican)',
    tlsTermination:
      'the ovn driver cannot terminate TLS; use driver "amphora" (TERMINATED_HTTPS with Barbican)',
    routingRules:
      'the ovn driver has no L7 policies; use driver "amphora", or route by port with one listener per service',
    backupNodes: 'the ovn driver has no backup members; use driver "amphora", or drop backup',
    weights: 'the ovn driver has no member weights; use driver "amphora", or drop weight',
    passiveHealthChecks:
      'Octavia has no passive health checks; use healthCheck.active with protocol "tcp" (a TCP or UDP-CONNECT monitor)',
  },
};

/** Features outside the shared capability table that differ between drivers. */
export interface OctaviaDriverFeatures {
  /** Load-balancer flavors (ACTIVE_STANDBY topology comes from a flavor). */
  readonly flavors: boolean;
  /** Availability zones. */
  readonly availabilityZones: boolean;
  /** Listener `allowed_cidrs`, enforced by the driver. */
  readonly allowedCidrs: boolean;
  /** `insert_headers` (X-Forwarded-For, …). */
  readonly headerInsertion: boolean;
  /** Listener `timeout_*`. */
  readonly listenerTimeouts: boolean;
  /** Listener `connection_limit`. */
  readonly connectionLimit: boolean;
  /** Monitor types the driver runs. */
  readonly monitorTypes: readonly OctaviaMonitorType[];
  /** PROXY / PROXYV2 pool protocols. */
  readonly proxyProtocol: boolean;
  /** PROMETHEUS listeners. */
  readonly prometheusListeners: boolean;
  /** HTTP listeners that redirect to HTTPS (an L7 REDIRECT_PREFIX policy). */
  readonly redirects: boolean;
}

/** Octavia health monitor types webfarm writes. */
export type OctaviaMonitorType = 'HTTP' | 'HTTPS' | 'TCP' | 'UDP-CONNECT';

/** Per driver, from Octavia's provider feature matrix. */
export const OCTAVIA_DRIVER_FEATURES: Readonly<Record<OctaviaDriver, OctaviaDriverFeatures>> = {
  amphora: {
    flavors: true,
    availabilityZones: true,
    allowedCidrs: true,
    headerInsertion: true,
    listenerTimeouts: true,
    connectionLimit: true,
    monitorTypes: ['HTTP', 'HTTPS', 'TCP', 'UDP-CONNECT'],
    proxyProtocol: true,
    prometheusListeners: true,
    redirects: true,
  },
  ovn: {
    flavors: false,
    availabilityZones: false,
    allowedCidrs: false,
    headerInsertion: false,
    listenerTimeouts: false,
    connectionLimit: false,
    monitorTypes: ['TCP', 'UDP-CONNECT'],
    proxyProtocol: false,
    prometheusListeners: false,
    redirects: false,
  },
};

/** The capability table of a driver. */
export function octaviaCapabilities(driver: OctaviaDriver): BalancerCapabilities {
  return driver === 'ovn' ? OCTAVIA_OVN_CAPABILITIES : OCTAVIA_AMPHORA_CAPABILITIES;
}

/**
 * The Octavia API microversion that introduced each feature webfarm can ask for
 * (`octavia/api/root_controller.py`). Features of 2.0 are not listed.
 */
export const OCTAVIA_API_FEATURES = {
  'backup members': '2.1',
  'listener timeouts': '2.1',
  'X-Forwarded-Proto header insertion': '2.1',
  'load balancer flavors': '2.6',
  redirect_http_code: '2.9',
  allowed_cidrs: '2.12',
  SOURCE_IP_PORT: '2.13',
  'availability zones': '2.14',
  'TLS ciphers': '2.15',
  'HTTP and TCP monitors on UDP pools': '2.16',
  'TLS versions': '2.17',
  'PROXYV2 pools': '2.22',
  'PROMETHEUS listeners': '2.25',
  HSTS: '2.27',
} as const;

/** A feature with a minimum microversion. */
export type OctaviaApiFeature = keyof typeof OCTAVIA_API_FEATURES;

/**
 * The default `apiVersion`: 2.13 (Octavia of late 2019, OpenStack Train), the oldest version
 * still common on research clouds. It has `allowed_cidrs` (2.12) and SOURCE_IP_PORT (2.13, the
 * ovn driver's only algorithm); newer features need the cloud's real version.
 */
export const DEFAULT_OCTAVIA_API_VERSION = '2.13';

/** The newest microversion webfarm knows (Octavia 2025); newer ones are accepted. */
export const LATEST_KNOWN_OCTAVIA_API_VERSION = '2.30';

/** Parses `2.13` into `[2, 13]`; throws a ValidationError on anything else. */
export function parseOctaviaApiVersion(path: string, text: string): [number, number] {
  const m = /^2\.(0|[1-9][0-9]{0,2})$/.exec(typeof text === 'string' ? text : '');
  if (!m) {
    throw new ValidationError({
      path,
      what: 'apiVersion',
      value: text,
      allowed: `an Octavia v2 API microversion "2.N", e.g. "2.13" (known up to ${LATEST_KNOWN_OCTAVIA_API_VERSION})`,
      fix: 'give the "max_version" that `openstack versions show --service load-balancer` prints for your cloud',
    });
  }
  return [2, Number(m[1])];
}

/** True when `have` (`[2, n]`) is at least `need` (`"2.m"`). */
export function octaviaApiAtLeast(have: readonly [number, number], need: string): boolean {
  const [major, minor] = need.split('.').map(Number);
  return have[0] > major || (have[0] === major && have[1] >= minor);
}

/**
 * Throws unless the cloud's microversion has `feature`:
 * `<path>: PROXYV2 pools (Octavia API 2.22) "apiVersion 2.13" is not allowed; …`.
 */
export function requireOctaviaApi(
  path: string,
  feature: OctaviaApiFeature,
  have: readonly [number, number],
  instead: string,
): void {
  const need = OCTAVIA_API_FEATURES[feature];
  if (octaviaApiAtLeast(have, need)) return;
  throw new ValidationError({
    path,
    what: `${feature} (Octavia API ${need})`,
    value: `apiVersion ${have.join('.')}`,
    allowed: `apiVersion ${need} or later`,
    fix: `if \`openstack versions show --service load-balancer\` shows ${need} or later for your cloud, set apiVersion to it; otherwise ${instead}`,
  });
}

/** Throws unless the driver has a feature: `<path>: <what> (Octavia (ovn driver)) … Fix: <fix>`. */
export function requireOctaviaDriver(
  path: string,
  driver: OctaviaDriver,
  supported: boolean,
  what: string,
  value: unknown,
  allowed: string,
  fix: string,
): void {
  if (supported) return;
  throw new ValidationError({
    path,
    what: `${what} (Octavia (${driver} driver))`,
    value,
    allowed: `${allowed} on the ${driver} driver`,
    fix,
  });
}

/** Octavia listener protocols webfarm writes. */
export type OctaviaListenerProtocol = 'HTTP' | 'HTTPS' | 'TERMINATED_HTTPS' | 'TCP' | 'UDP' | 'PROMETHEUS';

/** Octavia pool protocols webfarm writes. */
export type OctaviaPoolProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'UDP' | 'PROXY' | 'PROXYV2';

/** Which pool protocols a listener protocol accepts (Octavia's VALID_LISTENER_POOL_PROTOCOL_MAP). */
export const OCTAVIA_LISTENER_POOL_PROTOCOLS: Readonly<
  Record<OctaviaListenerProtocol, readonly OctaviaPoolProtocol[]>
> = {
  TCP: ['HTTP', 'HTTPS', 'PROXY', 'PROXYV2', 'TCP'],
  HTTP: ['HTTP', 'PROXY', 'PROXYV2'],
  HTTPS: ['HTTPS', 'PROXY', 'PROXYV2', 'TCP'],
  TERMINATED_HTTPS: ['HTTP', 'PROXY', 'PROXYV2'],
  UDP: ['UDP'],
  PROMETHEUS: [],
};
