import { effectiveProbeTimeout } from '../../core/balancing';
import { RenderedFile } from '../files';
import { formatSeconds, haproxyQuote } from '../quote';
import { resolveModel } from './resolve';
import { ResolvedListener, ResolvedModel, ResolvedPool, ResolvedStats } from './resolved';
import { HAPROXY_TLS_CIPHERS, HaproxyConfig } from './types';

/**
 * Renders `haproxy.cfg`. Validates the model first; any mistake is one {@link ValidationError}.
 * The file is mode `0600` when it holds the stats password.
 *
 * `path` starts every message (`haproxy listener 'http': …`); a construct passes its own path
 * followed by `haproxy`, so a mistake found here names the balancer it was made on.
 */
export function renderHaproxy(config: HaproxyConfig, path = 'haproxy'): RenderedFile[] {
  const model = resolveModel(config, path);
  const sections: Section[] = [globalSection(model), defaultsSection(model)];
  if (model.stats) sections.push(...statsSections(model.stats, model.log !== false));
  for (const listener of model.listeners) sections.push(frontendSection(listener, model.log !== false));
  for (const pool of model.pools.filter((p) => !p.runtimeManaged)) sections.push(backendSection(pool));
  const file: RenderedFile = { path: model.paths.configFile, content: printHaproxy(sections) };
  // Run-time pools: one file each, which the run-time client rewrites (never haproxy.cfg).
  const runtime = model.pools
    .filter((p) => p.runtimeManaged)
    .map((pool) => ({
      path: `${model.paths.poolsDir}/${pool.name}.cfg`,
      content: printHaproxy([backendSection(pool)]).replace(
        '# haproxy.cfg, rendered by webfarm.',
        `# Pool '${pool.name}', created by webfarm and changed at run time (webfarm nodes): a push never overwrites it.`,
      ),
    }));
  return [model.stats?.password !== undefined ? { ...file, mode: '0600' } : file, ...runtime];
}

// ---------------------------------------------------------------------------------------------
// The printer: sections of lines; each line is a list of words, already quoted.

interface Section {
  readonly comment?: string;
  readonly header: readonly string[];
  readonly lines: ReadonlyArray<readonly string[] | { readonly comment: string }>;
}

function printHaproxy(sections: Section[]): string {
  const out: string[] = ['# haproxy.cfg, rendered by webfarm.'];
  for (const section of sections) {
    out.push('');
    if (section.comment) out.push(...section.comment.split('\n').map((l) => `# ${l}`.trimEnd()));
    out.push(section.header.join(' '));
    for (const line of section.lines) {
      if ('comment' in line) out.push(...line.comment.split('\n').map((l) => `    # ${l}`.trimEnd()));
      else out.push(`    ${line.join(' ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The sections.

function globalSection(model: ResolvedModel): Section {
  const lines: string[][] = [];
  if (model.log !== false) lines.push(['log', model.log, 'local0']);
  if (model.paths.chroot !== false) lines.push(['chroot', model.paths.chroot]);
  lines.push(
    ['user', model.user],
    ['group', model.group],
    ['maxconn', String(model.maxConnections)],
    ['stats', 'socket', model.paths.adminSocket, 'mode', '660', 'level', 'admin', 'expose-fd', 'listeners'],
    ['stats', 'timeout', '30s'],
    ['ssl-default-bind-ciphers', HAPROXY_TLS_CIPHERS.tls12],
    ['ssl-default-bind-ciphersuites', HAPROXY_TLS_CIPHERS.tls13],
    ['ssl-default-bind-options', 'ssl-min-ver', 'TLSv1.2', 'no-tls-tickets'],
  );
  return { header: ['global'], lines };
}

function defaultsSection(model: ResolvedModel): Section {
  const t = model.timeouts;
  return {
    header: ['defaults'],
    lines: [
      ...(model.log !== false ? [['log', 'global']] : []),
      ['mode', 'http'],
      ...(model.log !== false
        ? [
            ['option', 'httplog'],
            ['option', 'dontlognull'],
          ]
        : []),
      ['timeout', 'connect', formatSeconds(t.connectSeconds)],
      ['timeout', 'client', formatSeconds(t.clientSeconds)],
      ['timeout', 'server', formatSeconds(t.serverSeconds)],
      ['timeout', 'http-request', formatSeconds(t.httpRequestSeconds)],
      ['timeout', 'http-keep-alive', formatSeconds(t.httpKeepAliveSeconds)],
      ['timeout', 'queue', formatSeconds(t.queueSeconds)],
      ['timeout', 'tunnel', formatSeconds(t.tunnelSeconds)],
      { comment: 'A failed attempt is retried, each time on another node.' },
      ['retries', String(model.retries)],
      ['option', 'redispatch', '1'],
    ],
  };
}

function statsSections(stats: ResolvedStats, logging: boolean): Section[] {
  const sections: Section[] = [];
  const lines: Array<string[] | { comment: string }> = [
    ['bind', stats.bind],
    ['mode', 'http'],
    ...(logging ? [['http-request', 'set-log-level', 'silent']] : []),
  ];
  if (stats.password !== undefined) {
    sections.push({
      comment: 'The login of the stats page and the metrics.',
      header: ['userlist', 'webfarm_stats'],
      lines: [['user', stats.user, 'insecure-password', stats.password]],
    });
    lines.push(['http-request', 'auth', 'realm', 'webfarm', 'unless', '{', 'http_auth(webfarm_stats)', '}']);
  }
  if (stats.prometheus) {
    lines.push(['http-request', 'use-service', 'prometheus-exporter', 'if', '{', 'path', '/metrics', '}']);
  }
  lines.push(
    ['stats', 'enable'],
    ['stats', 'uri', '/stats'],
    ['stats', 'refresh', `${stats.refreshSeconds}s`],
  );
  // Only a logged-in user reaches the page at all (the auth line above); admin needs it too.
  if (stats.admin) lines.push(['stats', 'admin', 'if', '{', 'http_auth(webfarm_stats)', '}']);
  sections.push({
    comment:
      stats.password !== undefined
        ? 'Stats page (/stats) and Prometheus metrics (/metrics), behind a login.'
        : 'Stats page (/stats) and Prometheus metrics (/metrics), on a loopback address only.',
    header: ['frontend', 'webfarm_stats'],
    lines,
  });
  return sections;
}

function frontendSection(listener: ResolvedListener, logging: boolean): Section {
  const lines: Array<readonly string[] | { comment: string }> = [];
  for (const bind of listener.binds) lines.push(['bind', ...bind]);
  lines.push(['mode', listener.mode]);
  if (listener.mode === 'tcp') {
    if (logging) lines.push(['option', 'tcplog']);
  } else {
    lines.push(['option', 'forwardfor']);
  }
  if (listener.allowedCidrs.length) {
    lines.push(['tcp-request', 'connection', 'reject', 'unless', '{', 'src', ...listener.allowedCidrs, '}']);
  }
  if (listener.rateLimitPerSecond !== undefined) {
    lines.push(
      { comment: `At most ${listener.rateLimitPerSecond} requests per second per client address.` },
      ['stick-table', 'type', 'ipv6', 'size', '100k', 'expire', '10s', 'store', 'http_req_rate(1s)'],
      ['http-request', 'track-sc0', 'src'],
      [
        'http-request',
        'deny',
        'deny_status',
        '429',
        'if',
        '{',
        'sc_http_req_rate(0)',
        'gt',
        String(listener.rateLimitPerSecond),
        '}',
      ],
    );
  }
  if (listener.redirectFromPort !== undefined) {
    const port = listener.tlsPort === 443 ? '' : `:${listener.tlsPort}`;
    lines.push({ comment: `Plain HTTP on port ${listener.redirectFromPort} is redirected to HTTPS.` }, [
      'http-request',
      'redirect',
      'location',
      `https://%[req.hdr(host),regsub(:[0-9]+$,)]${port}%[url]`,
      'code',
      '301',
      'unless',
      '{',
      'ssl_fc',
      '}',
    ]);
  }
  if (listener.mode === 'http') {
    const tls = listener.tlsPort !== undefined;
    lines.push(
      [
        'http-request',
        'set-header',
        'X-Forwarded-Proto',
        tls ? 'https' : 'http',
        ...(tls ? ['if', '{', 'ssl_fc', '}'] : []),
      ],
      ...(tls && listener.redirectFromPort !== undefined
        ? [['http-request', 'set-header', 'X-Forwarded-Proto', 'http', 'unless', '{', 'ssl_fc', '}']]
        : []),
      ['http-request', 'set-header', 'X-Forwarded-Host', '%[req.hdr(host)]'],
      ['http-request', 'set-header', 'X-Real-IP', '%[src]'],
      ...listener.requestHeaders.map(([name, value]) => ['http-request', 'set-header', name, value]),
    );
    if (listener.hstsMaxAgeSeconds !== undefined) {
      lines.push([
        'http-response',
        'set-header',
        'Strict-Transport-Security',
        `max-age=${listener.hstsMaxAgeSeconds}`,
        'if',
        '{',
        'ssl_fc',
        '}',
      ]);
    }
  }
  if (listener.rules.length) {
    lines.push({
      comment: 'Routing rules, checked in order; the first rule whose conditions all hold wins.',
    });
    for (const rule of listener.rules) for (const acl of rule.acls) lines.push(['acl', ...acl]);
    for (const rule of listener.rules) {
      lines.push(['use_backend', rule.pool.name, 'if', ...rule.acls.map((acl) => acl[0])]);
    }
  }
  lines.push(['default_backend', listener.defaultPool.name]);
  return {
    comment: `Listener '${listener.name}' (${listener.protocol} on port ${listener.port}).`,
    header: ['frontend', listener.name],
    lines,
  };
}

function balanceLines(pool: ResolvedPool): string[][] {
  const algo = pool.algorithm;
  const consistent = algo.consistent ? [['hash-type', 'consistent']] : [];
  switch (algo.kind) {
    case 'round-robin':
      return [['balance', 'roundrobin']];
    case 'least-connections':
      return [['balance', 'leastconn']];
    case 'source-ip':
      return [
        ['balance', 'source'],
        ['hash-type', 'consistent'],
      ];
    case 'hash-header':
      return [['balance', `hdr(${algo.key})`], ...consistent];
    case 'hash-cookie':
      return [['balance', 'hash', `req.cook(${algo.key})`], ...consistent];
    case 'hash-uri':
      return [['balance', 'uri', 'whole'], ...consistent];
    case 'random-two':
      return [['balance', 'random(2)']];
    default:
      throw new Error(`unreachable: ${algo.kind}`);
  }
}

/** `^(2[0-9][0-9]|3[0-9][0-9])$` for "200-399": the expected codes as one regex. */
function statusRegex(expected: string): string {
  const codes = new Set<number>();
  for (const part of expected.split(',')) {
    const [from, to] = part.split('-').map(Number);
    for (let c = from; c <= (to ?? from); c++) codes.add(c);
  }
  const alternatives: string[] = [];
  for (let h = 1; h <= 5; h++) {
    if (Array.from({ length: 100 }, (_, i) => h * 100 + i).every((c) => codes.has(c))) {
      alternatives.push(`${h}[0-9][0-9]`);
      continue;
    }
    for (let t = 0; t <= 9; t++) {
      const base = h * 100 + t * 10;
      if (Array.from({ length: 10 }, (_, i) => base + i).every((c) => codes.has(c))) {
        alternatives.push(`${h}${t}[0-9]`);
        continue;
      }
      for (let u = 0; u <= 9; u++) if (codes.has(base + u)) alternatives.push(String(base + u));
    }
  }
  return `^(${alternatives.join('|')})$`;
}

function backendSection(pool: ResolvedPool): Section {
  const lines: Array<readonly string[] | { comment: string }> = [
    ['mode', pool.protocol === 'tcp' ? 'tcp' : 'http'],
    ...balanceLines(pool),
    ...(pool.timeouts?.connectSeconds !== undefined
      ? [['timeout', 'connect', formatSeconds(pool.timeouts.connectSeconds)]]
      : []),
    ...(pool.timeouts?.responseSeconds !== undefined
      ? [['timeout', 'server', formatSeconds(pool.timeouts.responseSeconds)]]
      : []),
  ];
  const http = pool.protocol !== 'tcp';
  const active = pool.active;
  const check = ['check'];
  if (active) {
    const probe = active.protocol ?? 'http';
    if (probe !== 'tcp') {
      const code = active.expectedCodes ?? '200-399';
      lines.push(
        ['option', 'httpchk'],
        [
          'http-check',
          'send',
          'meth',
          active.method ?? 'GET',
          'uri',
          haproxyQuote(active.path ?? '/', {
            path: pool.path,
            what: 'healthCheck.active.path',
          }),
        ],
        /^[0-9]{3}$/.test(code)
          ? ['http-check', 'expect', 'status', code]
          : [
              'http-check',
              'expect',
              'rstatus',
              haproxyQuote(statusRegex(code), {
                path: pool.path,
                what: 'healthCheck.active.expectedCodes',
              }),
            ],
      );
      if (probe === 'https' && pool.protocol !== 'https') check.push('check-ssl', 'verify', 'none');
    }
    lines.push(['timeout', 'check', formatSeconds(effectiveProbeTimeout(active))]);
    check.push(
      'inter',
      formatSeconds(active.intervalSeconds ?? 5),
      'rise',
      String(active.healthyThreshold ?? 2),
      'fall',
      String(active.unhealthyThreshold ?? 3),
    );
  } else if (http) {
    // The default for HTTP pools: an HTTP probe (a TCP connect says nothing about a node that
    // accepts connections and never answers), healthy on any answer below 500, every 2 s with a
    // 2 s timeout, out after 3 misses: a hanging node leaves rotation within about 8 s.
    lines.push(
      ['option', 'httpchk'],
      ['http-check', 'send', 'meth', 'GET', 'uri', '/'],
      ['http-check', 'expect', 'rstatus', '^[1-4][0-9][0-9]$'],
      ['timeout', 'check', '2s'],
    );
    check.push('inter', '2s', 'rise', '2', 'fall', '3');
  } else {
    check.push('inter', '2s', 'rise', '2', 'fall', '3');
  }
  // Passive checks: real traffic that fails takes the node out (HTTP pools: 5xx answers count).
  check.push(
    'observe',
    http ? 'layer7' : 'layer4',
    'error-limit',
    String(pool.maxFails),
    'on-error',
    'mark-down',
  );
  if (http) {
    lines.push(
      // 502/503/504 from a node are retried on another node (idempotent requests only, below).
      ['retry-on', 'all-retryable-errors', '502', '503', '504'],
      { comment: 'Requests that already reached a node are retried only when idempotent.' },
      ['acl', 'idempotent', 'method', 'GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'],
      ['http-request', 'disable-l7-retry', 'unless', 'idempotent'],
      pool.keepalive > 0 ? ['http-reuse', 'safe'] : ['http-reuse', 'never'],
    );
  }
  const sticky = pool.stickiness;
  if (sticky?.kind === 'insert-cookie') {
    lines.push([
      'cookie',
      sticky.cookieName ?? 'SERVERID',
      'insert',
      'indirect',
      'nocache',
      'httponly',
      ...(sticky.maxAgeSeconds !== undefined
        ? ['maxlife', `${sticky.maxAgeSeconds}s`, 'attr', `Max-Age=${sticky.maxAgeSeconds}`]
        : []),
    ]);
  } else if (sticky?.kind === 'app-cookie') {
    lines.push(['cookie', sticky.cookieName ?? 'JSESSIONID', 'prefix', 'nocache']);
  } else if (sticky?.kind === 'source-ip') {
    lines.push(['stick-table', 'type', 'ipv6', 'size', '200k', 'expire', '30m'], ['stick', 'on', 'src']);
  }
  lines.push([
    'default-server',
    ...check,
    ...(http && pool.keepalive > 0 ? ['pool-max-conn', String(pool.keepalive)] : []),
    ...(pool.protocol === 'https' ? ['ssl', 'verify', 'none'] : []),
  ]);
  if (!pool.nodes.length) lines.push({ comment: 'No nodes yet: requests get 503 until some are added.' });
  const cookie = sticky?.kind === 'insert-cookie' || sticky?.kind === 'app-cookie';
  for (const node of pool.nodes) {
    lines.push([
      'server',
      node.name,
      node.address,
      ...(node.weight !== undefined && node.weight !== 1 ? ['weight', String(node.weight)] : []),
      ...(node.backup ? ['backup'] : []),
      ...(cookie ? ['cookie', node.name] : []),
    ]);
  }
  return {
    comment: `Pool '${pool.name}' (${pool.protocol}, ${pool.algorithm}).`,
    header: ['backend', pool.name],
    lines,
  };
}
