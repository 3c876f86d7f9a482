import { IBalancerPool } from '../../core/balancer';
import { listenerPorts } from '../../core/balancer-model';
import { checkAllowedCidrFamily } from '../../core/listener-checks';
import { ValidationError } from '../../core/errors';
import { isUnresolved } from '../../core/tokens';
import { checkCidr, checkInteger, checkPort, isWorldCidr } from '../../core/validate';
import { ISubnet } from '../network';
import {
  OCTAVIA_LISTENER_POOL_PROTOCOLS,
  OctaviaListenerProtocol,
  OctaviaPoolProtocol,
  octaviaApiAtLeast,
  requireOctaviaApi,
  requireOctaviaDriver,
} from './capabilities';
import { OctaviaContext, knownSubnet } from './context';
import { OctaviaListenerOptions, OctaviaMetricsListenerOptions } from './options';
import { listenerProtocolOf, ruleSlug } from './protocols';

/** Octavia's longest timeout: 24 days. */
const MAX_TIMEOUT_SECONDS = 24 * 24 * 60 * 60;

/** What a listener check needs to know of the balancer's other listeners and pools. */
export interface OctaviaSiblings {
  /** Ports the balancer's listeners (metrics listeners included) already take. */
  readonly usedPorts: readonly number[];
  /** Octavia's protocol of this balancer's pool `name`, when it has one. */
  readonly poolProtocol: (name: string) => OctaviaPoolProtocol | undefined;
}

/**
 * Checks a listener's options (at `path`) against the driver, the API microversion and the
 * balancer's other listeners and pools.
 */
export function validateListener(
  ctx: OctaviaContext,
  siblings: OctaviaSiblings,
  path: string,
  options: OctaviaListenerOptions,
): void {
  const driver = ctx.driver;
  const features = ctx.features;
  const caps = ctx.capabilities;
  const tls = options.tls;
  for (const p of listenerPorts(options)) checkPortFree(path, p, siblings.usedPorts);
  if (options.rateLimitPerSecond !== undefined) {
    throw new ValidationError({
      path,
      what: `rateLimitPerSecond (${caps.backend})`,
      value: options.rateLimitPerSecond,
      allowed:
        'no rate limit (Octavia has no request rate limiting; connectionLimit caps concurrent connections)',
      fix: 'drop rateLimitPerSecond and use connectionLimit, or NginxBalancer/HaproxyBalancer for per-client rate limits',
    });
  }
  const protocol = listenerProtocolOf(
    driver,
    options.protocol ?? (tls && tls.mode !== 'passthrough' ? 'https' : 'http'),
    tls,
  );
  checkPoolProtocol(siblings, path, protocol, 'defaultPool', options.defaultPool);
  for (const [i, rule] of (options.rules ?? []).entries()) {
    const where = `${path} rule ${i + 1}`;
    checkPoolProtocol(siblings, where, protocol, 'pool', rule.pool);
    if (rule.header && rule.header.value === undefined) {
      throw new ValidationError({
        path: where,
        what: 'header rule without a value (Octavia)',
        value: rule.header.name,
        allowed: 'a header name with a value: Octavia compares the value (HEADER EQUAL_TO)',
        fix: `give header: { name: ${JSON.stringify(rule.header.name)}, value: "…" }, or use NginxBalancer/HaproxyBalancer to match presence`,
      });
    }
    if (
      rule.header?.value !== undefined &&
      !isUnresolved(rule.header.value) &&
      !/^[\x21-\x7e]+$/.test(rule.header.value)
    ) {
      throw new ValidationError({
        path: where,
        what: 'header value',
        value: rule.header.value,
        allowed: "visible ASCII characters without spaces (Octavia's header value syntax)",
        fix: 'match a value without spaces, e.g. a token or an id',
      });
    }
  }
  const slugs = (options.rules ?? []).map(ruleSlug);
  for (const [i, slug] of slugs.entries()) {
    if (slugs.indexOf(slug) !== i) {
      throw new ValidationError({
        path: `${path} rule ${i + 1}`,
        what: 'rule',
        value: slug,
        allowed: 'rules that differ in pool or condition',
        fix: 'drop the duplicate rule (the first one already matches these requests)',
      });
    }
  }
  checkCidrFamilies(ctx.subnet, path, options.allowedCidrs);
  if (options.allowedCidrs === undefined || !options.allowedCidrs.every(isWorldCidr)) {
    if (features.allowedCidrs && !octaviaApiAtLeast(ctx.api, '2.12')) {
      requireOctaviaApi(
        path,
        'allowed_cidrs',
        ctx.api,
        'the amphora would accept anyone who can reach the VIP: say allowedCidrs: ["0.0.0.0/0"] to accept that',
      );
    }
  }
  const httpLevel = protocol === 'HTTP' || protocol === 'TERMINATED_HTTPS';
  const headers = options.insertHeaders;
  if (headers !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      features.headerInsertion,
      'insertHeaders',
      headers,
      'no insertHeaders',
      'drop insertHeaders (the ovn driver does not speak HTTP), or use driver "amphora"',
    );
    if (!httpLevel) {
      throw new ValidationError({
        path,
        what: 'insertHeaders on a listener of protocol',
        value: protocol,
        allowed: 'HTTP or TERMINATED_HTTPS listeners (the amphora must parse HTTP to insert headers)',
        fix: 'drop insertHeaders, or use proxyProtocol on the pool to pass the client address on layer 4',
      });
    }
    if (headers.forwardedProto) {
      requireOctaviaApi(
        path,
        'X-Forwarded-Proto header insertion',
        ctx.api,
        'drop insertHeaders.forwardedProto',
      );
    }
  }
  if (options.timeouts !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      features.listenerTimeouts,
      'timeouts',
      options.timeouts,
      'no timeouts',
      'drop timeouts (the ovn driver has none), or use driver "amphora"',
    );
    requireOctaviaApi(path, 'listener timeouts', ctx.api, 'drop timeouts');
    for (const [what, value] of Object.entries(options.timeouts)) {
      if (value === undefined || isUnresolved(value)) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMEOUT_SECONDS) {
        throw new ValidationError({
          path,
          what: `timeouts.${what}`,
          value,
          allowed: `seconds from 0 to ${MAX_TIMEOUT_SECONDS} (24 days, Octavia's maximum)`,
          fix: 'give the timeout in seconds, e.g. 50 or 0.5',
        });
      }
    }
  }
  if (options.connectionLimit !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      features.connectionLimit,
      'connectionLimit',
      options.connectionLimit,
      'no connectionLimit',
      'drop connectionLimit (the ovn driver has none), or use driver "amphora"',
    );
    checkInteger(
      path,
      'connectionLimit',
      options.connectionLimit,
      1,
      2147483647,
      'give the most concurrent connections, or leave it out for unlimited',
    );
  }
  const terminated = protocol === 'TERMINATED_HTTPS';
  const tlsOnly: Array<[string, unknown, Parameters<typeof requireOctaviaApi>[1]]> = [
    ['tls.versions', tls?.versions, 'TLS versions'],
    ['tlsCiphers', options.tlsCiphers, 'TLS ciphers'],
    ['tls.hstsMaxAgeSeconds', tls?.hstsMaxAgeSeconds, 'HSTS'],
  ];
  for (const [what, value, feature] of tlsOnly) {
    if (value === undefined) continue;
    if (!terminated) {
      throw new ValidationError({
        path,
        what: `${what} on a listener of protocol`,
        value: protocol,
        allowed: 'a TLS-terminating listener (TERMINATED_HTTPS); a passthrough listener never sees TLS',
        fix: `drop ${what}, or terminate TLS at the balancer (tls.certificate with a Barbican container)`,
      });
    }
    requireOctaviaApi(path, feature, ctx.api, `drop ${what}`);
  }
  if (
    options.tlsCiphers !== undefined &&
    !isUnresolved(options.tlsCiphers) &&
    !/^[A-Za-z0-9!+@:._=-]+$/.test(options.tlsCiphers)
  ) {
    throw new ValidationError({
      path,
      what: 'tlsCiphers',
      value: options.tlsCiphers,
      allowed: 'an OpenSSL cipher string such as "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"',
      fix: 'separate ciphers with ":" and no spaces',
    });
  }
  if (tls?.hstsMaxAgeSeconds !== undefined) {
    checkInteger(
      path,
      'tls.hstsMaxAgeSeconds',
      tls.hstsMaxAgeSeconds,
      0,
      2147483647,
      'give the HSTS max-age in seconds, e.g. 31536000',
    );
  }
  if ((options.hstsIncludeSubdomains || options.hstsPreload) && tls?.hstsMaxAgeSeconds === undefined) {
    throw new ValidationError({
      path,
      what: options.hstsPreload ? 'hstsPreload' : 'hstsIncludeSubdomains',
      value: true,
      allowed: 'together with tls.hstsMaxAgeSeconds',
      fix: 'set tls.hstsMaxAgeSeconds, e.g. 31536000',
    });
  }
  if (tls?.redirectFromPort !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      features.redirects,
      'tls.redirectFromPort',
      tls.redirectFromPort,
      'no redirect listener (layer 4 only)',
      'the ovn driver has no HTTP listeners or L7 redirects; drop redirectFromPort, or use driver "amphora"',
    );
    const prefix = options.redirectPrefix;
    if (
      prefix === undefined ||
      (!isUnresolved(prefix) && !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/.test(prefix))
    ) {
      throw new ValidationError({
        path,
        what: 'redirectPrefix',
        value: prefix,
        allowed: 'the scheme and host of the HTTPS site, e.g. "https://www.example.org" (no path)',
        fix: "give redirectPrefix: Octavia's REDIRECT_PREFIX prepends it to the request path and cannot reuse the request's host",
      });
    }
  } else if (options.redirectPrefix !== undefined) {
    throw new ValidationError({
      path,
      what: 'redirectPrefix',
      value: options.redirectPrefix,
      allowed: 'only together with tls.redirectFromPort',
      fix: 'set tls.redirectFromPort (e.g. 80), or drop redirectPrefix',
    });
  }
}

function checkPoolProtocol(
  siblings: OctaviaSiblings,
  path: string,
  listener: OctaviaListenerProtocol,
  what: string,
  pool: IBalancerPool,
): void {
  const protocol = siblings.poolProtocol(pool.name);
  if (protocol === undefined) return;
  const accepted = OCTAVIA_LISTENER_POOL_PROTOCOLS[listener];
  if (!accepted.includes(protocol)) {
    throw new ValidationError({
      path,
      what: `${what} '${pool.name}' of protocol`,
      value: protocol,
      allowed: `pools of protocol ${accepted.join(', ')} behind a ${listener} listener`,
      fix:
        listener === 'HTTPS' || listener === 'TCP'
          ? 'give the pool protocol "tcp" (or "https" for a passthrough pool)'
          : listener === 'UDP'
            ? 'give the pool protocol "udp"'
            : 'give the pool protocol "http" (the balancer speaks plain HTTP to members after terminating TLS)',
    });
  }
} /** Octavia takes a port once per load balancer, whatever the protocol. */
export function checkPortFree(path: string, port: number, used: readonly number[]): void {
  if (used.includes(port)) {
    throw new ValidationError({
      path,
      what: 'port',
      value: port,
      allowed: `a port no other listener of this balancer uses (in use: ${used.join(', ')})`,
      fix: 'give each listener its own port',
    });
  }
}

/** Octavia refuses allowed CIDRs of another IP family than the VIP's. */
export function checkCidrFamilies(
  vipSubnet: ISubnet,
  path: string,
  allowedCidrs: string[] | undefined,
): void {
  const subnet = knownSubnet(vipSubnet);
  if (!subnet) return;
  checkAllowedCidrFamily(path, allowedCidrs, {
    version: subnet.version,
    entries: 'every',
    reason: `the VIP ${vipSubnet.cidr} is IPv${subnet.version}; Octavia refuses other families`,
    fix: `drop the IPv${subnet.version === 4 ? 6 : 4} entries, or put the balancer on a dual-stack VIP`,
  });
}

/** Checks a PROMETHEUS listener `id` of the balancer at `path`. */
export function validateMetricsListener(
  ctx: OctaviaContext,
  siblings: OctaviaSiblings,
  path: string,
  id: string,
  options: OctaviaMetricsListenerOptions,
): void {
  const where = `${path} listener '${id}'`;
  checkPort(where, 'port', options.port);
  requireOctaviaDriver(
    where,
    ctx.driver,
    ctx.features.prometheusListeners,
    'PROMETHEUS listener',
    options.port,
    'TCP and UDP listeners',
    'use driver "amphora" for balancer metrics',
  );
  requireOctaviaApi(
    where,
    'PROMETHEUS listeners',
    ctx.api,
    'read statistics with `openstack loadbalancer stats show`',
  );
  checkPortFree(where, options.port, siblings.usedPorts);
  for (const cidr of options.allowedCidrs ?? []) checkCidr(where, 'allowedCidrs entry', cidr);
  checkCidrFamilies(ctx.subnet, where, options.allowedCidrs);
}
