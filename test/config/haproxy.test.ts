import * as fs from 'fs';
import * as path from 'path';
import {
  HaproxyConfig,
  HaproxyListenerOptions,
  HaproxyPool,
  haproxyCheckCommand,
  renderHaproxy,
} from '../../lib/config/haproxy';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { expectGoldenTree, substituteTokens, unroot, writeFiles } from '../support/backends';
import { ROOT, describeWithTools } from '../support/tools';
import { HAPROXY_GOLDEN_CASES, haproxyCheck, prepareRoot } from './haproxy-harness';
import { expectRejected, rejectionOf } from '../support/assert';

const GOLDEN = path.join(ROOT, 'test', 'golden', 'haproxy');

const pool = (overrides: Partial<HaproxyPool> = {}): HaproxyPool => ({
  name: 'web',
  options: {},
  nodes: [
    { name: 'web-1', host: '10.0.0.11', port: 8080 },
    { name: 'web-2', host: '10.0.0.12', port: 8080 },
  ],
  ...overrides,
});

const config = (overrides: Partial<HaproxyConfig> = {}): HaproxyConfig => ({
  pools: [pool()],
  listeners: [{ name: 'http', options: { port: 80, defaultPool: 'web' } }],
  ...overrides,
});

const text = (c: HaproxyConfig) => renderHaproxy(c)[0].content;

/** The lines of section `header` (e.g. `backend web`), trimmed. */
function section(cfg: string, header: string): string[] {
  const lines = cfg.split('\n');
  const start = lines.indexOf(header);
  if (start < 0) throw new Error(`no section "${header}" in:\n${cfg}`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('    ')) break;
    body.push(line.trim());
  }
  return body;
}

describe('renderHaproxy golden files', () => {
  it.each(Object.keys(HAPROXY_GOLDEN_CASES))(
    'GIVEN the %s model WHEN rendered THEN it matches test/golden/haproxy',
    (name) => {
      expectGoldenTree(path.join(GOLDEN, name), renderHaproxy(HAPROXY_GOLDEN_CASES[name]('')));
    },
  );

  it('GIVEN no paths WHEN rendered THEN the file is /etc/haproxy/haproxy.cfg, chrooted to /var/lib/haproxy', () => {
    const [file] = renderHaproxy(config());
    expect(file.path).toBe('/etc/haproxy/haproxy.cfg');
    expect(file.mode).toBeUndefined();
    expect(section(file.content, 'global')).toContain('chroot /var/lib/haproxy');
    expect(haproxyCheckCommand()).toBe('haproxy -c -q -f /etc/haproxy/haproxy.cfg');
  });
});

describe('renderHaproxy', () => {
  it.each([
    [Algorithm.roundRobin(), ['balance roundrobin']],
    [Algorithm.leastConnections(), ['balance leastconn']],
    [Algorithm.sourceIp(), ['balance source', 'hash-type consistent']],
    [Algorithm.hashHeader('machineid'), ['balance hdr(machineid)', 'hash-type consistent']],
    [Algorithm.hashHeader('machineid', { consistent: false }), ['balance hdr(machineid)']],
    [Algorithm.hashCookie('session_id'), ['balance hash req.cook(session_id)', 'hash-type consistent']],
    [Algorithm.hashUri(), ['balance uri whole', 'hash-type consistent']],
    [Algorithm.randomTwo(), ['balance random(2)']],
  ])('GIVEN algorithm %s WHEN rendered THEN the backend says %j', (algorithm, lines) => {
    const body = section(text(config({ pools: [pool({ options: { algorithm } })] })), 'backend web');
    expect(body.slice(1, 1 + lines.length)).toEqual(lines);
    expect(body[1 + lines.length]).not.toMatch(/^(balance|hash-type)/);
  });

  it('GIVEN defaults WHEN rendered THEN retries redispatch (502/503/504 too), reuse is safe, only idempotent requests are retried after sending, and nodes are checked over HTTP and by their answers', () => {
    const cfg = text(config());
    expect(section(cfg, 'defaults')).toEqual(
      expect.arrayContaining([
        'retries 3',
        'option redispatch 1',
        'timeout connect 3s',
        'timeout server 30s',
      ]),
    );
    expect(section(cfg, 'backend web')).toEqual([
      'mode http',
      'balance roundrobin',
      'option httpchk',
      'http-check send meth GET uri /',
      'http-check expect rstatus ^[1-4][0-9][0-9]$',
      'timeout check 2s',
      'retry-on all-retryable-errors 502 503 504',
      '# Requests that already reached a node are retried only when idempotent.',
      'acl idempotent method GET HEAD PUT DELETE OPTIONS TRACE',
      'http-request disable-l7-retry unless idempotent',
      'http-reuse safe',
      'default-server check inter 2s rise 2 fall 3 observe layer7 error-limit 3 on-error mark-down pool-max-conn 32',
      'server web-1 10.0.0.11:8080',
      'server web-2 10.0.0.12:8080',
    ]);
    expect(section(cfg, 'frontend http')).toEqual([
      'bind :80',
      'mode http',
      'option forwardfor',
      'http-request set-header X-Forwarded-Proto http',
      'http-request set-header X-Forwarded-Host %[req.hdr(host)]',
      'http-request set-header X-Real-IP %[src]',
      'default_backend web',
    ]);
  });

  it('GIVEN an active HTTP check WHEN rendered THEN HAProxy 2 http-check send/expect lines carry method, path and codes', () => {
    const body = section(
      text(
        config({
          pools: [
            pool({
              options: {
                healthCheck: {
                  active: { path: '/health', method: 'GET', expectedCodes: '200', intervalSeconds: 3 },
                },
              },
            }),
          ],
        }),
      ),
      'backend web',
    );
    expect(body).toEqual(
      expect.arrayContaining([
        'option httpchk',
        'http-check send meth GET uri /health',
        'http-check expect status 200',
        'default-server check inter 3s rise 2 fall 3 observe layer7 error-limit 3 on-error mark-down pool-max-conn 32',
      ]),
    );
    const range = section(
      text(
        config({
          pools: [pool({ options: { healthCheck: { active: { expectedCodes: '200-299,301,302' } } } })],
        }),
      ),
      'backend web',
    );
    expect(range).toContain("http-check expect rstatus '^(2[0-9][0-9]|301|302)$'");
  });

  it('GIVEN cookie stickiness WHEN rendered THEN HAProxy inserts a cookie naming each server', () => {
    const body = section(
      text(config({ pools: [pool({ options: { stickiness: Stickiness.insertCookie() } })] })),
      'backend web',
    );
    expect(body).toContain('cookie SERVERID insert indirect nocache httponly');
    expect(body).toContain('server web-1 10.0.0.11:8080 cookie web-1');
    const app = section(
      text(config({ pools: [pool({ options: { stickiness: Stickiness.appCookie('JSESSIONID') } })] })),
      'backend web',
    );
    expect(app).toContain('cookie JSESSIONID prefix nocache');
    const source = section(
      text(config({ pools: [pool({ options: { stickiness: Stickiness.sourceIp() } })] })),
      'backend web',
    );
    expect(source).toEqual(
      expect.arrayContaining(['stick-table type ipv6 size 200k expire 30m', 'stick on src']),
    );
  });

  it('GIVEN the default stats page WHEN rendered THEN it binds 127.0.0.1 with the Prometheus exporter and no login', () => {
    expect(section(text(config()), 'frontend webfarm_stats')).toEqual([
      'bind 127.0.0.1:8404',
      'mode http',
      'http-request set-log-level silent',
      'http-request use-service prometheus-exporter if { path /metrics }',
      'stats enable',
      'stats uri /stats',
      'stats refresh 10s',
    ]);
  });

  it('GIVEN a stats password that is a Terraform token WHEN rendered THEN it is quoted untouched and the file is 0600', () => {
    const password = '${TfToken[TOKEN.3]}';
    const [file] = renderHaproxy(config({ stats: { bindAddress: '0.0.0.0', password } }));
    expect(file.mode).toBe('0600');
    expect(section(file.content, 'userlist webfarm_stats')).toEqual([
      `user admin insecure-password '${password}'`,
    ]);
    expect(section(file.content, 'frontend webfarm_stats')).toContain(
      'http-request auth realm webfarm unless { http_auth(webfarm_stats) }',
    );
  });

  it('GIVEN admin: true with a password WHEN rendered THEN stats admin is for the logged-in user only', () => {
    const lines = section(
      text(config({ stats: { bindAddress: '0.0.0.0', password: 'pw', admin: true } })),
      'frontend webfarm_stats',
    );
    expect(lines).toContain('http-request auth realm webfarm unless { http_auth(webfarm_stats) }');
    expect(lines[lines.length - 1]).toBe('stats admin if { http_auth(webfarm_stats) }');
    expect(text(config())).not.toContain('stats admin');
  });

  it('GIVEN a header value with quotes, "#", "$" and "%" WHEN routed on THEN it is one strongly quoted ACL pattern', () => {
    const cfg = text(
      config({
        listeners: [
          {
            name: 'http',
            options: {
              port: 80,
              defaultPool: 'web',
              rules: [{ pool: 'web', header: { name: 'X-A', value: `it's #1 $HOME 100%` } }],
              requestHeaders: { 'X-B': `it's 100%` },
            },
          },
        ],
      }),
    );
    expect(section(cfg, 'frontend http')).toEqual(
      expect.arrayContaining([
        "acl rule1_header req.fhdr(x-a,1) -m str -- 'it'\\''s #1 $HOME 100%'",
        "http-request set-header X-B 'it'\\''s 100%%'",
        'use_backend web if rule1_header',
      ]),
    );
  });
});

describe('renderHaproxy validation', () => {
  it('rejects a stats page on a public address without a password', () => {
    expectRejected(
      () => renderHaproxy(config({ stats: { bindAddress: '0.0.0.0' } })),
      'haproxy stats: bindAddress "0.0.0.0" is not allowed; allowed: a loopback address (127.0.0.1, ::1), or any address together with a password. Fix: keep the default 127.0.0.1, or give stats.password (e.g. a generated random_password)',
    );
  });

  it('rejects admin actions without a login', () => {
    expectRejected(
      () => renderHaproxy(config({ stats: { admin: true } })),
      'haproxy stats: admin true is not allowed; allowed: admin actions behind a login only (a password). Fix: give stats.password (e.g. a generated random_password) with admin: true',
    );
  });

  it('rejects a stats password with a newline, without printing the password', () => {
    expectRejected(
      () => renderHaproxy(config({ stats: { password: 'secret\nline' } })),
      'haproxy stats: password "(hidden)" is not allowed; allowed: text without control characters (newline, tab, …). Fix: remove a newline: HAProxy configuration cannot carry it in a value',
    );
  });

  it('rejects a udp listener and names nginx', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            listeners: [{ name: 'dns', options: { port: 53, protocol: 'udp', defaultPool: 'web' } }],
          }),
        ),
      'haproxy listener \'dns\': protocol (HAProxy) "udp" is not allowed; allowed: http, https, tcp. Fix: HAProxy does not balance UDP; use NginxBalancer (stream) or OctaviaBalancer',
    );
  });

  it('rejects cookie stickiness on a pool that already hashes', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            pools: [
              pool({
                options: {
                  algorithm: Algorithm.hashHeader('machineid'),
                  stickiness: Stickiness.insertCookie(),
                },
              }),
            ],
          }),
        ),
      'haproxy pool \'web\': stickiness with a hashing algorithm "insert-cookie(SERVERID) with hash-header(machineid)" is not allowed; allowed: stickiness with round-robin, least-connections or random-two; a hash algorithm is already sticky. Fix: drop `stickiness` (the hash keeps clients on one node) or use Algorithm.roundRobin()/leastConnections()',
    );
  });

  it('rejects cookie stickiness on a tcp pool', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            pools: [pool({ options: { protocol: 'tcp', stickiness: Stickiness.insertCookie() } })],
            listeners: [],
          }),
        ),
      'haproxy pool \'web\': cookie stickiness on a tcp pool "insert-cookie(SERVERID)" is not allowed; allowed: Stickiness.sourceIp() on tcp pools. Fix: use Stickiness.sourceIp() or make the pool speak HTTP',
    );
  });

  it('rejects a key file HAProxy would not find beside the certificate', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            listeners: [
              {
                name: 'https',
                options: {
                  port: 443,
                  defaultPool: 'web',
                  tls: {
                    certificate: {
                      kind: 'files',
                      certificatePath: '/etc/ssl/site.crt',
                      keyPath: '/etc/ssl/private/site.key',
                    },
                  },
                },
              },
            ],
          }),
        ),
      'haproxy listener \'https\': tls.certificate.keyPath "/etc/ssl/private/site.key" is not allowed; allowed: the certificate file itself, or "/etc/ssl/site.crt.key" (HAProxy loads the key from there). Fix: give tls.pemPath with certificate and key in one file (cat site.crt site.key > site.pem)',
    );
  });

  it('rejects a hashed header name HAProxy cannot write inside hdr()', () => {
    expectRejected(
      () => renderHaproxy(config({ pools: [pool({ options: { algorithm: Algorithm.hashHeader("x'y") } })] })),
      'haproxy pool \'web\': hash header name "x\'y" is not allowed; allowed: letters, digits, "_", "." and "-". Fix: rename it; other characters cannot be written inside an HAProxy sample fetch',
    );
  });

  it('rejects a control character in a request header value', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            listeners: [
              {
                name: 'http',
                options: { port: 80, defaultPool: 'web', requestHeaders: { 'X-A': 'a\u0007b' } },
              },
            ],
          }),
        ),
      'haproxy listener \'http\': requestHeaders["X-A"] "a\\u0007b" is not allowed; allowed: printable ASCII text, not empty, without leading or trailing spaces. Fix: remove the control character U+0007: HTTP header values are ASCII (percent-encode other text)',
    );
  });

  it('rejects routing rules on a tcp listener', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            pools: [pool({ options: { protocol: 'tcp' } })],
            listeners: [
              {
                name: 'db',
                options: {
                  port: 5432,
                  protocol: 'tcp',
                  defaultPool: 'web',
                  rules: [{ pool: 'web', pathPrefix: '/x' }],
                },
              },
            ],
          }),
        ),
      'haproxy listener \'db\' rule 1: routing rule on a layer-4 listener "tcp" is not allowed; allowed: routing rules on http or https (terminated) listeners. Fix: make the listener speak HTTP, or route by port with separate listeners',
    );
  });

  it('rejects a listener on the stats port', () => {
    expectRejected(
      () =>
        renderHaproxy(config({ listeners: [{ name: 'http', options: { port: 8404, defaultPool: 'web' } }] })),
      "haproxy listener 'http': port 8404 is not allowed; allowed: a port no other listener or the stats page uses (in use: 8404). Fix: give each listener its own port (or move the stats page with stats.port)",
    );
  });

  it.each([
    ['cache', { cache: {} }],
    ['serverNames', { serverNames: ['shop.example.org'] }],
    ['rateLimitBurst', { rateLimitPerSecond: 10, rateLimitBurst: 20 }],
  ] as Array<[string, Partial<HaproxyListenerOptions>]>)(
    'rejects the nginx listener option %s rather than dropping it',
    (extra, more) => {
      const e = rejectionOf(() =>
        renderHaproxy(
          config({ listeners: [{ name: 'http', options: { port: 80, defaultPool: 'web', ...more } }] }),
        ),
      );
      expect(e.path).toBe("haproxy listener 'http'");
      expect(e.value).toBe(extra);
    },
  );

  it('GIVEN a path WHEN a mistake is found THEN the message starts with it', () => {
    expect(() =>
      renderHaproxy(
        config({ pools: [pool({ options: { keepaliveConnections: -1 } })] }),
        'shop/Front haproxy',
      ),
    ).toThrow("shop/Front haproxy pool 'web': keepaliveConnections -1 is not allowed");
  });

  it('rejects a probe timeout longer than its interval', () => {
    expectRejected(
      () =>
        renderHaproxy(
          config({
            pools: [
              pool({ options: { healthCheck: { active: { intervalSeconds: 2, timeoutSeconds: 5 } } } }),
            ],
          }),
        ),
      "haproxy pool 'web': healthCheck.active.timeoutSeconds 5 is not allowed; allowed: at most intervalSeconds (2). Fix: make the probe timeout shorter than the interval between probes",
    );
  });
});

describeWithTools(
  ['haproxy', 'openssl'],
  'HAProxy accepts every golden file (haproxy -c, no warnings)',
  () => {
    it.each(Object.keys(HAPROXY_GOLDEN_CASES))(
      'GIVEN the %s golden WHEN checked by haproxy -c THEN it is valid without warnings',
      (name) => {
        const model = HAPROXY_GOLDEN_CASES[name];
        const root = prepareRoot();
        const files = renderHaproxy(model(root));
        // The text HAProxy checks is the golden text, re-rooted into a private tree.
        expect(unroot(files, root)).toEqual(renderHaproxy(model('')));
        writeFiles(files.map((f) => ({ ...f, content: substituteTokens(f.content) })));
        expect(() => haproxyCheck(files[0].path)).not.toThrow();
        fs.rmSync(root, { recursive: true, force: true });
      },
    );

    it('GIVEN the stats page with a login, admin actions and metrics WHEN checked THEN haproxy -c accepts it', () => {
      const root = prepareRoot();
      const model = HAPROXY_GOLDEN_CASES['nsboot-seed'](root);
      const files = renderHaproxy({
        ...model,
        stats: { bindAddress: '0.0.0.0', password: 'pw', admin: true },
      });
      writeFiles(files);
      expect(files[0].content).toContain('stats admin if { http_auth(webfarm_stats) }');
      expect(() => haproxyCheck(files[0].path)).not.toThrow();
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('GIVEN a broken backend line WHEN checked THEN haproxy -c fails (the check is real)', () => {
      const root = prepareRoot();
      const [file] = renderHaproxy(HAPROXY_GOLDEN_CASES['nsboot-seed'](root));
      writeFiles([{ ...file, content: file.content.replace('balance leastconn', 'balance fastest') }]);
      expect(() => haproxyCheck(file.path)).toThrow(/balance only supports/);
      fs.rmSync(root, { recursive: true, force: true });
    });
  },
);
