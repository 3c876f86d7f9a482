import * as fs from 'fs';
import * as path from 'path';
import { NginxConfig, NginxPaths, nginxLayout, renderNginx } from '../../lib/config/nginx';
import { Algorithm, Stickiness } from '../../lib/core/balancing';
import { Daemon, alive, startDaemon, waitUntil, writeFiles } from '../support/backends';
import { run, tempDir, writeSelfSignedCertificate } from '../support/tools';

const { recordNotice } = require('../support/notices') as { recordNotice: (text: string) => void };

/** Test scaffolding for nginx: golden models, a private file tree, and a real nginx started on it. */

/** The dynamic stream module (Debian `libnginx-mod-stream`) tcp/udp configs need. */
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** The production layout of {@link NginxPaths} under `root` ('' for the real one). */
export function nginxPathsUnder(root: string): NginxPaths {
  return {
    confDir: `${root}/etc/nginx`,
    logDir: `${root}/var/log/nginx`,
    pidFile: `${root}/run/nginx.pid`,
    tempDir: `${root}/var/lib/nginx`,
    cacheDir: `${root}/var/lib/nginx`,
  };
}

/**
 * A fresh private tree with the folders a Debian host has (`/var/lib/nginx`, `/var/log/nginx`,
 * `/run`), readable by the worker user (`www-data`), and a self-signed certificate in
 * `<root>/etc/ssl/webfarm/`.
 */
export function prepareRoot(): string {
  const root = tempDir('webfarm-nginx-');
  fs.chmodSync(root, 0o755);
  for (const dir of ['etc/nginx', 'var/log/nginx', 'var/lib/nginx', 'run', 'etc/ssl/webfarm']) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  writeSelfSignedCertificate(
    path.join(root, 'etc/ssl/webfarm/site.crt'),
    path.join(root, 'etc/ssl/webfarm/site.key'),
  );
  return root;
}

/** Whether tcp/udp configurations can be checked here; loud when not (and a failure under CI). */
export function streamModuleAvailable(): boolean {
  if (fs.existsSync(NGINX_STREAM_MODULE)) return true;
  const notice = `nginx stream module: ${NGINX_STREAM_MODULE} missing (apt-get install libnginx-mod-stream)`;
  if (process.env.CI === 'true') throw new Error(`${notice}; .ci/run must install it`);
  process.stderr.write(`\n*** SKIPPING the tcp/udp nginx checks: ${notice} ***\n`);
  recordNotice(notice);
  return false;
}

const token = (n: number) => `\${TfToken[TOKEN.${n}]}`;

/**
 * The golden models, as functions of the root their files live under ('' for the golden text).
 * Each is one of the seed write-ups' deployments.
 */
export const NGINX_GOLDEN_CASES: Record<string, (root: string) => NginxConfig> = {
  /** The VDI platform: two app hosts (worker IPs are Terraform references) behind round robin. */
  'visa-round-robin': (root) => ({
    paths: nginxPathsUnder(root),
    pools: [
      {
        name: 'visa',
        options: {},
        nodes: [
          { name: 'app-1', host: token(1), port: 8080 },
          { name: 'app-2', host: token(2), port: 8080 },
        ],
      },
    ],
    listeners: [{ name: 'http', options: { port: 80, defaultPool: 'visa', allowedCidrs: ['0.0.0.0/0'] } }],
  }),

  /** The climate-data platform: three services, each sticky by the `machineid` header. */
  'pavics-machineid': (root) => {
    const servers = ['10.0.0.11', '10.0.0.12', '10.0.0.13'];
    const services = [
      ['flyingpigeon', 8093],
      ['malleefowl', 8091],
      ['finch', 8094],
    ] as const;
    return {
      paths: nginxPathsUnder(root),
      workerConnections: 1024,
      pools: services.map(([name, port]) => ({
        name,
        options: { algorithm: Algorithm.hashHeader('machineid') },
        nodes: servers.map((host, i) => ({ name: `pavics-${i + 1}`, host, port })),
      })),
      listeners: services.map(([name, port]) => ({ name, options: { port, defaultPool: name } })),
    };
  },

  /** The boot-server cluster: everything an nginx listener can do, on one host. */
  'nsboot-full': (root) => ({
    paths: nginxPathsUnder(root),
    status: { port: 8081, adminCidrs: ['192.0.2.0/24', '2001:db8::/32'] },
    timeouts: { connectSeconds: 2, readSeconds: 120, sendSeconds: 120 },
    pools: [
      {
        name: 'nsboot',
        options: {
          algorithm: Algorithm.leastConnections(),
          healthCheck: { passive: { maxFails: 2, failTimeoutSeconds: 10 } },
          keepaliveConnections: 64,
        },
        nodes: [
          { name: 'nsboot-1', host: '192.168.1.101', port: 80, weight: 3 },
          { name: 'nsboot-2', host: '192.168.1.102', port: 80, weight: 2 },
          { name: 'nsboot-3', host: '192.168.1.103', port: 80 },
          { name: 'nsboot-spare', host: '192.168.1.104', port: 80, backup: true },
        ],
      },
      {
        name: 'nsboot-websocket',
        options: { stickiness: Stickiness.sourceIp() },
        nodes: [
          { name: 'nsboot-1', host: '192.168.1.101', port: 80 },
          { name: 'nsboot-2', host: '192.168.1.102', port: 80 },
        ],
      },
      {
        name: 'images',
        options: { algorithm: Algorithm.hashUri(), keepaliveConnections: 0 },
        nodes: [
          { name: 'img-1', host: 'localhost', port: 8080 },
          { name: 'img-2', host: '2001:db8::12', port: 8080 },
        ],
      },
      {
        name: 'sessions',
        options: { algorithm: Algorithm.hashCookie('session_id', { consistent: false }), protocol: 'https' },
        nodes: [{ name: 'app-1', host: '192.168.1.121', port: 8443 }],
      },
      { name: 'canary', options: { algorithm: Algorithm.randomTwo() }, nodes: [] },
    ],
    listeners: [
      {
        name: 'nsboot',
        options: {
          port: 443,
          tls: {
            certificate: {
              kind: 'files',
              certificatePath: `${root}/etc/ssl/webfarm/site.crt`,
              keyPath: `${root}/etc/ssl/webfarm/site.key`,
            },
            redirectFromPort: 80,
            hstsMaxAgeSeconds: 31536000,
          },
          serverNames: ['nsboot.example.org', '*.nsboot.example.org'],
          allowedCidrs: ['0.0.0.0/0'],
          rateLimitPerSecond: 50,
          rateLimitBurst: 100,
          cache: { maxSizeMb: 2048, validSeconds: 300 },
          requestHeaders: { 'X-Balancer': 'nsboot lb-1' },
          rules: [
            { pool: 'nsboot-websocket', websocket: true },
            { pool: 'images', pathPrefix: '/images/' },
            { pool: 'canary', header: { name: 'X-Canary', value: 'always "yes"' }, pathPrefix: '/api/' },
            { pool: 'sessions', hostName: 'sessions.nsboot.example.org' },
          ],
          defaultPool: 'nsboot',
        },
      },
    ],
  }),

  /** Layer 4: a TLS-passthrough tcp listener and a udp listener (the stream module). */
  'stream-passthrough': (root) => ({
    paths: nginxPathsUnder(root),
    status: false,
    pools: [
      {
        name: 'tls-nodes',
        options: { protocol: 'tcp', algorithm: Algorithm.sourceIp() },
        nodes: [
          { name: 'node-1', host: token(3), port: 443 },
          { name: 'node-2', host: token(4), port: 443 },
        ],
      },
      {
        name: 'dns',
        options: { protocol: 'udp', algorithm: Algorithm.leastConnections() },
        nodes: [{ name: 'dns-1', host: '10.0.0.53', port: 53 }],
      },
    ],
    listeners: [
      {
        name: 'tls',
        options: { port: 443, protocol: 'tcp', tls: { mode: 'passthrough' }, defaultPool: 'tls-nodes' },
      },
      {
        name: 'dns',
        options: { port: 53, protocol: 'udp', defaultPool: 'dns', allowedCidrs: ['10.0.0.0/8'] },
      },
    ],
  }),
};

/** A running nginx on a private tree. */
export interface RunningNginx {
  /** The master process. */
  readonly daemon: Daemon;
  /** The base configuration file. */
  readonly mainConfig: string;
  /** Re-renders, checks (`nginx -t`), writes and reloads (`nginx -s reload`), then waits for the old workers to exit. */
  reload(config: NginxConfig): Promise<void>;
  /** Stops nginx. */
  stop(): Promise<void>;
}

/** `nginx -t` on the main configuration; throws with nginx's message. */
export function nginxTest(mainConfig: string): void {
  run('nginx', ['-t', '-q', '-c', mainConfig]);
}

/**
 * Renders `config` (whose paths must point into a tree made by {@link prepareRoot}), checks it
 * with `nginx -t`, and starts nginx in the foreground (`daemon off`), waiting for `ports`.
 */
export async function startNginx(config: NginxConfig, ports: number[]): Promise<RunningNginx> {
  const mainConfig = nginxLayout(config.paths).mainConfig;
  writeFiles(renderNginx(config));
  nginxTest(mainConfig);
  const daemon = await startDaemon('nginx', ['-c', mainConfig, '-g', 'daemon off;'], ports);
  return {
    daemon,
    mainConfig,
    reload: async (next) => {
      const layout = nginxLayout(next.paths);
      for (const dir of [
        layout.poolsDir,
        layout.listenersDir,
        layout.streamPoolsDir,
        layout.streamListenersDir,
      ]) {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      writeFiles(renderNginx(next));
      nginxTest(mainConfig);
      const before = daemon.children();
      run('nginx', ['-c', mainConfig, '-s', 'reload']);
      await waitUntil(
        'nginx to replace its workers',
        () => {
          const now = daemon.children();
          return now.some((pid) => !before.includes(pid)) && before.every((pid) => !alive(pid));
        },
        10000,
      );
    },
    stop: () => daemon.stop(),
  };
}
