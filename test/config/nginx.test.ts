import * as fs from 'fs';
import * as path from 'path';
import { NginxConfig, NginxPool, nginxCheckCommand, nginxLayout, renderNginx } from '../../lib/config/nginx';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { expectGoldenTree, substituteTokens, unroot, writeFiles } from '../support/backends';
import { ROOT, describeWithTools } from '../support/tools';
import {
  NGINX_GOLDEN_CASES,
  nginxPathsUnder,
  nginxTest,
  prepareRoot,
  streamModuleAvailable,
} from './nginx-harness';
import { expectRejected } from '../support/assert';

const GOLDEN = path.join(ROOT, 'test', 'golden', 'nginx');

const pool = (overrides: Partial<NginxPool> = {}): NginxPool => ({
  name: 'web',
  options: {},
  nodes: [
    { name: 'web-1', host: '10.0.0.11', port: 8080 },
    { name: 'web-2', host: '10.0.0.12', port: 8080 },
  ],
  ...overrides,
});

const config = (overrides: Partial<NginxConfig> = {}): NginxConfig => ({
  pools: [pool()],
  listeners: [{ name: 'http', options: { port: 80, defaultPool: 'web' } }],
  ...overrides,
});

function file(files: ReturnType<typeof renderNginx>, suffix: string): string {
  const found = files.find((f) => f.path.endsWith(suffix));
  if (!found) throw new Error(`no rendered file ends with ${suffix}: ${files.map((f) => f.path).join(', ')}`);
  return found.content;
}

describe('renderNginx golden files', () => {
  it.each(Object.keys(NGINX_GOLDEN_CASES))(
    'GIVEN the %s model WHEN rendered THEN it matches test/golden/nginx',
    (name) => {
      expectGoldenTree(path.join(GOLDEN, name), renderNginx(NGINX_GOLDEN_CASES[name]('')));
    },
  );

  it('GIVEN no paths WHEN rendered THEN the files land in the Debian layout under /etc/nginx', () => {
    const withoutPaths = { ...NGINX_GOLDEN_CASES['visa-round-robin'](''), paths: undefined };
    expect(renderNginx(withoutPaths)).toEqual(renderNginx(NGINX_GOLDEN_CASES['visa-round-robin']('')));
    expect(renderNginx(withoutPaths).map((f) => f.path)).toEqual([
      '/etc/nginx/nginx.conf',
      '/etc/nginx/webfarm/pools/visa.conf',
      '/etc/nginx/webfarm/listeners/http.conf',
    ]);
    expect(nginxCheckCommand()).toBe('nginx -t -q -c /etc/nginx/nginx.conf');
    expect(nginxLayout({ confDir: '/opt/nginx/' }).poolsDir).toBe('/opt/nginx/webfarm/pools');
  });
});

describe('renderNginx', () => {
  it('GIVEN a pool gains a node WHEN rendered again THEN only that pool file changes', () => {
    const before = renderNginx(config({ pools: [pool(), pool({ name: 'api' })] }));
    const grown = pool({ nodes: [...pool().nodes, { name: 'web-3', host: '10.0.0.13', port: 8080 }] });
    const after = renderNginx(config({ pools: [grown, pool({ name: 'api' })] }));
    const changed = after.filter((f, i) => f.content !== before[i].content).map((f) => f.path);
    expect(changed).toEqual(['/etc/nginx/webfarm/pools/web.conf']);
  });

  it('GIVEN a worker IP that is a Terraform token WHEN rendered THEN the server line carries it untouched', () => {
    const ip = '${TfToken[TOKEN.42]}';
    const files = renderNginx(config({ pools: [pool({ nodes: [{ name: 'w', host: ip, port: 8080 }] })] }));
    expect(file(files, 'pools/web.conf')).toContain(
      `    server ${ip}:8080 max_fails=3 fail_timeout=30s;  # w\n`,
    );
  });

  it.each([
    [Algorithm.roundRobin(), undefined],
    [Algorithm.leastConnections(), 'least_conn;'],
    [Algorithm.sourceIp(), 'ip_hash;'],
    [Algorithm.hashHeader('X-Machine-Id'), 'hash $http_x_machine_id consistent;'],
    [Algorithm.hashHeader('machineid', { consistent: false }), 'hash $http_machineid;'],
    [Algorithm.hashCookie('session_id'), 'hash $cookie_session_id consistent;'],
    [Algorithm.hashUri(), 'hash $request_uri consistent;'],
    [Algorithm.randomTwo(), 'random two least_conn;'],
  ])('GIVEN algorithm %s WHEN rendered THEN the upstream says %s', (algorithm, line) => {
    const text = file(renderNginx(config({ pools: [pool({ options: { algorithm } })] })), 'pools/web.conf');
    const lines = text.split('\n').map((l) => l.trim());
    const zone = lines.indexOf('zone webfarm_http_web 64k;');
    expect(zone).toBeGreaterThan(0);
    if (line) expect(lines[zone + 1]).toBe(line);
    else expect(lines[zone + 1]).toMatch(/^server /);
  });

  it('GIVEN source-ip stickiness on a round-robin pool WHEN rendered THEN nginx hashes the client (ip_hash)', () => {
    const text = file(
      renderNginx(config({ pools: [pool({ options: { stickiness: Stickiness.sourceIp() } })] })),
      'web.conf',
    );
    expect(text).toContain('    ip_hash;\n');
  });

  it('GIVEN defaults WHEN rendered THEN passive checks, keepalive, retries and the websocket map are there', () => {
    const files = renderNginx(config());
    const base = file(files, 'nginx.conf');
    const upstream = file(files, 'pools/web.conf');
    expect(upstream).toContain('server 10.0.0.11:8080 max_fails=3 fail_timeout=30s;');
    expect(upstream).toContain('    keepalive 32;\n');
    expect(base).toContain('    proxy_http_version 1.1;\n');
    expect(base).toContain(
      '    map $http_upgrade $connection_upgrade {\n        default upgrade;\n        "" "";\n    }\n',
    );
    expect(base).toContain('    proxy_next_upstream error timeout http_502 http_503 http_504;\n');
    expect(base).not.toMatch(/^\s*proxy_next_upstream .*non_idempotent/m);
    expect(base).toContain('    server_tokens off;\n');
    expect(base).toContain('worker_processes auto;\n');
    expect(base).toMatch(
      /log_format webfarm .*\$upstream_addr.*\$request_time.*\$upstream_connect_time.*\$upstream_response_time/s,
    );
    const listener = file(files, 'listeners/http.conf');
    expect(listener).toContain('        proxy_set_header Connection $connection_upgrade;\n');
    expect(listener).toContain('        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n');
    expect(listener).toContain('        proxy_pass http://web;\n');
  });

  it('GIVEN defaults WHEN rendered THEN every wait for the nodes is bounded (connect 3 s, read 30 s, next node until 33 s)', () => {
    const base = file(renderNginx(config()), 'nginx.conf');
    expect(base).toContain('    proxy_connect_timeout 3s;\n');
    expect(base).toContain('    proxy_read_timeout 30s;\n');
    expect(base).toContain('    proxy_send_timeout 30s;\n');
    expect(base).toContain('    proxy_next_upstream_timeout 33s;\n');
  });

  it("GIVEN pools with their own timeouts WHEN a listener reaches them THEN its location gets the longest of each, and a stream listener its pool's", () => {
    const files = renderNginx(
      config({
        pools: [
          pool({ options: { timeouts: { connectSeconds: 2, responseSeconds: 10 } } }),
          pool({ name: 'slow', options: { timeouts: { responseSeconds: 600 } } }),
          pool({
            name: 'db',
            options: { protocol: 'tcp', timeouts: { connectSeconds: 1, responseSeconds: 3600 } },
          }),
        ],
        listeners: [
          {
            name: 'http',
            options: { port: 80, defaultPool: 'web', rules: [{ pool: 'slow', pathPrefix: '/climate' }] },
          },
          { name: 'plain', options: { port: 81, defaultPool: 'web' } },
          { name: 'db', options: { port: 5432, protocol: 'tcp', defaultPool: 'db' } },
        ],
      }),
    );
    const http = file(files, 'listeners/http.conf');
    expect(http).toContain('        proxy_connect_timeout 2s;\n');
    expect(http).toContain('        proxy_read_timeout 600s;\n');
    expect(http).toContain('        proxy_next_upstream_timeout 602s;\n');
    expect(file(files, 'listeners/plain.conf')).toContain('        proxy_read_timeout 10s;\n');
    const db = file(files, 'stream-listeners/db.conf');
    expect(db).toContain('    proxy_connect_timeout 1s;\n');
    expect(db).toContain('    proxy_timeout 3600s;\n');
    expect(() =>
      renderNginx(config({ pools: [pool({ options: { timeouts: { responseSeconds: -1 } } })] })),
    ).toThrow(/timeouts.responseSeconds -1 is not allowed/);
  });

  it('GIVEN no admin networks WHEN rendered THEN stub_status listens on 127.0.0.1 and allows only this host', () => {
    const base = file(renderNginx(config()), 'nginx.conf');
    expect(base).toContain(
      [
        '        listen 127.0.0.1:8081;',
        '        server_name _;',
        '        access_log off;',
        '        location = /nginx_status {',
        '            stub_status;',
        '            allow 127.0.0.1;',
        '            allow ::1;',
        '            deny all;',
        '        }',
      ].join('\n'),
    );
  });

  it('GIVEN an empty pool WHEN rendered THEN it holds one down placeholder, so nginx -t still passes', () => {
    const text = file(renderNginx(config({ pools: [pool({ nodes: [] })] })), 'web.conf');
    expect(text).toContain('    server 127.0.0.1:9 down;\n');
  });

  it('GIVEN only http pools WHEN rendered THEN the stream block is there anyway, so a first tcp pool leaves nginx.conf unchanged', () => {
    const httpOnly = file(renderNginx(config()), 'nginx.conf');
    expect(httpOnly).toContain('\nstream {\n');
    const withTcp = renderNginx(
      config({
        pools: [pool(), pool({ name: 'db', options: { protocol: 'tcp' } })],
        listeners: [
          { name: 'http', options: { port: 80, defaultPool: 'web' } },
          { name: 'db', options: { port: 5432, protocol: 'tcp', defaultPool: 'db' } },
        ],
      }),
    );
    expect(file(withTcp, 'nginx.conf')).toBe(httpOnly);
    expect(withTcp.map((f) => f.path)).toEqual([
      '/etc/nginx/nginx.conf',
      '/etc/nginx/webfarm/pools/web.conf',
      '/etc/nginx/webfarm/stream-pools/db.conf',
      '/etc/nginx/webfarm/listeners/http.conf',
      '/etc/nginx/webfarm/stream-listeners/db.conf',
    ]);
    expect(file(renderNginx(config({ stream: false })), 'nginx.conf')).not.toContain('stream {');
  });

  it('GIVEN a header value full of nginx syntax WHEN routed on THEN it becomes one quoted, escaped regex', () => {
    const files = renderNginx(
      config({
        listeners: [
          {
            name: 'http',
            options: {
              port: 80,
              defaultPool: 'web',
              rules: [{ pool: 'web', header: { name: 'X-A', value: 'a"b;{c}\\d $e#' } }],
            },
          },
        ],
      }),
    );
    expect(file(files, 'listeners/http.conf')).toContain(
      '    "~^a\\"b;\\\\{c\\\\}\\\\\\\\d \\\\$e#$" http://web;\n',
    );
  });
});

describe('renderNginx validation', () => {
  it('rejects cookie-insert stickiness and names HAProxy', () => {
    expectRejected(
      () => renderNginx(config({ pools: [pool({ options: { stickiness: Stickiness.insertCookie() } })] })),
      'nginx pool \'web\': stickiness (nginx) "insert-cookie" is not allowed; allowed: source-ip. Fix: open-source nginx has no cookie-insert stickiness (that is nginx Plus `sticky cookie`); use HaproxyBalancer or OctaviaBalancer (HTTP_COOKIE), or Algorithm.hashCookie on an application cookie',
    );
  });

  it('rejects active health checks and names HAProxy', () => {
    expectRejected(
      () =>
        renderNginx(config({ pools: [pool({ options: { healthCheck: { active: { path: '/health' } } } })] })),
      'nginx pool \'web\': active health check (nginx) "active" is not allowed; allowed: passive health checks only. Fix: open-source nginx has no active health checks (that is nginx Plus `health_check`); use HaproxyBalancer or OctaviaBalancer, or rely on passive checks (healthCheck.passive)',
    );
  });

  it('rejects a "$" in a header value nginx would expand as a variable', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              {
                name: 'http',
                options: { port: 80, defaultPool: 'web', requestHeaders: { 'X-Env': 'a$host' } },
              },
            ],
          }),
        ),
      'nginx listener \'http\': requestHeaders["X-Env"] "a$host" is not allowed; allowed: text without control characters and without "$" (nginx expands $name here). Fix: remove the "$": nginx would read it as the start of a variable, and has no escape for it',
    );
  });

  it('rejects a newline in a routing header value (it would end the directive)', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              {
                name: 'http',
                options: {
                  port: 80,
                  defaultPool: 'web',
                  rules: [{ pool: 'web', header: { name: 'X-A', value: 'a\nreturn 200;' } }],
                },
              },
            ],
          }),
        ),
      'nginx listener \'http\' rule 1: header value "a\\nreturn 200;" is not allowed; allowed: printable ASCII text, not empty, without leading or trailing spaces. Fix: remove a newline: HTTP header values are ASCII (percent-encode other text)',
    );
  });

  it('rejects a header value with leading spaces (HTTP strips them, so it could never match)', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              {
                name: 'http',
                options: {
                  port: 80,
                  defaultPool: 'web',
                  rules: [{ pool: 'web', header: { name: 'X-A', value: ' a' } }],
                },
              },
            ],
          }),
        ),
      'nginx listener \'http\' rule 1: header value " a" is not allowed; allowed: printable ASCII text, not empty, without leading or trailing spaces. Fix: remove the leading/trailing spaces: HTTP strips them from header values',
    );
  });

  it('rejects a backup node in a hashing pool', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            pools: [
              pool({
                nodes: [{ name: 'a', host: '10.0.0.1', port: 80, backup: true }],
                options: { algorithm: Algorithm.hashHeader('machineid') },
              }),
            ],
          }),
        ),
      "nginx pool 'web': backup node 'a' \"hash-header(machineid)\" is not allowed; allowed: backup nodes with round-robin or least-connections. Fix: nginx cannot keep a backup node in a hashing or random pool: drop `backup` or change the algorithm",
    );
  });

  it('rejects hashing a header whose name has "_" (nginx drops such headers)', () => {
    expectRejected(
      () =>
        renderNginx(
          config({ pools: [pool({ options: { algorithm: Algorithm.hashHeader('machine_id') } })] }),
        ),
      'nginx pool \'web\': hash header name "machine_id" is not allowed; allowed: letters, digits and "-" (nginx names the header as $http_<name>, and drops headers with "_"). Fix: rename the header, or use HaproxyBalancer, which hashes any header name',
    );
  });

  it('rejects hashing a cookie whose name is not an nginx variable name', () => {
    expectRejected(
      () =>
        renderNginx(
          config({ pools: [pool({ options: { algorithm: Algorithm.hashCookie('my-session') } })] }),
        ),
      'nginx pool \'web\': hash cookie name "my-session" is not allowed; allowed: letters, digits and "_" (nginx reads the cookie as $cookie_<name>). Fix: rename the cookie, or use HaproxyBalancer, which hashes any cookie name',
    );
  });

  it('rejects source-ip stickiness on a least-connections pool (ip_hash would replace it)', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            pools: [
              pool({
                options: { algorithm: Algorithm.leastConnections(), stickiness: Stickiness.sourceIp() },
              }),
            ],
          }),
        ),
      'nginx pool \'web\': stickiness with this algorithm (nginx) "source-ip with least-connections" is not allowed; allowed: source-ip stickiness with round-robin only. Fix: nginx keeps clients on a node by hashing their address, which replaces the algorithm: use Algorithm.sourceIp()',
    );
  });

  it('rejects a listener whose default pool does not exist', () => {
    expectRejected(
      () => renderNginx(config({ listeners: [{ name: 'http', options: { port: 80, defaultPool: 'api' } }] })),
      'nginx listener \'http\': defaultPool "api" is not allowed; allowed: "web". Fix: add the pool to `pools`, or fix the name',
    );
  });

  it('rejects a tcp listener in front of an http pool', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [{ name: 'db', options: { port: 5432, protocol: 'tcp', defaultPool: 'web' } }],
          }),
        ),
      'nginx listener \'db\': defaultPool protocol "pool \'web\' is http, listener is tcp" is not allowed; allowed: a pool whose protocol is "tcp". Fix: a tcp listener forwards bytes: give the pool protocol "tcp" (its nodes may still speak TLS)',
    );
  });

  it('rejects a listener on the status port', () => {
    expectRejected(
      () =>
        renderNginx(config({ listeners: [{ name: 'http', options: { port: 8081, defaultPool: 'web' } }] })),
      "nginx listener 'http': port 8081 is not allowed; allowed: a port no other listener or the status server uses for the same transport (in use: 8081/tcp). Fix: give each listener its own port (or move the status server with status.port)",
    );
  });

  it('rejects a rate limit on a tcp listener', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            pools: [pool({ options: { protocol: 'tcp' } })],
            listeners: [
              {
                name: 'db',
                options: { port: 5432, protocol: 'tcp', defaultPool: 'web', rateLimitPerSecond: 5 },
              },
            ],
          }),
        ),
      "nginx listener 'db': rateLimitPerSecond on a layer-4 listener 5 is not allowed; allowed: rate limits on http or https listeners. Fix: nginx limits HTTP requests; drop the limit or use an HTTP listener",
    );
  });

  it('rejects a Barbican certificate (nginx reads files)', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              {
                name: 'https',
                options: {
                  port: 443,
                  defaultPool: 'web',
                  tls: { certificate: { kind: 'barbican', containerRef: 'x' } },
                },
              },
            ],
          }),
        ),
      'nginx listener \'https\': certificate source (nginx) "barbican" is not allowed; allowed: files. Fix: nginx reads certificates from files on the host; use certificate kind "files"',
    );
  });

  it('rejects setting a forwarding header webfarm already sets', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              {
                name: 'http',
                options: { port: 80, defaultPool: 'web', requestHeaders: { 'x-forwarded-for': '1.2.3.4' } },
              },
            ],
          }),
        ),
      'nginx listener \'http\': requestHeaders name "x-forwarded-for" is not allowed; allowed: a header other than host, x-real-ip, x-forwarded-for, x-forwarded-proto, x-forwarded-host, connection, upgrade, keep-alive, te, trailer, transfer-encoding. Fix: webfarm sets the forwarding and connection headers itself; choose another header',
    );
  });

  it('rejects a set header name with "$" (nginx could read it as a variable)', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              { name: 'http', options: { port: 80, defaultPool: 'web', requestHeaders: { X$host: 'a' } } },
            ],
          }),
        ),
      'nginx listener \'http\': requestHeaders name "X$host" is not allowed; allowed: letters, digits, "-", "_" and ".". Fix: name the header like "X-Request-Source"',
    );
  });

  it('rejects a tcp pool when the stream block is switched off', () => {
    expectRejected(
      () =>
        renderNginx(
          config({ stream: false, pools: [pool({ options: { protocol: 'tcp' } })], listeners: [] }),
        ),
      'nginx pool \'web\': protocol "tcp" is not allowed; allowed: "http" or "https" (stream is off). Fix: set stream: true to balance tcp/udp',
    );
  });

  it('rejects a node host that smuggles a directive', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            pools: [pool({ nodes: [{ name: 'a', host: '10.0.0.1; include /etc/passwd', port: 80 }] })],
          }),
        ),
      'nginx pool \'web\': host of node \'a\' "10.0.0.1; include /etc/passwd" is not allowed; allowed: an IPv4 or IPv6 address or a DNS name. Fix: give the address of the node, e.g. "10.0.0.5", "2001:db8::5" or "web-1.internal"',
    );
  });

  it('rejects a rule without a condition', () => {
    expectRejected(
      () =>
        renderNginx(
          config({
            listeners: [
              { name: 'http', options: { port: 80, defaultPool: 'web', rules: [{ pool: 'web' }] } },
            ],
          }),
        ),
      'nginx listener \'http\' rule 1: rule condition "(none)" is not allowed; allowed: at least one of pathPrefix, header, hostName, websocket. Fix: say which requests the rule matches, or use defaultPool',
    );
  });
});

describeWithTools(['nginx', 'openssl'], 'nginx accepts every golden file (nginx -t)', () => {
  it.each(Object.keys(NGINX_GOLDEN_CASES))(
    'GIVEN the %s golden WHEN checked by nginx -t THEN it passes',
    (name) => {
      const model = NGINX_GOLDEN_CASES[name];
      const layer4 = renderNginx(model('')).some((f) => f.content.includes('\nstream {'));
      if (layer4 && !streamModuleAvailable()) return;
      const root = prepareRoot();
      const files = renderNginx(model(root));
      // The text nginx checks is the golden text, re-rooted into a private tree.
      expect(unroot(files, root)).toEqual(renderNginx(model('')));
      const tokens = new Map<string, string>();
      writeFiles(files.map((f) => ({ ...f, content: substituteTokens(f.content, tokens) })));
      expect(() => nginxTest(nginxLayout(nginxPathsUnder(root)).mainConfig)).not.toThrow();
      fs.rmSync(root, { recursive: true, force: true });
    },
  );

  it('GIVEN a pool file that breaks the syntax WHEN checked THEN nginx -t fails (the check is real)', () => {
    const root = prepareRoot();
    const files = renderNginx(NGINX_GOLDEN_CASES['pavics-machineid'](root));
    writeFiles(
      files.map((f) =>
        f.path.endsWith('finch.conf') ? { ...f, content: f.content.replace('hash $http', 'hsah $http') } : f,
      ),
    );
    expect(() => nginxTest(nginxLayout(nginxPathsUnder(root)).mainConfig)).toThrow(
      /unknown directive "hsah"/,
    );
    fs.rmSync(root, { recursive: true, force: true });
  });
});
