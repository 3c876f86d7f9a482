import { RenderedFile } from '../files';
import { formatHost, formatSeconds, nginxQuote } from '../quote';
import { nextUpstreamDefault, resolveModel } from './resolve';
import { ResolvedListener, ResolvedModel, ResolvedPool } from './resolved';
import { NGINX_TLS_CIPHERS, NginxConfig } from './types';

/**
 * Renders the whole nginx configuration: the base `nginx.conf` first, then one file per pool,
 * then one file per listener. Validates the model first; any mistake is one
 * {@link ValidationError}.
 *
 * Retries: a request that fails on one node with a connection error, a timeout, or a 502/503/504
 * is tried on the next node (`proxy_next_upstream error timeout http_502 http_503 http_504`), at
 * most `nextUpstreamTries` times. nginx does this for idempotent methods only (GET, HEAD, PUT,
 * DELETE, OPTIONS, TRACE); webfarm never adds `non_idempotent`, so a POST is never sent twice.
 *
 * `path` starts every message (`nginx listener 'http': …`); a construct passes its own path
 * followed by `nginx`, so a mistake found here names the balancer it was made on.
 */
export function renderNginx(config: NginxConfig, path = 'nginx'): RenderedFile[] {
  const model = resolveModel(config, path);
  const files: RenderedFile[] = [{ path: model.layout.mainConfig, content: printNginx(baseConfig(model)) }];
  for (const pool of model.pools) {
    const dir = pool.stream ? model.layout.streamPoolsDir : model.layout.poolsDir;
    files.push({ path: `${dir}/${pool.name}.conf`, content: printNginx(poolFile(pool)) });
  }
  for (const listener of model.listeners) {
    const dir = listener.stream ? model.layout.streamListenersDir : model.layout.listenersDir;
    files.push({ path: `${dir}/${listener.name}.conf`, content: printNginx(listenerFile(model, listener)) });
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// The printer: a tiny syntax tree of directives, blocks and comments, printed with 4-space indent.
// Arguments are already quoted when they reach it.

/** A directive, a block, a comment or a blank line. */
type Item =
  | {
      readonly kind: 'directive';
      readonly name: string;
      readonly args: readonly string[];
      readonly note?: string;
    }
  | { readonly kind: 'block'; readonly name: string; readonly args: readonly string[]; readonly body: Item[] }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'blank' };

const directive = (name: string, ...args: string[]): Item => ({ kind: 'directive', name, args });
const block = (name: string, args: string[], body: Item[]): Item => ({
  kind: 'block',
  name,
  args,
  body,
});
const comment = (text: string): Item => ({ kind: 'comment', text });
const blank: Item = { kind: 'blank' };

function printNginx(items: Item[], depth = 0): string {
  const pad = '    '.repeat(depth);
  let out = '';
  for (const item of items) {
    switch (item.kind) {
      case 'blank':
        out += '\n';
        break;
      case 'comment':
        for (const line of item.text.split('\n')) out += `${pad}# ${line}`.trimEnd() + '\n';
        break;
      case 'directive':
        out += `${pad}${[item.name, ...item.args].join(' ')};${item.note ? `  # ${item.note}` : ''}\n`;
        break;
      case 'block':
        out += `${pad}${[item.name, ...item.args].join(' ')} {\n${printNginx(item.body, depth + 1)}${pad}}\n`;
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The files.

function baseConfig(model: ResolvedModel): Item[] {
  const { paths, layout } = model;
  const items: Item[] = [
    comment('nginx.conf, rendered by webfarm. Pools and listeners live in one file each under'),
    comment(`${paths.confDir}/webfarm/; this file changes only with global settings.`),
    directive('user', model.user),
    directive('worker_processes', 'auto'),
    directive('worker_rlimit_nofile', String(model.workerConnections * 2)),
    directive('pid', paths.pidFile),
    directive('error_log', `${paths.logDir}/error.log`, 'warn'),
  ];
  if (paths.modulesInclude !== false) items.push(directive('include', paths.modulesInclude));
  items.push(
    blank,
    block('events', [], [directive('worker_connections', String(model.workerConnections))]),
    blank,
  );

  const http: Item[] = [
    directive('server_tokens', 'off'),
    directive('sendfile', 'on'),
    directive('tcp_nopush', 'on'),
    directive('tcp_nodelay', 'on'),
    directive('keepalive_timeout', '65s'),
    directive('default_type', 'application/octet-stream'),
    blank,
    comment('Who asked, which node answered, and how long each step took.'),
    directive(
      'log_format',
      'webfarm',
      `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '`,
      `'"$http_referer" "$http_user_agent" upstream=$upstream_addr upstream_status=$upstream_status '`,
      `'request_time=$request_time upstream_connect_time=$upstream_connect_time '`,
      `'upstream_response_time=$upstream_response_time'`,
    ),
    // Buffered: one write per 64 KiB or per second instead of one per request (a busy
    // balancer otherwise spends a write(2) on every request; a crash loses at most a second).
    directive('access_log', `${paths.logDir}/access.log`, 'webfarm', 'buffer=64k', 'flush=1s'),
    blank,
    directive('client_body_temp_path', `${paths.tempDir}/body`),
    directive('proxy_temp_path', `${paths.tempDir}/proxy`),
    directive('fastcgi_temp_path', `${paths.tempDir}/fastcgi`),
    directive('uwsgi_temp_path', `${paths.tempDir}/uwsgi`),
    directive('scgi_temp_path', `${paths.tempDir}/scgi`),
    blank,
    directive('ssl_session_cache', 'shared:webfarm_tls:10m'),
    directive('ssl_session_timeout', '1d'),
    directive('ssl_session_tickets', 'off'),
    blank,
    comment('Websocket upgrades pass through; every other request clears "Connection", so the'),
    comment('connections to the nodes stay open for reuse (upstream keepalive).'),
    block(
      'map',
      ['$http_upgrade', '$connection_upgrade'],
      [directive('default', 'upgrade'), directive('""', '""')],
    ),
    blank,
    comment('Proxying defaults for every listener.'),
    directive('proxy_http_version', '1.1'),
    directive('proxy_connect_timeout', formatSeconds(model.timeouts.connectSeconds)),
    directive('proxy_send_timeout', formatSeconds(model.timeouts.sendSeconds)),
    directive('proxy_read_timeout', formatSeconds(model.timeouts.readSeconds)),
    comment('A failed attempt is tried on the next node. nginx retries only idempotent requests'),
    comment('(GET, HEAD, PUT, DELETE, OPTIONS, TRACE): without `non_idempotent`, which webfarm never'),
    comment('sets, a POST that reached a node is not sent again.'),
    directive('proxy_next_upstream', 'error', 'timeout', 'http_502', 'http_503', 'http_504'),
    directive('proxy_next_upstream_tries', String(model.nextUpstreamTries)),
    comment('Once a request has spent this long, its current attempt is its last.'),
    directive('proxy_next_upstream_timeout', formatSeconds(model.timeouts.nextUpstreamSeconds)),
    blank,
    directive('include', `${layout.poolsDir}/*.conf`),
    directive('include', `${layout.listenersDir}/*.conf`),
  ];
  if (model.status) {
    const s = model.status;
    const location: Item[] = [
      directive('stub_status'),
      directive('allow', '127.0.0.1'),
      directive('allow', '::1'),
      ...s.adminCidrs.map((c) => directive('allow', c)),
      directive('deny', 'all'),
    ];
    http.push(
      blank,
      comment(
        s.adminCidrs.length
          ? 'stub_status: readable from this host and the admin networks only.'
          : 'stub_status: readable from this host only.',
      ),
      block(
        'server',
        [],
        [
          directive('listen', s.adminCidrs.length ? String(s.port) : `127.0.0.1:${s.port}`),
          directive('server_name', '_'),
          directive('access_log', 'off'),
          block('location', ['=', s.path], location),
          block('location', ['/'], [directive('return', '404')]),
        ],
      ),
    );
  }
  items.push(block('http', [], http));

  if (model.stream) {
    items.push(
      blank,
      block(
        'stream',
        [],
        [
          directive(
            'log_format',
            'webfarm_stream',
            `'$remote_addr [$time_local] $protocol $status $bytes_sent $bytes_received '`,
            `'session_time=$session_time upstream=$upstream_addr upstream_connect_time=$upstream_connect_time'`,
          ),
          directive('access_log', `${paths.logDir}/stream.log`, 'webfarm_stream', 'buffer=64k', 'flush=1s'),
          directive('proxy_connect_timeout', formatSeconds(model.timeouts.connectSeconds)),
          directive('proxy_next_upstream', 'on'),
          directive('proxy_next_upstream_tries', String(model.nextUpstreamTries)),
          directive('proxy_next_upstream_timeout', formatSeconds(model.timeouts.nextUpstreamSeconds)),
          blank,
          directive('include', `${layout.streamPoolsDir}/*.conf`),
          directive('include', `${layout.streamListenersDir}/*.conf`),
        ],
      ),
    );
  }
  return items;
}

function algorithmLines(pool: ResolvedPool): Item[] {
  const algo = pool.algorithm;
  const consistent = algo.consistent ? ['consistent'] : [];
  switch (algo.kind) {
    case 'round-robin':
      return pool.stickiness ? stickyByAddress(pool) : [];
    case 'least-connections':
      return [directive('least_conn')];
    case 'source-ip':
      return stickyByAddress(pool);
    case 'hash-header':
      return [directive('hash', `$http_${(algo.key ?? '').toLowerCase().replace(/-/g, '_')}`, ...consistent)];
    case 'hash-cookie':
      return [directive('hash', `$cookie_${algo.key}`, ...consistent)];
    case 'hash-uri':
      return [directive('hash', '$request_uri', ...consistent)];
    case 'random-two':
      return [directive('random', 'two', 'least_conn')];
    default:
      throw new Error(`unreachable: ${algo.kind}`);
  }
}

function stickyByAddress(pool: ResolvedPool): Item[] {
  // The stream module has no ip_hash; hashing the whole address is its equivalent.
  return pool.stream ? [directive('hash', '$remote_addr', 'consistent')] : [directive('ip_hash')];
}

function poolFile(pool: ResolvedPool): Item[] {
  const body: Item[] = [
    directive('zone', `webfarm_${pool.stream ? 'stream' : 'http'}_${pool.name.replace(/-/g, '_')}`, '64k'),
    ...algorithmLines(pool),
  ];
  const passive = [`max_fails=${pool.maxFails}`, `fail_timeout=${formatSeconds(pool.failTimeoutSeconds)}`];
  if (pool.runtimeManaged) {
    body.push(
      comment('Nodes are changed at run time (webfarm nodes); a push creates this file and never'),
      comment('overwrites it. Servers the run-time client adds get these options:'),
      comment(`webfarm:server-options ${passive.join(' ')}`),
    );
  }
  if (!pool.nodes.length) {
    body.push(
      comment('No nodes yet: requests get 502 until some are added.'),
      directive('server', '127.0.0.1:9', 'down'),
    );
  }
  for (const node of pool.nodes) {
    body.push({
      kind: 'directive',
      name: 'server',
      args: [
        node.address,
        ...(node.weight !== undefined && node.weight !== 1 ? [`weight=${node.weight}`] : []),
        ...passive,
        ...(node.backup ? ['backup'] : []),
      ],
      note: node.name,
    });
  }
  if (!pool.stream && pool.keepalive > 0) {
    body.push(directive('keepalive', String(pool.keepalive)), directive('keepalive_timeout', '60s'));
  }
  return [
    comment(
      `Pool '${pool.name}' (${pool.protocol}, ${pool.algorithm}), rendered by webfarm: one file per pool.`,
    ),
    block('upstream', [upstreamName(pool)], body),
  ];
}

function upstreamName(pool: ResolvedPool): string {
  return pool.name;
}

function proxyTarget(pool: ResolvedPool): string {
  return `${pool.protocol === 'https' ? 'https' : 'http'}://${upstreamName(pool)}`;
}

function variableBase(listener: ResolvedListener): string {
  return `$webfarm_${listener.name.replace(/-/g, '_')}`;
}

function routingMaps(listener: ResolvedListener): Item[] {
  const base = variableBase(listener);
  const items: Item[] = [
    comment('Routing rules, checked in order; the first rule whose conditions all hold wins. Each map'),
    comment('tests one condition and otherwise falls through to the next rule (maps are lazy).'),
  ];
  listener.rules.forEach((rule, i) => {
    const next = i + 1 < listener.rules.length ? `${base}_rule${i + 2}` : proxyTarget(listener.defaultPool);
    rule.conditions.forEach((cond, j) => {
      const variable = j === 0 ? `${base}_rule${i + 1}` : `${base}_rule${i + 1}_if${j + 1}`;
      const hit = j + 1 < rule.conditions.length ? `${base}_rule${i + 1}_if${j + 2}` : proxyTarget(rule.pool);
      items.push(
        comment(
          `rule ${i + 1}${rule.conditions.length > 1 ? `, condition ${j + 1}` : ''}: ${cond.describe} -> pool '${rule.pool.name}'`,
        ),
        block(
          'map',
          [cond.source, variable],
          [
            directive(nginxQuote(cond.regex, { path: listener.path, what: 'rule' }), hit),
            directive('default', next),
          ],
        ),
      );
    });
  });
  return items;
}

function accessRules(listener: ResolvedListener): Item[] {
  if (!listener.allowedCidrs.length) return [];
  return [...listener.allowedCidrs.map((c) => directive('allow', c)), directive('deny', 'all')];
}

/**
 * The timeouts of the pools a listener reaches, where any pool sets its own: the longest of each
 * (nginx sets timeouts per location, and one location serves every rule's pool).
 */
function poolTimeoutLines(model: ResolvedModel, listener: ResolvedListener, stream: boolean): Item[] {
  const pools = [listener.defaultPool, ...listener.rules.map((r) => r.pool)];
  const longest = (key: 'connectSeconds' | 'responseSeconds'): number | undefined => {
    const values = pools.map((p) => p.timeouts[key]).filter((v): v is number => v !== undefined);
    return values.length ? Math.max(...values) : undefined;
  };
  const connect = longest('connectSeconds');
  const response = longest('responseSeconds');
  const lines: Item[] = [];
  if (connect !== undefined) lines.push(directive('proxy_connect_timeout', formatSeconds(connect)));
  if (response !== undefined) {
    if (stream) lines.push(directive('proxy_timeout', formatSeconds(response)));
    else {
      lines.push(
        directive('proxy_read_timeout', formatSeconds(response)),
        directive('proxy_send_timeout', formatSeconds(response)),
        directive(
          'proxy_next_upstream_timeout',
          formatSeconds(nextUpstreamDefault(connect ?? model.timeouts.connectSeconds, response)),
        ),
      );
    }
  }
  return lines.length ? [comment("The pools' own timeouts."), ...lines] : [];
}

function listenerFile(model: ResolvedModel, listener: ResolvedListener): Item[] {
  const items: Item[] = [];
  const zone = `webfarm_${listener.name.replace(/-/g, '_')}`;
  if (listener.stream) {
    items.push(
      comment(
        `Listener '${listener.name}' (${listener.protocol} on port ${listener.port}), rendered by webfarm.`,
      ),
      block(
        'server',
        [],
        [
          directive('listen', listener.listen, ...(listener.protocol === 'udp' ? ['udp'] : [])),
          ...accessRules(listener),
          ...poolTimeoutLines(model, listener, true),
          directive('proxy_pass', upstreamName(listener.defaultPool)),
        ],
      ),
    );
    return items;
  }
  items.push(
    comment(
      `Listener '${listener.name}' (${listener.protocol} on port ${listener.port}), rendered by webfarm.`,
    ),
  );
  if (listener.rate) {
    items.push(
      directive(
        'limit_req_zone',
        '$binary_remote_addr',
        `zone=${zone}_rate:10m`,
        `rate=${listener.rate.perSecond}r/s`,
      ),
    );
  }
  if (listener.cache) {
    items.push(
      directive(
        'proxy_cache_path',
        `${model.paths.cacheDir}/cache-${listener.name}`,
        'levels=1:2',
        `keys_zone=${zone}_cache:10m`,
        `max_size=${listener.cache.maxSizeMb}m`,
        'inactive=60m',
        'use_temp_path=off',
      ),
    );
  }
  if (listener.rules.length) items.push(blank, ...routingMaps(listener));
  items.push(blank);

  const server: Item[] = [];
  const tls = listener.tls;
  server.push(directive('listen', listener.listen, ...(tls ? ['ssl', 'http2'] : [])));
  server.push(directive('server_name', ...(listener.serverNames.length ? listener.serverNames : ['_'])));
  if (tls) {
    server.push(
      directive('ssl_certificate', tls.certificatePath),
      directive('ssl_certificate_key', tls.keyPath),
      directive('ssl_protocols', ...tls.versions),
      directive('ssl_ciphers', NGINX_TLS_CIPHERS),
      directive('ssl_prefer_server_ciphers', 'off'),
    );
  }
  server.push(...accessRules(listener));
  if (listener.rate) {
    server.push(
      directive('limit_req', `zone=${zone}_rate`, `burst=${listener.rate.burst}`, 'nodelay'),
      directive('limit_req_status', '429'),
    );
  }
  const location: Item[] = [
    directive(
      'proxy_pass',
      listener.rules.length ? `${variableBase(listener)}_rule1` : proxyTarget(listener.defaultPool),
    ),
    directive('proxy_set_header', 'Host', '$host'),
    directive('proxy_set_header', 'X-Real-IP', '$remote_addr'),
    directive('proxy_set_header', 'X-Forwarded-For', '$proxy_add_x_forwarded_for'),
    directive('proxy_set_header', 'X-Forwarded-Proto', '$scheme'),
    directive('proxy_set_header', 'X-Forwarded-Host', '$host'),
    directive('proxy_set_header', 'Upgrade', '$http_upgrade'),
    directive('proxy_set_header', 'Connection', '$connection_upgrade'),
    ...listener.requestHeaders.map(([name, value]) => directive('proxy_set_header', name, value)),
    ...poolTimeoutLines(model, listener, false),
  ];
  if (listener.cache) {
    location.push(
      directive('proxy_cache', `${zone}_cache`),
      directive('proxy_cache_valid', '200', '301', '302', formatSeconds(listener.cache.validSeconds)),
      directive(
        'proxy_cache_use_stale',
        'error',
        'timeout',
        'updating',
        'http_500',
        'http_502',
        'http_503',
        'http_504',
      ),
      directive('proxy_cache_lock', 'on'),
      directive('add_header', 'X-Cache-Status', '$upstream_cache_status', 'always'),
    );
  }
  if (tls?.hstsMaxAgeSeconds !== undefined) {
    location.push(
      directive('add_header', 'Strict-Transport-Security', `"max-age=${tls.hstsMaxAgeSeconds}"`, 'always'),
    );
  }
  server.push(block('location', ['/'], location));
  items.push(block('server', [], server));

  if (tls?.redirectFromPort !== undefined) {
    const listen = listener.bindAddress
      ? `${formatHost(listener.bindAddress, { path: listener.path, what: 'bindAddress' })}:${tls.redirectFromPort}`
      : String(tls.redirectFromPort);
    const target =
      listener.port === 443 ? 'https://$host$request_uri' : `https://$host:${listener.port}$request_uri`;
    items.push(
      blank,
      comment(`Plain HTTP on port ${tls.redirectFromPort} is redirected to HTTPS.`),
      block(
        'server',
        [],
        [
          directive('listen', listen),
          directive('server_name', ...(listener.serverNames.length ? listener.serverNames : ['_'])),
          ...accessRules(listener),
          directive('return', '301', target),
        ],
      ),
    );
  }
  return items;
}
