import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HaproxyConfig, HaproxyPaths, renderHaproxy } from '../../lib/config/haproxy';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { Daemon, alive, startDaemon, waitUntil, writeFiles } from '../support/backends';
import { tempDir, writeSelfSignedCertificate } from '../support/tools';

/** Test scaffolding for HAProxy: golden models, a private file tree, and a real HAProxy on it. */

/** The Debian layout of {@link HaproxyPaths} under `root` ('' for the real one). */
export function haproxyPathsUnder(root: string): HaproxyPaths {
  return {
    configFile: `${root}/etc/haproxy/haproxy.cfg`,
    chroot: `${root}/var/lib/haproxy`,
    adminSocket: `${root}/run/haproxy/admin.sock`,
  };
}

/** A fresh private tree with HAProxy's folders and a self-signed `etc/haproxy/certs/site.pem`. */
export function prepareRoot(): string {
  const root = tempDir('webfarm-haproxy-');
  fs.chmodSync(root, 0o755);
  for (const dir of ['etc/haproxy/certs', 'var/lib/haproxy', 'run/haproxy']) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  const certs = path.join(root, 'etc/haproxy/certs');
  writeSelfSignedCertificate(path.join(certs, 'site.crt'), path.join(certs, 'site.key'));
  fs.writeFileSync(
    path.join(certs, 'site.pem'),
    fs.readFileSync(path.join(certs, 'site.crt'), 'utf8') +
      fs.readFileSync(path.join(certs, 'site.key'), 'utf8'),
  );
  return root;
}

/** `haproxy -c`: throws with HAProxy's output on an error or on any warning. */
export function haproxyCheck(configFile: string): void {
  const result = spawnSync('haproxy', ['-c', '-f', configFile], { encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || /\[(WARNING|ALERT)\]/.test(output)) {
    throw new Error(`haproxy -c -f ${configFile} (status ${result.status}):\n${output}`);
  }
}

const token = (n: number) => `\${TfToken[TOKEN.${n}]}`;

/** The golden models, as functions of the root their files live under ('' for the golden text). */
export const HAPROXY_GOLDEN_CASES: Record<string, (root: string) => HaproxyConfig> = {
  /** The boot-server cluster's HAProxy: least connections, HTTP checks, a websocket backend. */
  'nsboot-seed': (root) => {
    const servers = ['192.168.1.101', '192.168.1.102', '192.168.1.103'];
    const check = { path: '/health', intervalSeconds: 3, healthyThreshold: 2, unhealthyThreshold: 3 };
    return {
      paths: haproxyPathsUnder(root),
      pools: [
        {
          name: 'nsboot',
          options: {
            algorithm: Algorithm.leastConnections(),
            healthCheck: { active: { ...check, expectedCodes: '200' } },
          },
          nodes: servers.map((host, i) => ({ name: `nsboot-${i + 1}`, host, port: 80 })),
        },
        {
          name: 'nsboot-websocket',
          options: { algorithm: Algorithm.sourceIp(), healthCheck: { active: check } },
          nodes: servers.map((host, i) => ({ name: `nsboot-${i + 1}`, host, port: 80 })),
        },
      ],
      listeners: [
        {
          name: 'nsboot',
          options: {
            port: 80,
            defaultPool: 'nsboot',
            rules: [
              { pool: 'nsboot-websocket', websocket: true },
              { pool: 'nsboot', pathPrefix: '/api/' },
            ],
          },
        },
      ],
    };
  },

  /** Stickiness of every kind, TLS with a redirect, a rate limit, and stats behind a login. */
  'sticky-tls': (root) => ({
    paths: haproxyPathsUnder(root),
    maxConnections: 8192,
    timeouts: { serverSeconds: 120, tunnelSeconds: 7200 },
    stats: { bindAddress: '0.0.0.0', port: 8404, user: 'ops', password: token(9) },
    pools: [
      {
        name: 'app',
        options: {
          stickiness: Stickiness.insertCookie('SERVERID', { maxAgeSeconds: 3600 }),
          healthCheck: {
            active: {
              method: 'HEAD',
              path: '/healthz',
              expectedCodes: '200-399',
              intervalSeconds: 5,
              timeoutSeconds: 2,
            },
            passive: { maxFails: 5 },
          },
        },
        nodes: [
          { name: 'app-1', host: token(1), port: 8080 },
          { name: 'app-2', host: token(2), port: 8080, weight: 2 },
          { name: 'app-3', host: token(3), port: 8080, backup: true },
        ],
      },
      {
        name: 'legacy',
        options: { stickiness: Stickiness.appCookie('JSESSIONID'), keepaliveConnections: 0 },
        nodes: [{ name: 'legacy-1', host: '10.0.1.5', port: 8080 }],
      },
      {
        name: 'reports',
        options: {
          algorithm: Algorithm.hashCookie('report_id'),
          protocol: 'https',
          healthCheck: { active: { protocol: 'https', path: '/ping', expectedCodes: '200,204' } },
        },
        nodes: [{ name: 'reports-1', host: '10.0.1.6', port: 8443 }],
      },
      {
        name: 'machines',
        options: { algorithm: Algorithm.hashHeader('machineid') },
        nodes: [
          { name: 'm-1', host: '10.0.2.1', port: 8093 },
          { name: 'm-2', host: '2001:db8::2', port: 8093 },
        ],
      },
      {
        name: 'assets',
        options: { algorithm: Algorithm.hashUri() },
        nodes: [{ name: 'a-1', host: '10.0.3.1', port: 80 }],
      },
      { name: 'spare', options: { algorithm: Algorithm.randomTwo() }, nodes: [] },
    ],
    listeners: [
      {
        name: 'site',
        options: {
          port: 443,
          tls: {
            pemPath: `${root}/etc/haproxy/certs/site.pem`,
            redirectFromPort: 80,
            hstsMaxAgeSeconds: 31536000,
          },
          allowedCidrs: ['0.0.0.0/0'],
          rateLimitPerSecond: 50,
          requestHeaders: { 'X-Balancer': 'lb-1 (100% haproxy)' },
          rules: [
            { pool: 'legacy', pathPrefix: '/legacy/' },
            { pool: 'reports', hostName: 'reports.example.org' },
            { pool: 'machines', header: { name: 'machineid' } },
            {
              pool: 'assets',
              hostName: '*.cdn.example.org',
              header: { name: 'X-Asset-Class', value: "static 'v2'" },
            },
          ],
          defaultPool: 'app',
        },
      },
    ],
  }),

  /** Layer 4: TLS passthrough to nodes that terminate it themselves. */
  'tcp-passthrough': (root) => ({
    paths: haproxyPathsUnder(root),
    log: false,
    stats: false,
    pools: [
      {
        name: 'tls-nodes',
        options: {
          protocol: 'tcp',
          stickiness: Stickiness.sourceIp(),
          healthCheck: { active: { protocol: 'tcp', intervalSeconds: 2, timeoutSeconds: 1 } },
        },
        nodes: [
          { name: 'node-1', host: '10.0.0.21', port: 443 },
          { name: 'node-2', host: '10.0.0.22', port: 443 },
        ],
      },
    ],
    listeners: [
      {
        name: 'tls',
        options: {
          port: 443,
          protocol: 'tcp',
          tls: { mode: 'passthrough' },
          allowedCidrs: ['10.0.0.0/8', '192.0.2.0/24'],
          defaultPool: 'tls-nodes',
        },
      },
    ],
  }),
};

/** A running HAProxy (master-worker) on a private tree. */
export interface RunningHaproxy {
  /** The master process. */
  readonly daemon: Daemon;
  /** Re-renders, checks (`haproxy -c`), writes and reloads (SIGUSR2 to the master), then waits for the old worker to exit. */
  reload(config: HaproxyConfig): Promise<void>;
  /** Stops HAProxy. */
  stop(): Promise<void>;
}

/**
 * Renders `config` (whose paths must point into a tree made by {@link prepareRoot}), checks it
 * with `haproxy -c`, and starts HAProxy in master-worker mode in the foreground (`-W -db`),
 * waiting for `ports`.
 */
export async function startHaproxy(config: HaproxyConfig, ports: number[]): Promise<RunningHaproxy> {
  const [file] = renderHaproxy(config);
  writeFiles([file]);
  haproxyCheck(file.path);
  const daemon = await startDaemon('haproxy', ['-W', '-db', '-f', file.path], ports);
  await waitUntil('the first HAProxy worker', () => daemon.children().length > 0);
  return {
    daemon,
    reload: async (next) => {
      const [nextFile] = renderHaproxy(next);
      writeFiles([nextFile]);
      haproxyCheck(nextFile.path);
      const before = daemon.children();
      daemon.signal('SIGUSR2');
      await waitUntil(
        'HAProxy to replace its worker',
        () => daemon.children().some((pid) => !before.includes(pid)) && before.every((pid) => !alive(pid)),
        15000,
      );
    },
    stop: () => daemon.stop(),
  };
}
