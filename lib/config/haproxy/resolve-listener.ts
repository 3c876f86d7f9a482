import {
  checkAllowedCidrs,
  checkHstsMaxAge,
  checkSelfHostedCidrFamily,
  refuseLayer4Rule,
} from '../../core/listener-checks';
import { HAPROXY_CAPABILITIES, TlsVersion, checkHeaderName, requireCapability } from '../../core/balancing';
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
  haproxyLogFormatQuote,
  haproxyQuote,
  literalNumber,
} from '../quote';
import { SIMPLE_NAME } from './resolve';
import { ResolvedListener, ResolvedPool } from './resolved';
import type { RoutingRule } from '../../core/balancer';
import type { PoolRef } from '../proxy-common';
import { HaproxyListener, HaproxyTls } from './types';

export function resolveListener(
  listener: HaproxyListener,
  pools: ResolvedPool[],
  where: string,
): ResolvedListener {
  checkName(where, 'listener name', listener.name);
  const path = `${where} listener '${listener.name}'`;
  const o = listener.options;
  // nginx's listener options: HAProxy has none of them, and says so rather than drop them.
  for (const extra of ['cache', 'serverNames', 'rateLimitBurst'] as const) {
    if (o[extra] === undefined) continue;
    requireCapability(
      HAPROXY_CAPABILITIES,
      path,
      'listener option',
      extra,
      false,
      HAPROXY_CAPABILITIES.listenerExtras ?? [],
    );
  }
  const port = literalNumber(o.port, { path, what: 'port' });
  checkPort(path, 'port', port);
  const tls = o.tls;
  const terminate = tls !== undefined && tls.mode !== 'passthrough';
  const protocol = o.protocol ?? (terminate ? 'https' : 'http');
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
    o.bindAddress === undefined
      ? ''
      : formatHost(formatAddress(o.bindAddress, { path, what: 'bindAddress' }), {
          path,
          what: 'bindAddress',
        });
  const defaultPool = findPool(path, 'defaultPool', o.defaultPool, pools);
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
      checkHstsMaxAge(path, tls.hstsMaxAgeSeconds);
      hstsMaxAgeSeconds = tls.hstsMaxAgeSeconds;
    }
  } else {
    if (protocol === 'https') {
      fail(path, 'protocol', 'https', 'https together with a `tls` block', 'add tls: { pemPath: … }');
    }
    binds.push([`${host}:${port}`]);
  }

  const rules = (o.rules ?? []).map((rule, i) => {
    const where = `${path} rule ${i + 1}`;
    if (mode === 'tcp') refuseLayer4Rule(where, protocol);
    const pool = findPool(where, 'pool', rule.pool, pools);
    checkPoolFits(where, 'pool', mode, pool);
    return { pool, acls: ruleAcls(where, i + 1, rule) };
  });

  checkAllowedCidrs(path, o.allowedCidrs);
  checkSelfHostedCidrFamily(path, 'HAProxy', o.bindAddress, o.allowedCidrs);
  const allowedCidrs = [...(o.allowedCidrs ?? [])];

  if (o.rateLimitPerSecond !== undefined) {
    if (mode === 'tcp') {
      fail(
        path,
        'rateLimitPerSecond on a layer-4 listener',
        o.rateLimitPerSecond,
        'rate limits on http or https listeners',
        'drop the limit or use an HTTP listener',
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
  }

  const requestHeaders = checkRequestHeaders(
    path,
    o.requestHeaders,
    mode === 'tcp',
    'headers on http listeners',
  ).map(([name, value]) => {
    const ctx = { path, what: `requestHeaders[${JSON.stringify(name)}]` };
    return [haproxyQuote(name, ctx), haproxyLogFormatQuote(value, ctx)] as const;
  });

  return {
    name: listener.name,
    path,
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
    rateLimitPerSecond: o.rateLimitPerSecond,
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

function ruleAcls(where: string, n: number, rule: RoutingRule<PoolRef>): string[][] {
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
