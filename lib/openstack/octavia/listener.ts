import { Construct } from 'constructs';
import { ListenerProtocol, PoolTimeouts } from '../../core/balancing';
import { IBalancerListener, RoutingRule } from '../../core/balancer';
import { LbListenerV2 } from '../../../.gen/providers/openstack/lb-listener-v2';
import { LbL7PolicyV2 } from '../../../.gen/providers/openstack/lb-l7policy-v2';
import { LbL7RuleV2 } from '../../../.gen/providers/openstack/lb-l7rule-v2';
import { OctaviaListenerProtocol, octaviaApiAtLeast } from './capabilities';
import { DependencyChain } from './chain';
import { OctaviaContext } from './context';
import { OctaviaListenerOptions } from './options';
import type { OctaviaPool } from './pool';
import { insertHeadersOf, ruleSlug } from './protocols';

/** An L7 policy with its rules. */
export interface OctaviaPolicy {
  /** The policy (`openstack_lb_l7policy_v2`). */
  readonly policy: LbL7PolicyV2;
  /** Its rules (`openstack_lb_l7rule_v2`), ANDed. */
  readonly rules: readonly LbL7RuleV2[];
}

/** The HTTP → HTTPS redirect of a listener: an HTTP listener with one REDIRECT_PREFIX policy. */
export interface OctaviaRedirect extends OctaviaPolicy {
  /** The HTTP listener (`Redirect-<id>`; its policy `Redirect-<id>-Policy`, rule `Redirect-<id>-Rule`). */
  readonly listener: LbListenerV2;
}

/** An Octavia listener: the shared record plus its Terraform resources. */
export class OctaviaListener implements IBalancerListener {
  /** The listener id. */
  public readonly name: string;
  /** The options, validated (with the driver's defaults filled in). */
  public readonly options: OctaviaListenerOptions;
  /** The effective protocol. */
  public readonly protocol: ListenerProtocol;
  /** The listener (`openstack_lb_listener_v2`, construct id `Listener-<name>`). */
  public readonly resource: LbListenerV2;
  /** Octavia's protocol of the listener. */
  public readonly octaviaProtocol: OctaviaListenerProtocol;
  /** L7 policies routing to other pools, in rule order. */
  public readonly policies: readonly OctaviaPolicy[];
  /** The HTTP listener of `tls.redirectFromPort` and its REDIRECT_PREFIX policy. */
  public readonly redirect?: OctaviaRedirect;

  /** @internal */
  constructor(parts: {
    name: string;
    options: OctaviaListenerOptions;
    protocol: ListenerProtocol;
    resource: LbListenerV2;
    octaviaProtocol: OctaviaListenerProtocol;
    policies: OctaviaPolicy[];
    redirect?: OctaviaRedirect;
  }) {
    this.name = parts.name;
    this.options = parts.options;
    this.protocol = parts.protocol;
    this.resource = parts.resource;
    this.octaviaProtocol = parts.octaviaProtocol;
    this.policies = parts.policies;
    this.redirect = parts.redirect;
  }
}

/** What the listener resources of one balancer share. */
export interface ListenerScope {
  /** The balancer construct (the resources' scope). */
  readonly scope: Construct;
  /** Driver, API microversion and VIP subnet. */
  readonly ctx: OctaviaContext;
  /** The load balancer's name in the cloud. */
  readonly lbName: string;
  /** The load balancer's id. */
  readonly loadBalancerId: string;
  /** The balancer's one `depends_on` chain. */
  readonly chain: DependencyChain;
}

/**
 * A listener's timeouts with its pools' (`PoolOptions.timeouts`: Octavia has them per listener
 * only): the longest connect and response timeout of the pools it reaches fill
 * `memberConnectSeconds` and `memberDataSeconds` where the listener does not set them.
 */
export function withPoolTimeouts(
  options: OctaviaListenerOptions,
  pools: ReadonlyArray<PoolTimeouts | undefined>,
): OctaviaListenerOptions {
  const longest = (key: 'connectSeconds' | 'responseSeconds'): number | undefined => {
    const values = pools
      .map((t) => (t !== null && typeof t === 'object' ? t[key] : undefined))
      .filter((v): v is number => typeof v === 'number');
    return values.length ? Math.max(...values) : undefined;
  };
  const connect = longest('connectSeconds');
  const response = longest('responseSeconds');
  if (connect === undefined && response === undefined) return options;
  const own =
    options.timeouts !== null && typeof options.timeouts === 'object' ? options.timeouts : undefined;
  if (options.timeouts !== undefined && own === undefined) return options; // refused by validation
  return {
    ...options,
    timeouts: {
      ...(connect !== undefined ? { memberConnectSeconds: connect } : {}),
      ...(response !== undefined ? { memberDataSeconds: response } : {}),
      ...own,
    },
  };
}

/** The listener resource `Listener-<id>` of validated options. */
export function createListenerResource(
  on: ListenerScope,
  id: string,
  options: OctaviaListenerOptions,
  protocol: OctaviaListenerProtocol,
  defaultPool: OctaviaPool | undefined,
  cidrs: string[] | undefined,
): LbListenerV2 {
  const httpLevel = protocol === 'HTTP' || protocol === 'TERMINATED_HTTPS';
  const headers = httpLevel ? insertHeadersOf(on.ctx, options.insertHeaders) : undefined;
  const timeouts = options.timeouts;
  const tls = options.tls;
  const terminated = protocol === 'TERMINATED_HTTPS';
  const resource = new LbListenerV2(on.scope, `Listener-${id}`, {
    name: `${on.lbName}-${id}`,
    description: `managed by webfarm: ${on.scope.node.path} listener '${id}'`,
    loadbalancerId: on.loadBalancerId,
    protocol,
    protocolPort: options.port,
    ...(defaultPool ? { defaultPoolId: defaultPool.resource.id } : {}),
    ...(cidrs ? { allowedCidrs: cidrs } : {}),
    ...(headers && Object.keys(headers).length ? { insertHeaders: headers } : {}),
    ...(options.connectionLimit !== undefined ? { connectionLimit: options.connectionLimit } : {}),
    ...(timeouts?.clientDataSeconds !== undefined
      ? { timeoutClientData: Math.round(timeouts.clientDataSeconds * 1000) }
      : {}),
    ...(timeouts?.memberConnectSeconds !== undefined
      ? { timeoutMemberConnect: Math.round(timeouts.memberConnectSeconds * 1000) }
      : {}),
    ...(timeouts?.memberDataSeconds !== undefined
      ? { timeoutMemberData: Math.round(timeouts.memberDataSeconds * 1000) }
      : {}),
    ...(timeouts?.tcpInspectSeconds !== undefined
      ? { timeoutTcpInspect: Math.round(timeouts.tcpInspectSeconds * 1000) }
      : {}),
    ...(terminated && tls?.certificate?.kind === 'barbican'
      ? { defaultTlsContainerRef: tls.certificate.containerRef }
      : {}),
    ...(terminated && tls?.versions ? { tlsVersions: [...tls.versions] } : {}),
    ...(terminated && options.tlsCiphers !== undefined ? { tlsCiphers: options.tlsCiphers } : {}),
    ...(terminated && tls?.hstsMaxAgeSeconds !== undefined
      ? {
          hstsMaxAge: tls.hstsMaxAgeSeconds,
          ...(options.hstsIncludeSubdomains ? { hstsIncludeSubdomains: true } : {}),
          ...(options.hstsPreload ? { hstsPreload: true } : {}),
        }
      : {}),
  });
  on.chain.add(resource);
  return resource;
}

/**
 * The L7 policy `Policy-<listener>-<rule slug>` sending what `rule` matches to its pool, at
 * `position`, with one rule resource per condition (`…-Path`, `…-Host`, `…-Header`, `…-Websocket`).
 */
export function createPolicy(
  on: ListenerScope,
  listenerId: string,
  listener: LbListenerV2,
  rule: RoutingRule,
  target: OctaviaPool,
  position: number,
): OctaviaPolicy {
  const key = `Policy-${listenerId}-${ruleSlug(rule)}`;
  const policy = new LbL7PolicyV2(on.scope, key, {
    name: `${on.lbName}-${listenerId}-${ruleSlug(rule)}`,
    listenerId: listener.id,
    action: 'REDIRECT_TO_POOL',
    redirectPoolId: target.resource.id,
    position,
  });
  const conditions: Array<[string, { type: string; compareType: string; value: string; key?: string }]> = [];
  if (rule.pathPrefix !== undefined) {
    conditions.push(['Path', { type: 'PATH', compareType: 'STARTS_WITH', value: rule.pathPrefix }]);
  }
  if (rule.hostName !== undefined) {
    conditions.push([
      'Host',
      rule.hostName.startsWith('*.')
        ? { type: 'HOST_NAME', compareType: 'ENDS_WITH', value: rule.hostName.slice(1) }
        : { type: 'HOST_NAME', compareType: 'EQUAL_TO', value: rule.hostName },
    ]);
  }
  if (rule.header) {
    conditions.push([
      'Header',
      { type: 'HEADER', compareType: 'EQUAL_TO', key: rule.header.name, value: rule.header.value ?? '' },
    ]);
  }
  if (rule.websocket) {
    conditions.push([
      'Websocket',
      { type: 'HEADER', compareType: 'EQUAL_TO', key: 'Upgrade', value: 'websocket' },
    ]);
  }
  const rules = conditions.map(
    ([suffix, c]) => new LbL7RuleV2(on.scope, `${key}-${suffix}`, { l7PolicyId: policy.id, ...c }),
  );
  for (const r of [policy, ...rules]) on.chain.add(r);
  return { policy, rules };
}

/**
 * The redirect of `tls.redirectFromPort`: an HTTP listener `Redirect-<id>` on `port` whose one
 * REDIRECT_PREFIX policy (301 from API 2.9) sends every path to `prefix`.
 */
export function createRedirect(
  on: ListenerScope,
  listenerId: string,
  port: number,
  prefix: string,
  cidrs: string[] | undefined,
): OctaviaRedirect {
  const key = `Redirect-${listenerId}`;
  const listener = new LbListenerV2(on.scope, key, {
    name: `${on.lbName}-${listenerId}-redirect`,
    description: `managed by webfarm: ${on.scope.node.path} listener '${listenerId}' HTTP to HTTPS redirect`,
    loadbalancerId: on.loadBalancerId,
    protocol: 'HTTP',
    protocolPort: port,
    ...(cidrs ? { allowedCidrs: cidrs } : {}),
  });
  on.chain.add(listener);
  const policy = new LbL7PolicyV2(on.scope, `${key}-Policy`, {
    name: `${on.lbName}-${listenerId}-redirect`,
    listenerId: listener.id,
    action: 'REDIRECT_PREFIX',
    redirectPrefix: prefix,
    position: 1,
    ...(octaviaApiAtLeast(on.ctx.api, '2.9') ? { redirectHttpCode: 301 } : {}),
  });
  const rule = new LbL7RuleV2(on.scope, `${key}-Rule`, {
    l7PolicyId: policy.id,
    type: 'PATH',
    compareType: 'STARTS_WITH',
    value: '/',
  });
  on.chain.add(policy);
  on.chain.add(rule);
  return { listener, policy, rules: [rule] };
}
