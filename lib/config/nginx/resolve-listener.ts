import {
  checkAllowedCidrs,
  checkHstsMaxAge,
  checkSelfHostedCidrFamily,
  refuseLayer4Rule,
} from '../../core/listener-checks';
import {
  ListenerProtocol,
  NGINX_CAPABILITIES,
  TlsVersion,
  checkHeaderName,
  requireCapability,
} from '../../core/balancing';
import { isUnresolved } from '../../core/tokens';
import { checkInteger, checkName, checkPort } from '../../core/validate';
import { checkRequestHeaders, fail, findPool } from '../proxy-common';
import {
  checkHeaderValue,
  checkHostName,
  checkPathPrefix,
  formatAddress,
  formatFilePath,
  formatHost,
  literalNumber,
  nginxQuote,
  pcreLiteral,
} from '../quote';
import { NGINX_HEADER_NAME } from './resolve';
import { ResolvedCondition, ResolvedListener, ResolvedPool, ResolvedRule } from './resolved';
import type { RoutingRule } from '../../core/balancer';
import type { PoolRef } from '../proxy-common';
import { NginxListener } from './types';

export function resolveListener(
  listener: NginxListener,
  pools: ResolvedPool[],
  streamEnabled: boolean,
  where: string,
): ResolvedListener {
  checkName(where, 'listener name', listener.name);
  const path = `${where} listener '${listener.name}'`;
  const o = listener.options;
  const port = literalNumber(o.port, { path, what: 'port' });
  checkPort(path, 'port', port);
  const terminate = o.tls !== undefined && o.tls.mode !== 'passthrough';
  const protocol = o.protocol ?? (terminate ? 'https' : 'http');
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
    o.bindAddress === undefined ? undefined : formatAddress(o.bindAddress, { path, what: 'bindAddress' });

  const defaultPool = findPool(path, 'defaultPool', o.defaultPool, pools);
  checkPoolFits(path, 'defaultPool', protocol, defaultPool);

  let tls: ResolvedListener['tls'];
  if (o.tls) {
    const t = o.tls;
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
      if (t.hstsMaxAgeSeconds !== undefined) checkHstsMaxAge(path, t.hstsMaxAgeSeconds);
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

  const rules: ResolvedRule[] = (o.rules ?? []).map((rule, i) => {
    const where = `${path} rule ${i + 1}`;
    if (stream) refuseLayer4Rule(where, protocol);
    const pool = findPool(where, 'pool', rule.pool, pools);
    checkPoolFits(where, 'pool', protocol, pool);
    return { pool, conditions: resolveConditions(where, rule) };
  });

  checkAllowedCidrs(path, o.allowedCidrs);
  checkSelfHostedCidrFamily(path, 'nginx', o.bindAddress, o.allowedCidrs);
  const allowedCidrs = [...(o.allowedCidrs ?? [])];

  let rate: ResolvedListener['rate'];
  if (o.rateLimitPerSecond !== undefined) {
    if (stream) {
      fail(
        path,
        'rateLimitPerSecond on a layer-4 listener',
        o.rateLimitPerSecond,
        'rate limits on http or https listeners',
        'nginx limits HTTP requests; drop the limit or use an HTTP listener',
      );
    }
    checkInteger(
      path,
      'rateLimitPerSecond',
      o.rateLimitPerSecond,
      1,
      1000000,
      'give requests per second per client, e.g. 20',
    );
    const burst = o.rateLimitBurst ?? o.rateLimitPerSecond;
    checkInteger(
      path,
      'rateLimitBurst',
      burst,
      0,
      1000000,
      'give how many requests above the rate are served at once, e.g. 20',
    );
    rate = { perSecond: o.rateLimitPerSecond, burst };
  } else if (o.rateLimitBurst !== undefined) {
    fail(
      path,
      'rateLimitBurst',
      o.rateLimitBurst,
      'a burst together with rateLimitPerSecond',
      'give rateLimitPerSecond too',
    );
  }

  let cache: ResolvedListener['cache'];
  if (o.cache) {
    if (stream) {
      fail(
        path,
        'cache on a layer-4 listener',
        protocol,
        'caching on http or https listeners',
        'drop `cache`',
      );
    }
    const maxSizeMb = o.cache.maxSizeMb ?? 1024;
    checkInteger(path, 'cache.maxSizeMb', maxSizeMb, 1, 10485760, 'give megabytes, e.g. 1024');
    const validSeconds = o.cache.validSeconds ?? 600;
    checkInteger(path, 'cache.validSeconds', validSeconds, 1, 31536000, 'give whole seconds, e.g. 600');
    cache = { maxSizeMb, validSeconds };
  }

  const serverNames = [...(o.serverNames ?? [])];
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
    o.requestHeaders,
    stream,
    'headers on http or https listeners',
  ).map(([name, value]) => {
    const ctx = { path, what: `requestHeaders[${JSON.stringify(name)}]` };
    return [nginxQuote(name, ctx), nginxQuote(value, { ...ctx, variables: true })] as const;
  });

  return {
    name: listener.name,
    path,
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

function resolveConditions(where: string, rule: RoutingRule<PoolRef>): ResolvedCondition[] {
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
