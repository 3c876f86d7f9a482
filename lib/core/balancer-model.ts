import {
  Algorithm,
  BalancerCapabilities,
  ListenerProtocol,
  checkHeaderName,
  checkListenerExtras,
  checkPoolRequirements,
  requireCapability,
} from './balancing';
import {
  BalancerListener,
  BalancerPool,
  IBalancerListener,
  IBalancerPool,
  IBalancerTarget,
  ListenerOptions,
  PoolOptions,
} from './balancer';
import { ValidationError } from './errors';
import { checkAllowedCidrs, checkHstsMaxAge, refuseLayer4Rule } from './listener-checks';
import { isUnresolved } from './tokens';
import { checkOneOf, checkPort, checkUnique } from './validate';

/** What a backend plugs into {@link BalancerModel}. */
export interface BalancerModelOptions {
  /** Construct path of the balancer, for messages. */
  readonly path: string;
  /** What the backend supports. */
  readonly capabilities: BalancerCapabilities;
  /** Opens balancer → target on `port` (security groups); the Noop balancer does nothing. */
  readonly allowToTarget: (target: IBalancerTarget, port: number, poolName: string) => void;
  /** Backend-specific pool checks beyond the capability table (e.g. Octavia microversions). */
  readonly validatePool?: (path: string, options: PoolOptions) => void;
  /** Backend-specific listener checks beyond the capability table. */
  readonly validateListener?: (path: string, options: ListenerOptions) => void;
}

/**
 * Pools and listeners of one balancer, validated against its capabilities: the part of
 * `IBalancer` every backend shares. Backends own one and render from it.
 */
export class BalancerModel {
  private readonly poolMap = new Map<string, BalancerPool>();
  private readonly listenerMap = new Map<string, BalancerListener>();
  private changes = 0;

  constructor(private readonly opts: BalancerModelOptions) {}

  /**
   * A counter that grows with every change of the pools, their nodes or the listeners: a
   * backend may keep a rendering while it stays the same.
   */
  public get revision(): number {
    return this.changes;
  }

  /** The backend's capabilities. */
  public get capabilities(): BalancerCapabilities {
    return this.opts.capabilities;
  }

  /** Pools in the order they were added. */
  public get pools(): readonly BalancerPool[] {
    return [...this.poolMap.values()];
  }

  /** Listeners in the order they were added. */
  public get listeners(): readonly BalancerListener[] {
    return [...this.listenerMap.values()];
  }

  /**
   * Adds a pool (unique id, options checked against the backend). `check` runs on the new pool
   * before it is registered (a renderer's own checks): a pool refused there, or anywhere, leaves
   * nothing behind.
   */
  public addPool(id: string, options: PoolOptions, check?: (pool: BalancerPool) => void): BalancerPool {
    checkUnique(this.opts.path, 'pool id', id, this.poolMap.keys());
    const caps = this.opts.capabilities;
    const owner = {
      path: this.opts.path,
      validatePool: (path: string, o: PoolOptions) => {
        const protocol = o.protocol ?? 'http';
        if (protocol === 'udp')
          requireCapability(
            caps,
            path,
            'pool protocol',
            'udp',
            caps.listenerProtocols.includes('udp'),
            caps.listenerProtocols,
          );
        checkPoolRequirements(caps, path, {
          algorithm: o.algorithm ?? Algorithm.roundRobin(),
          stickiness: o.stickiness,
          healthCheck: o.healthCheck,
        });
        if ((protocol === 'tcp' || protocol === 'udp') && o.stickiness && o.stickiness.kind !== 'source-ip') {
          throw new ValidationError({
            path,
            what: 'cookie stickiness on a layer-4 pool',
            value: `${o.stickiness} with protocol ${protocol}`,
            allowed: 'Stickiness.sourceIp() for tcp/udp pools; cookie stickiness needs protocol "http"',
            fix: 'use Stickiness.sourceIp() or make the pool speak HTTP',
          });
        }
        if (o.runtimeManaged !== undefined && typeof o.runtimeManaged !== 'boolean') {
          throw new ValidationError({
            path,
            what: 'runtimeManaged',
            value: o.runtimeManaged,
            allowed: 'true or false',
            fix: 'write runtimeManaged: true for a pool changed at run time, or leave it out',
          });
        }
        if (o.runtimeManaged && !caps.runtimeManagedPools) {
          throw new ValidationError({
            path,
            what: `runtimeManaged (${caps.backend})`,
            value: true,
            allowed: 'false: run-time pools exist on nginx and HAProxy hosts only',
            fix: 'let Terraform own this pool (leave runtimeManaged out), or use NginxBalancer or HaproxyBalancer',
          });
        }
        this.opts.validatePool?.(path, o);
      },
      allowToTarget: this.opts.allowToTarget,
      changed: () => {
        this.changes++;
      },
    };
    const pool = new BalancerPool(owner, id, options);
    check?.(pool);
    this.poolMap.set(id, pool);
    this.changes++;
    return pool;
  }

  /**
   * Adds a listener (unique id and port, protocol/TLS/rules checked against the backend).
   * `check` runs on the new listener before it is registered (a renderer's own checks): a
   * listener refused there, or anywhere, leaves nothing behind.
   */
  public addListener(
    id: string,
    options: ListenerOptions,
    check?: (listener: BalancerListener) => void,
  ): BalancerListener {
    checkUnique(this.opts.path, 'listener id', id, this.listenerMap.keys());
    const listener = new BalancerListener({ path: this.opts.path }, id, options);
    const path = `${this.opts.path} listener '${id}'`;
    const caps = this.opts.capabilities;
    // A port is taken per transport: a tcp and a udp listener may share one (DNS on 53).
    const transport = (l: { protocol: ListenerProtocol }) => (l.protocol === 'udp' ? 'udp' : 'tcp');
    const used = [...this.listenerMap.values()].flatMap((l) =>
      listenerPorts(l.options).map((port, i) => `${port}/${i === 0 ? transport(l) : 'tcp'}`),
    );
    const own = listenerPorts(options).map((port, i) => `${port}/${i === 0 ? transport(listener) : 'tcp'}`);
    if (own.length === 2 && options.port === options.tls?.redirectFromPort) {
      throw new ValidationError({
        path,
        what: 'tls.redirectFromPort',
        value: options.tls.redirectFromPort,
        allowed: `a port other than the listener's own port ${options.port}`,
        fix: 'redirect from the plain-HTTP port, e.g. 80, to the HTTPS listener on 443',
      });
    }
    for (const [i, key] of own.entries()) {
      if (used.includes(key)) {
        throw new ValidationError({
          path,
          what: i === 0 ? 'port' : 'tls.redirectFromPort',
          value: listenerPorts(options)[i],
          allowed: `a port no other listener of this balancer uses for the same transport (in use: ${used.join(', ')})`,
          fix: 'give each listener its own port, or add routing rules to the existing listener',
        });
      }
    }
    requireCapability(
      caps,
      path,
      'protocol',
      listener.protocol,
      caps.listenerProtocols.includes(listener.protocol),
      caps.listenerProtocols,
    );
    this.checkOwnPool(path, 'defaultPool', options.defaultPool);
    this.checkTls(path, listener);
    if (options.rules !== undefined && !Array.isArray(options.rules)) {
      throw new ValidationError({
        path,
        what: 'rules',
        value: options.rules,
        allowed: 'a list of routing rules',
        fix: 'give rules as an array, e.g. [{ pathPrefix: "/api/", pool: api }]',
      });
    }
    for (const [i, rule] of (options.rules ?? []).entries()) {
      const where = `${path} rule ${i + 1}`;
      requireCapability(caps, where, 'routing rules', 'rules', caps.routingRules, 'none', 'routingRules');
      if (listener.protocol === 'tcp' || listener.protocol === 'udp' || options.tls?.mode === 'passthrough') {
        refuseLayer4Rule(where, listener.protocol);
      }
      this.checkOwnPool(where, 'pool', rule.pool);
      if (!rule.pathPrefix && !rule.header && !rule.hostName && !rule.websocket) {
        throw new ValidationError({
          path: where,
          what: 'rule condition',
          value: '(none)',
          allowed: 'at least one of pathPrefix, header, hostName, websocket',
          fix: 'say which requests the rule matches, or use defaultPool for "everything else"',
        });
      }
      if (
        rule.pathPrefix !== undefined &&
        !isUnresolved(rule.pathPrefix) &&
        !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(rule.pathPrefix)
      ) {
        throw new ValidationError({
          path: where,
          what: 'pathPrefix',
          value: rule.pathPrefix,
          allowed: 'an absolute URL path such as "/api/" (no spaces, quotes, braces or "?")',
          fix: 'start with "/" and percent-encode other characters',
        });
      }
      if (rule.header) checkHeaderName(where, 'header name', rule.header.name);
      if (
        rule.hostName !== undefined &&
        !isUnresolved(rule.hostName) &&
        !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(rule.hostName)
      ) {
        throw new ValidationError({
          path: where,
          what: 'hostName',
          value: rule.hostName,
          allowed: 'a DNS name such as "api.example.org" or "*.example.org"',
          fix: 'give the host name without scheme, port or path',
        });
      }
    }
    checkAllowedCidrs(path, options.allowedCidrs);
    checkListenerExtras(caps, path, options);
    this.opts.validateListener?.(path, options);
    check?.(listener);
    this.listenerMap.set(id, listener);
    this.changes++;
    return listener;
  }

  /** The pool named `name`; a ValidationError naming the pools when there is none. */
  public pool(name: string): BalancerPool {
    const pool = this.poolMap.get(name);
    if (!pool) {
      throw new ValidationError({
        path: this.opts.path,
        what: 'pool',
        value: name,
        allowed: this.poolMap.size
          ? [...this.poolMap.keys()].map((k) => JSON.stringify(k)).join(', ')
          : 'no pools yet',
        fix: 'add the pool with addPool(name, options) first, or fix the name',
      });
    }
    return pool;
  }

  private checkOwnPool(path: string, what: string, pool: IBalancerPool): void {
    const known = pool !== null && typeof pool === 'object' && this.poolMap.get(pool.name) === pool;
    if (!known) {
      throw new ValidationError({
        path,
        what,
        value: pool !== null && typeof pool === 'object' ? pool.name : pool,
        allowed: `a pool of this balancer (${[...this.poolMap.keys()].join(', ') || 'none yet'})`,
        fix: "create the pool with this balancer's addPool() and pass that object",
      });
    }
  }

  private checkTls(path: string, listener: IBalancerListener): void {
    const tls = listener.options.tls;
    const caps = this.opts.capabilities;
    if (tls !== undefined) {
      if (tls === null || typeof tls !== 'object') {
        throw new ValidationError({
          path,
          what: 'tls',
          value: tls,
          allowed: 'an object such as { certificate: { kind: "files", certificatePath, keyPath } }',
          fix: 'give tls as an object, or leave it out for plain text',
        });
      }
      if (tls.mode !== undefined)
        checkOneOf(path, 'tls.mode', tls.mode, ['terminate', 'passthrough'] as const);
      if (tls.versions !== undefined) {
        if (!Array.isArray(tls.versions) || tls.versions.length === 0) {
          throw new ValidationError({
            path,
            what: 'tls.versions',
            value: tls.versions,
            allowed: 'a non-empty list of "TLSv1.2" and/or "TLSv1.3"',
            fix: 'leave it out for both, or list the versions',
          });
        }
        for (const v of tls.versions)
          checkOneOf(path, 'tls.versions entry', v, ['TLSv1.2', 'TLSv1.3'] as const);
      }
      if (tls.certificate !== undefined) {
        checkOneOf(path, 'tls.certificate.kind', (tls.certificate as { kind?: unknown } | null)?.kind, [
          'files',
          'barbican',
        ] as const);
      }
      if (tls.hstsMaxAgeSeconds !== undefined) {
        checkHstsMaxAge(path, tls.hstsMaxAgeSeconds);
      }
    }
    if (!tls) {
      if (listener.protocol === 'https') {
        throw new ValidationError({
          path,
          what: 'protocol',
          value: 'https',
          allowed: 'https together with a `tls` block',
          fix: 'add tls: { certificate: … } (or tls: { mode: "passthrough" })',
        });
      }
      return;
    }
    if (tls.mode === 'passthrough') {
      requireCapability(
        caps,
        path,
        'TLS passthrough',
        'passthrough',
        caps.tlsPassthrough,
        'terminate',
        'tlsPassthrough',
      );
      if (listener.protocol !== 'tcp' && listener.protocol !== 'https') {
        throw new ValidationError({
          path,
          what: 'TLS passthrough protocol',
          value: listener.protocol,
          allowed: '"tcp" or "https" (the balancer does not decrypt)',
          fix: 'set protocol: "tcp" on a passthrough listener',
        });
      }
    } else {
      requireCapability(
        caps,
        path,
        'TLS termination',
        'terminate',
        caps.tlsTermination,
        'passthrough',
        'tlsTermination',
      );
      if (!tls.certificate) {
        throw new ValidationError({
          path,
          what: 'tls.certificate',
          value: undefined,
          allowed: 'a certificate for a terminating listener',
          fix: 'give tls.certificate, e.g. { kind: "files", certificatePath, keyPath }',
        });
      }
      requireCapability(
        caps,
        path,
        'certificate source',
        tls.certificate.kind,
        caps.certificateKinds.includes(tls.certificate.kind),
        caps.certificateKinds,
      );
      if (tls.certificate.kind === 'files') {
        for (const [what, file] of [
          ['certificatePath', tls.certificate.certificatePath],
          ['keyPath', tls.certificate.keyPath],
        ] as const) {
          if (!isUnresolved(file) && !/^\/[A-Za-z0-9._/@+-]+$/.test(file)) {
            throw new ValidationError({
              path,
              what: `tls.certificate.${what}`,
              value: file,
              allowed: 'an absolute path of letters, digits and ._/@+-',
              fix: 'give where the file is on the balancer host, e.g. /etc/ssl/private/site.pem',
            });
          }
        }
      }
      if (listener.protocol !== 'https') {
        throw new ValidationError({
          path,
          what: 'protocol of a TLS-terminating listener',
          value: listener.protocol,
          allowed: '"https"',
          fix: 'leave protocol out (https is implied) or use tls.mode "passthrough" with protocol "tcp"',
        });
      }
    }
    if (tls.redirectFromPort !== undefined) checkPort(path, 'tls.redirectFromPort', tls.redirectFromPort);
  }
}

/** The ports a listener occupies (its own and its HTTP→HTTPS redirect port). */
export function listenerPorts(options: ListenerOptions): number[] {
  const ports = [options.port];
  if (options.tls?.redirectFromPort !== undefined) ports.push(options.tls.redirectFromPort);
  return ports;
}
