import { NGINX_CAPABILITIES } from '../core/balancing';
import {
  NGINX_DEFAULT_PATHS,
  NginxPaths,
  NginxTimeouts,
  nginxCheckCommand,
  nginxLayout,
  renderNginx,
} from '../config/nginx';
import { BalancerDaemon, BalancerFiles, DaemonPlatform } from './balancer-daemon';

/** Port of nginx's `stub_status` page. */
export const NGINX_STATUS_PORT = 8081;

/** Options of {@link nginxDaemon}. */
export interface NginxDaemonOptions {
  /**
   * Where nginx runs (paths, user, modules).
   * @default 'debian-host'
   */
  readonly platform?: DaemonPlatform;
  /**
   * Networks besides the host itself that may read `stub_status`.
   * @default - the host only
   */
  readonly statusAllowedCidrs?: readonly string[];
  /**
   * How long nginx waits for the nodes; the read timeout also bounds silent websockets.
   * @default - the renderer's (connect 5 s, read 60 s, send 60 s)
   */
  readonly timeouts?: NginxTimeouts;
  /**
   * `worker_connections`.
   * @default 4096
   */
  readonly workerConnections?: number;
}

/** The official image's layout: `/etc/nginx`, stream built in, temporary files in its cache folder. */
const OFFICIAL_IMAGE_PATHS: NginxPaths = {
  pidFile: '/run/nginx.pid',
  tempDir: '/var/cache/nginx',
  cacheDir: '/var/cache/nginx',
  modulesInclude: false,
};

/**
 * Open-source nginx as a balancer daemon: a base `nginx.conf` that includes one file per pool
 * and per listener, checked with `nginx -t` and loaded with a graceful reload.
 */
export function nginxDaemon(options: NginxDaemonOptions = {}): BalancerDaemon {
  const platform = options.platform ?? 'debian-host';
  const image = platform === 'official-image';
  const paths: NginxPaths = image ? OFFICIAL_IMAGE_PATHS : {};
  const layout = nginxLayout(paths);
  const check = nginxCheckCommand(paths);
  const statusAllowedCidrs = options.statusAllowedCidrs ?? [];
  return {
    name: 'nginx',
    role: 'nginx-balancer',
    capabilities: NGINX_CAPABILITIES,
    packages: image ? [] : ['nginx', 'libnginx-mod-stream'],
    pidFile: paths.pidFile ?? NGINX_DEFAULT_PATHS.pidFile,
    check,
    mainConfig: layout.mainConfig,
    managedDirectories: [
      layout.poolsDir,
      layout.listenersDir,
      layout.streamPoolsDir,
      layout.streamListenersDir,
    ].map((path) => ({ path, pattern: '*.conf' })),
    statusPort: NGINX_STATUS_PORT,
    poolFile: (pool) =>
      `${pool.options.protocol === 'tcp' || pool.options.protocol === 'udp' ? layout.streamPoolsDir : layout.poolsDir}/${pool.name}.conf`,
    runtime: {
      check,
      reload: 'systemctl reload nginx',
      pushCheck: check,
      pushReload: 'systemctl reload-or-restart nginx',
      extraFiles: [],
    },
    render: (pools, listeners, path): BalancerFiles => {
      const files = renderNginx(
        {
          pools,
          listeners,
          status: { port: NGINX_STATUS_PORT, adminCidrs: statusAllowedCidrs },
          ...(options.timeouts ? { timeouts: options.timeouts } : {}),
          ...(options.workerConnections !== undefined
            ? { workerConnections: options.workerConnections }
            : {}),
          ...(image ? { paths, user: 'nginx' } : {}),
        },
        `${path} nginx`,
      );
      return {
        base: files.filter((f) => f.path === layout.mainConfig),
        pools: files.filter((f) => f.path !== layout.mainConfig),
      };
    },
  };
}
