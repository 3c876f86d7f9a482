import { ValidationError } from './errors';
import { checkInteger, checkOneOf, checkSeconds } from './validate';
import { isUnresolved } from './tokens';

// Health checks and pool timeouts of the balancing vocabulary (re-exported by balancing.ts):
// what a pool asks of its balancer to tell a node is healthy, and how long to wait for it.

/** Active checks: the balancer probes each node on a schedule. */
export interface ActiveHealthCheck {
  /**
   * How to probe.
   * @default 'http'
   */
  readonly protocol?: 'http' | 'https' | 'tcp';
  /**
   * Request path of an HTTP(S) probe.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Request method of an HTTP(S) probe.
   * @default 'GET'
   */
  readonly method?: 'GET' | 'HEAD' | 'OPTIONS';
  /**
   * Status codes that mean healthy: `'200'`, `'200-399'`, `'200,204'`.
   * @default '200-399'
   */
  readonly expectedCodes?: string;
  /**
   * Seconds between probes.
   * @default 5
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds a probe may take.
   * @default 3
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive successes that bring a node back (`rise`).
   * @default 2
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures that take a node out (`fall`).
   * @default 3
   */
  readonly unhealthyThreshold?: number;
}

/** Passive checks: real traffic that fails takes a node out for a while. */
export interface PassiveHealthCheck {
  /**
   * Failed attempts within `failTimeoutSeconds` that mark a node down (`max_fails`).
   * @default 3
   */
  readonly maxFails?: number;
  /**
   * The window for counting failures, and how long the node then stays out (`fail_timeout`).
   * @default 30
   */
  readonly failTimeoutSeconds?: number;
}

/** How a pool decides a node is healthy. Give `active`, `passive`, or both. */
export interface HealthCheck {
  /**
   * Probe each node on a schedule (HAProxy `check`, Octavia health monitor). Open-source nginx
   * has no active checks.
   * @default - no active checks
   */
  readonly active?: ActiveHealthCheck;
  /**
   * Take a node out after failed real requests (nginx `max_fails`/`fail_timeout`, HAProxy
   * `observe layer7`).
   * @default - nginx and HAProxy use `maxFails: 3, failTimeoutSeconds: 30`; Octavia has none
   */
  readonly passive?: PassiveHealthCheck;
}

/**
 * How long the balancer waits for a pool's nodes. Long-running services (the climate-data
 * processes) need long response timeouts; websockets are tunnels, bounded by the tunnel timeout.
 * HAProxy applies them per pool (`timeout connect` / `timeout server` in the backend). nginx and
 * Octavia set timeouts per listener: a listener gets the longest of each among the pools it
 * reaches (nginx `proxy_connect_timeout`, `proxy_read_timeout`/`proxy_send_timeout`/
 * `proxy_next_upstream_timeout`; Octavia `timeout_member_connect`/`timeout_member_data`, unless
 * the listener's own `timeouts` set them).
 */
export interface PoolTimeouts {
  /**
   * Establishing a connection to a node.
   * @default 3 (nginx and HAProxy; Octavia 5)
   */
  readonly connectSeconds?: number;
  /**
   * Waiting for a node's answer (and between two reads of it).
   * @default 30 (nginx and HAProxy; Octavia 50)
   */
  readonly responseSeconds?: number;
}

/** Checks {@link PoolTimeouts} and returns them. */
export function checkPoolTimeouts(
  path: string,
  timeouts: PoolTimeouts | undefined,
): PoolTimeouts | undefined {
  if (timeouts === undefined) return undefined;
  if (timeouts === null || typeof timeouts !== 'object') {
    throw new ValidationError({
      path,
      what: 'timeouts',
      value: timeouts,
      allowed: 'an object such as { connectSeconds: 3, responseSeconds: 30 }',
      fix: 'give the timeouts as an object, or leave them out',
    });
  }
  if (timeouts.connectSeconds !== undefined)
    checkSeconds(path, 'timeouts.connectSeconds', timeouts.connectSeconds, 300);
  if (timeouts.responseSeconds !== undefined)
    checkSeconds(path, 'timeouts.responseSeconds', timeouts.responseSeconds, 86400);
  return timeouts;
}

/**
 * The probe timeout of an active check: as given, else 3 s but never more than the interval
 * (a user who sets only `intervalSeconds: 2` gets a 2 s timeout, not an error).
 */
export function effectiveProbeTimeout(active: ActiveHealthCheck): number {
  return active.timeoutSeconds ?? Math.min(3, active.intervalSeconds ?? 5);
}

/** Throws unless a pool's `healthCheck` is absent or an object (JavaScript callers pass anything). */
export function checkHealthCheckObject(path: string, healthCheck: unknown): void {
  if (healthCheck === undefined) return;
  if (healthCheck === null || typeof healthCheck !== 'object' || Array.isArray(healthCheck)) {
    throw new ValidationError({
      path,
      what: 'healthCheck',
      value: healthCheck,
      allowed: 'an object such as { active: { path: "/health" } } or { passive: { maxFails: 3 } }',
      fix: 'give the health check as an object, or leave it out for the backend default',
    });
  }
}

/** Validates the numbers and texts of an active health check. */
export function checkActiveHealthCheck(path: string, active: ActiveHealthCheck): void {
  if (active === null || typeof active !== 'object') {
    throw new ValidationError({
      path,
      what: 'healthCheck.active',
      value: active,
      allowed: 'an object such as { path: "/health" }',
      fix: 'give the active check as an object, or leave it out',
    });
  }
  if (active.protocol !== undefined)
    checkOneOf(path, 'healthCheck.active.protocol', active.protocol, ['http', 'https', 'tcp'] as const);
  if (active.method !== undefined)
    checkOneOf(path, 'healthCheck.active.method', active.method, ['GET', 'HEAD', 'OPTIONS'] as const);
  if (active.intervalSeconds !== undefined)
    checkSeconds(path, 'healthCheck.active.intervalSeconds', active.intervalSeconds, 3600);
  if (active.timeoutSeconds !== undefined)
    checkSeconds(path, 'healthCheck.active.timeoutSeconds', active.timeoutSeconds, 3600);
  if (effectiveProbeTimeout(active) > (active.intervalSeconds ?? 5)) {
    throw new ValidationError({
      path,
      what: 'healthCheck.active.timeoutSeconds',
      value: active.timeoutSeconds,
      allowed: `at most intervalSeconds (${active.intervalSeconds ?? 5})`,
      fix: 'make the probe timeout shorter than the interval between probes',
    });
  }
  if (active.healthyThreshold !== undefined)
    checkInteger(
      path,
      'healthCheck.active.healthyThreshold',
      active.healthyThreshold,
      1,
      10,
      'give 1–10 successes, e.g. 2',
    );
  if (active.unhealthyThreshold !== undefined)
    checkInteger(
      path,
      'healthCheck.active.unhealthyThreshold',
      active.unhealthyThreshold,
      1,
      10,
      'give 1–10 failures, e.g. 3',
    );
  if (active.path !== undefined && !isUnresolved(active.path) && !/^\/[\x21-\x7e]*$/.test(active.path)) {
    throw new ValidationError({
      path,
      what: 'healthCheck.active.path',
      value: active.path,
      allowed: 'an absolute URL path of visible ASCII characters, e.g. "/health"',
      fix: 'start the path with "/" and percent-encode spaces and other characters',
    });
  }
  if (active.expectedCodes !== undefined) checkExpectedCodes(path, active.expectedCodes);
}

/**
 * Throws unless `codes` is a status code, a range `low-high` with low ≤ high, or a comma list
 * of those (`"200"`, `"200-399"`, `"200,204"`), each code from 100 to 599.
 */
export function checkExpectedCodes(path: string, codes: string): void {
  const items = typeof codes === 'string' ? codes.split(',') : [];
  const good =
    items.length > 0 &&
    items.every((item) => {
      const m = /^([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?$/.exec(item);
      return m !== null && (m[2] === undefined || Number(m[1]) <= Number(m[2]));
    });
  if (!good) {
    throw new ValidationError({
      path,
      what: 'healthCheck.active.expectedCodes',
      value: codes,
      allowed:
        'a status code (100–599), a range low-high with low ≤ high, or a comma list: "200", "200-399", "200,204"',
      fix: 'write the codes without spaces, each range from the lower code to the higher',
    });
  }
}
