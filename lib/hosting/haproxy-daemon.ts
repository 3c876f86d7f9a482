import { HAPROXY_CAPABILITIES } from '../core/balancing';
import {
  HAPROXY_DEFAULT_PATHS,
  HaproxyPaths,
  haproxyCheckCommand,
  haproxyRuntimeCheckCommand,
  renderHaproxy,
} from '../config/haproxy';
import { renderSystemdUnit } from '../config/systemd';
import { BalancerDaemon, BalancerFiles, DaemonPlatform } from './balancer-daemon';

/** Port of HAProxy's stats page (and Prometheus metrics). */
export const HAPROXY_STATS_PORT = 8404;

/** Options of {@link haproxyDaemon}. */
export interface HaproxyDaemonOptions {
  /**
   * Where HAProxy runs (paths, chroot, logging).
   * @default 'debian-host'
   */
  readonly platform?: DaemonPlatform;
  /**
   * Password of the stats login (user `admin`): the stats page then listens on every address.
   * @default - stats on 127.0.0.1 only, no login
   */
  readonly statsPassword?: string;
  /**
   * The stats page listens on every address (behind `statsPassword`), not only on 127.0.0.1.
   * @default - every address when `statsPassword` is given
   */
  readonly statsOnEveryAddress?: boolean;
  /**
   * Admin actions on the stats page for the logged-in user (needs `statsPassword`).
   * @default false
   */
  readonly statsAdmin?: boolean;
}

/**
 * The official image's layout: `/usr/local/etc/haproxy`, run as user `haproxy` (no chroot, the
 * admin socket in its home), logs to stdout.
 */
const OFFICIAL_IMAGE_PATHS: Required<HaproxyPaths> = {
  configFile: '/usr/local/etc/haproxy/haproxy.cfg',
  chroot: false,
  adminSocket: '/var/lib/haproxy/admin.sock',
  poolsDir: '/usr/local/etc/haproxy/webfarm/pools',
};

/**
 * HAProxy as a balancer daemon: one `haproxy.cfg` (a `frontend` per listener, a `backend` per
 * pool), checked with `haproxy -c` and loaded with a seamless reload.
 */
export function haproxyDaemon(options: HaproxyDaemonOptions = {}): BalancerDaemon {
  const image = (options.platform ?? 'debian-host') === 'official-image';
  const paths: Required<HaproxyPaths> = image ? OFFICIAL_IMAGE_PATHS : HAPROXY_DEFAULT_PATHS;
  const password = options.statsPassword;
  return {
    name: 'haproxy',
    role: 'haproxy-balancer',
    capabilities: HAPROXY_CAPABILITIES,
    packages: image ? [] : ['haproxy'],
    // Debian's and Ubuntu's haproxy.service start HAProxy with `-p /run/haproxy.pid`.
    pidFile: '/run/haproxy.pid',
    check: haproxyCheckCommand(paths),
    mainConfig: paths.configFile,
    managedDirectories: [],
    statusPort: HAPROXY_STATS_PORT,
    poolFile: (pool) =>
      pool.options.runtimeManaged ? `${paths.poolsDir}/${pool.name}.cfg` : paths.configFile,
    runtime: {
      check: haproxyRuntimeCheckCommand(paths),
      reload: 'systemctl reload haproxy',
      pushCheck: `mkdir -p ${paths.poolsDir} && ${haproxyRuntimeCheckCommand(paths)}`,
      // HAProxy's master re-executes itself with its start arguments on reload: the first push
      // that adds the run-time pools' folder to them restarts HAProxy once; later pushes reload.
      pushReload:
        'systemctl daemon-reload && if grep -qs webfarm/pools "/proc/$(cat /run/haproxy.pid)/cmdline"; ' +
        'then systemctl reload haproxy; else systemctl restart haproxy; fi',
      extraFiles: [
        {
          path: '/etc/systemd/system/haproxy.service.d/webfarm-pools.conf',
          content:
            '# webfarm: HAProxy also reads the run-time pools (one backend per file).\n' +
            renderSystemdUnit({
              name: 'webfarm-pools.conf',
              sections: [
                {
                  name: 'Service',
                  directives: [['Environment', `"CONFIG=${paths.configFile} -f ${paths.poolsDir}"`]],
                },
              ],
            }),
        },
      ],
      adminSocket: paths.adminSocket,
    },
    render: (pools, listeners, path): BalancerFiles => ({
      // The package's own haproxy.cfg serves until the first push; the whole file is pushed.
      base: [],
      pools: renderHaproxy(
        {
          pools,
          listeners,
          ...(image ? { paths, log: 'stdout' } : {}),
          stats: {
            port: HAPROXY_STATS_PORT,
            ...(password !== undefined ? { password } : {}),
            ...(password !== undefined && options.statsOnEveryAddress !== false
              ? { bindAddress: '0.0.0.0' }
              : {}),
            ...(options.statsAdmin ? { admin: true } : {}),
          },
        },
        `${path} haproxy`,
      ),
    }),
  };
}
