import { Algorithm, ActiveHealthCheck, requireCapability } from '../../core/balancing';
import { ValidationError } from '../../core/errors';
import { checkInteger } from '../../core/validate';
import { requireOctaviaApi, requireOctaviaDriver } from './capabilities';
import { OctaviaContext } from './context';
import { OctaviaPoolOptions } from './options';
import { monitorTypeOf } from './protocols';

/** Checks a pool's options (at `path`) against the driver and the API microversion. */
export function validatePool(ctx: OctaviaContext, path: string, options: OctaviaPoolOptions): void {
  const driver = ctx.driver;
  const protocol = options.protocol ?? 'http';
  if (driver === 'ovn' && protocol !== 'tcp' && protocol !== 'udp') {
    requireCapability(ctx.capabilities, path, 'pool protocol', protocol, false, ['tcp', 'udp'], 'http');
  }
  const algorithm = options.algorithm ?? Algorithm.roundRobin();
  if (algorithm.kind === 'source-ip-port') {
    requireOctaviaApi(path, 'SOURCE_IP_PORT', ctx.api, 'use Algorithm.sourceIp()');
  }
  if (options.proxyProtocol !== undefined) {
    requireOctaviaDriver(
      path,
      driver,
      ctx.features.proxyProtocol,
      'proxyProtocol',
      options.proxyProtocol,
      'no proxyProtocol',
      'drop proxyProtocol (the ovn driver forwards packets unchanged, so members already see the client address)',
    );
    if (options.proxyProtocol !== 'v1' && options.proxyProtocol !== 'v2') {
      throw new ValidationError({
        path,
        what: 'proxyProtocol',
        value: options.proxyProtocol,
        allowed: '"v1" (PROXY) or "v2" (PROXYV2)',
        fix: 'choose the PROXY protocol version your members parse',
      });
    }
    if (protocol !== 'http' && protocol !== 'tcp') {
      throw new ValidationError({
        path,
        what: 'proxyProtocol with pool protocol',
        value: protocol,
        allowed: 'protocol "http" or "tcp" (the PROXY header precedes the plain stream)',
        fix: 'use protocol "tcp" with proxyProtocol',
      });
    }
    if (options.proxyProtocol === 'v2')
      requireOctaviaApi(path, 'PROXYV2 pools', ctx.api, 'use proxyProtocol "v1"');
  }
  const sticky = options.stickiness;
  if (sticky && sticky.kind !== 'source-ip' && protocol !== 'http') {
    throw new ValidationError({
      path,
      what: 'cookie stickiness on a pool of protocol',
      value: protocol,
      allowed: 'protocol "http" (the amphora must read the HTTP stream to see cookies)',
      fix: 'terminate TLS at the listener and use an http pool, or use Stickiness.sourceIp()',
    });
  }
  if (sticky?.kind === 'insert-cookie') {
    if (sticky.cookieName !== 'SERVERID' || sticky.maxAgeSeconds !== undefined) {
      throw new ValidationError({
        path,
        what: 'insert-cookie options (Octavia)',
        value: `${sticky}${sticky.maxAgeSeconds !== undefined ? ` maxAgeSeconds ${sticky.maxAgeSeconds}` : ''}`,
        allowed:
          'Stickiness.insertCookie() without name or maxAge (Octavia inserts a session cookie named SRV)',
        fix: 'use Stickiness.insertCookie(), or HaproxyBalancer for a named or long-lived cookie',
      });
    }
  }
  const active = options.healthCheck?.active;
  if (active) validateMonitor(ctx, path, options, active);
}

function validateMonitor(
  ctx: OctaviaContext,
  path: string,
  options: OctaviaPoolOptions,
  active: ActiveHealthCheck,
): void {
  const type = monitorTypeOf(options);
  const protocol = options.protocol ?? 'http';
  requireOctaviaDriver(
    path,
    ctx.driver,
    ctx.features.monitorTypes.includes(type),
    'health monitor type',
    type,
    'TCP, UDP-CONNECT',
    'the ovn driver runs TCP and UDP-CONNECT monitors only: use healthCheck.active.protocol "tcp" (UDP pools get UDP-CONNECT), or driver "amphora" for HTTP checks',
  );
  if (protocol === 'udp' && type !== 'UDP-CONNECT') {
    if (type === 'HTTPS') {
      throw new ValidationError({
        path,
        what: 'health monitor type on a udp pool',
        value: type,
        allowed: 'UDP-CONNECT (the default), TCP or HTTP',
        fix: 'leave healthCheck.active.protocol out for UDP-CONNECT, or use "tcp"/"http"',
      });
    }
    requireOctaviaApi(
      path,
      'HTTP and TCP monitors on UDP pools',
      ctx.api,
      'leave healthCheck.active.protocol out (UDP-CONNECT)',
    );
  }
  if (type !== 'HTTP' && type !== 'HTTPS') {
    for (const [what, value] of [
      ['path', active.path],
      ['method', active.method],
      ['expectedCodes', active.expectedCodes],
    ] as const) {
      if (value !== undefined) {
        throw new ValidationError({
          path,
          what: `healthCheck.active.${what} on a ${type} monitor`,
          value,
          allowed: 'path, method and expectedCodes only with an HTTP or HTTPS monitor',
          fix: `drop healthCheck.active.${what}, or set healthCheck.active.protocol "http"`,
        });
      }
    }
  }
  for (const [what, value] of [
    ['intervalSeconds', active.intervalSeconds],
    ['timeoutSeconds', active.timeoutSeconds],
  ] as const) {
    if (value !== undefined) {
      checkInteger(
        path,
        `healthCheck.active.${what}`,
        value,
        1,
        86400,
        'Octavia monitors count whole seconds: round it, e.g. 5',
      );
    }
  }
  if (
    active.expectedCodes !== undefined &&
    !/^([1-5][0-9]{2}(,[1-5][0-9]{2})*|[1-5][0-9]{2}-[1-5][0-9]{2})$/.test(active.expectedCodes)
  ) {
    throw new ValidationError({
      path,
      what: 'healthCheck.active.expectedCodes (Octavia)',
      value: active.expectedCodes,
      allowed:
        'one code, a list or one range: "200", "200,204", "200-399" (Octavia does not mix lists and ranges)',
      fix: 'write a single range or a list of codes',
    });
  }
}
