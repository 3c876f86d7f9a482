import { AlgorithmKind, ListenerProtocol, ListenerTls, StickinessKind } from '../../core/balancing';
import { RoutingRule } from '../../core/balancer';
import {
  OctaviaDriver,
  OctaviaListenerProtocol,
  OctaviaMonitorType,
  OctaviaPoolProtocol,
  octaviaApiAtLeast,
} from './capabilities';
import { OctaviaContext } from './context';
import { OctaviaInsertHeaders, OctaviaPoolOptions } from './options';

// How the shared vocabulary is spelled in Octavia's API: pure mappings, no checks.

/** Octavia's `lb_method` of each algorithm it has. */
export const LB_METHOD: Partial<Record<AlgorithmKind, string>> = {
  'round-robin': 'ROUND_ROBIN',
  'least-connections': 'LEAST_CONNECTIONS',
  'source-ip': 'SOURCE_IP',
  'source-ip-port': 'SOURCE_IP_PORT',
};

/** Octavia's session persistence type of each stickiness kind. */
export const PERSISTENCE: Record<StickinessKind, string> = {
  'source-ip': 'SOURCE_IP',
  'insert-cookie': 'HTTP_COOKIE',
  'app-cookie': 'APP_COOKIE',
};

/** A member address without the brackets of an IPv6 `[addr]:port` node. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Octavia's protocol of a pool: PROXY/PROXYV2 when asked for, else the pool protocol. */
export function poolProtocolOf(options: OctaviaPoolOptions): OctaviaPoolProtocol {
  if (options.proxyProtocol === 'v2') return 'PROXYV2';
  if (options.proxyProtocol === 'v1') return 'PROXY';
  switch (options.protocol ?? 'http') {
    case 'https':
      return 'HTTPS';
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    default:
      return 'HTTP';
  }
}

/** Octavia's protocol of a listener (a passthrough listener is HTTPS on amphora, TCP on ovn). */
export function listenerProtocolOf(
  driver: OctaviaDriver,
  protocol: ListenerProtocol,
  tls: ListenerTls | undefined,
): OctaviaListenerProtocol {
  if (tls?.mode === 'passthrough') return driver === 'ovn' ? 'TCP' : 'HTTPS';
  switch (protocol) {
    case 'https':
      return 'TERMINATED_HTTPS';
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    default:
      return 'HTTP';
  }
}

/**
 * The monitor type: `healthCheck.active.protocol` when given; else HTTP when a path, method or
 * expected codes are given; else the pool's (HTTP for http pools, HTTPS for https, TCP for tcp
 * and PROXY pools, UDP-CONNECT for udp).
 */
export function monitorTypeOf(options: OctaviaPoolOptions): OctaviaMonitorType {
  const active = options.healthCheck?.active;
  const given = active?.protocol;
  if (given === 'http') return 'HTTP';
  if (given === 'https') return 'HTTPS';
  if (given === 'tcp') return 'TCP';
  const protocol = options.protocol ?? 'http';
  if (protocol === 'https') return 'HTTPS';
  const httpAsked =
    active?.path !== undefined || active?.method !== undefined || active?.expectedCodes !== undefined;
  if (protocol === 'http' || httpAsked) return 'HTTP';
  return protocol === 'udp' ? 'UDP-CONNECT' : 'TCP';
}

/** `to-api-path-api`: a stable key of a rule from its pool and conditions (construct ids). */
export function ruleSlug(rule: RoutingRule): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'root';
  const parts = [`to-${rule.pool.name}`];
  if (rule.pathPrefix !== undefined) parts.push(`path-${clean(rule.pathPrefix)}`);
  if (rule.hostName !== undefined) parts.push(`host-${clean(rule.hostName)}`);
  if (rule.header)
    parts.push(
      `header-${clean(rule.header.name)}${rule.header.value !== undefined ? `-${clean(rule.header.value)}` : ''}`,
    );
  if (rule.websocket) parts.push('websocket');
  return parts.join('-');
}

/** `allowed_cidrs` to write: amphora from API 2.12; the VIP subnet when none are given. */
export function allowedCidrsOf(
  ctx: OctaviaContext,
  allowedCidrs: string[] | undefined,
): string[] | undefined {
  if (!ctx.features.allowedCidrs || !octaviaApiAtLeast(ctx.api, '2.12')) return undefined;
  return allowedCidrs ? [...allowedCidrs] : [ctx.subnet.cidr];
}

/** `insert_headers` to write (HTTP-level listeners on drivers that insert headers). */
export function insertHeadersOf(
  ctx: OctaviaContext,
  given: OctaviaInsertHeaders | undefined,
): Record<string, string> | undefined {
  if (!ctx.features.headerInsertion) return undefined;
  const proto = given?.forwardedProto ?? octaviaApiAtLeast(ctx.api, '2.1');
  const headers: Record<string, string> = {};
  if (given?.forwardedFor ?? true) headers['X-Forwarded-For'] = 'true';
  if (given?.forwardedPort) headers['X-Forwarded-Port'] = 'true';
  if (proto) headers['X-Forwarded-Proto'] = 'true';
  return headers;
}
